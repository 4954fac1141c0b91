import { createMiddleware } from "hono/factory";
import { createServices } from "../services/index.ts";
import type { DashboardEnv } from "./types.ts";

/**
 * The request's services, as the API's: but every dashboard read starts at the primary
 * ("first-primary"), so that the page after a change (a revoked key, a new user) always shows it.
 * A person's few page loads do not need the replicas' latency; the API's clients pass a
 * Consistency-Token instead.
 */
export const dashboardServices = createMiddleware<DashboardEnv>(async (c, next) => {
  const services = createServices(c.env, "first-primary");
  c.set("db", services.db);
  c.set("session", services.session);
  c.set("blobs", services.blobs);
  c.set("limiter", services.limiter);
  c.set("restorers", services.restorers);
  c.set("importers", services.importers);
  c.set("keyMode", services.keyMode);
  await next();
});
