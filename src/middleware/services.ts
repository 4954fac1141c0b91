import { createMiddleware } from "hono/factory";
import { createServices } from "../services/index.ts";
import type { AppEnv } from "../types.ts";

/** Builds the request's services once, before anything else needs them: `c.var.db` and the rest. */
export const services = createMiddleware<AppEnv>(async (c, next) => {
  const { db, blobs, limiter, restorers, keyMode } = createServices(c.env);
  c.set("db", db);
  c.set("blobs", blobs);
  c.set("limiter", limiter);
  c.set("restorers", restorers);
  c.set("keyMode", keyMode);
  await next();
});
