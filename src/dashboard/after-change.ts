// After a dashboard change: the same dispatch of the company's new events to its webhook endpoints
// as the API's `dispatchEvents` middleware runs after a change, after the response (waitUntil), in
// a D1 Session of its own starting where the request's ended (so it sees the change's events).
import type { Context } from "hono";
import { createDatabase } from "../db/client.ts";
import { dispatchAfterChange } from "../middleware/dispatch-events.ts";
import { deliveriesQueue } from "../webhooks/queue.ts";
import type { DashboardEnv } from "./types.ts";

export function afterChange(c: Context<DashboardEnv>): void {
  const db = createDatabase(c.env.DB, c.get("session").bookmark() ?? "first-primary");
  const companyId = c.get("viewer").company.id;
  const work = dispatchAfterChange(db, deliveriesQueue(c.env), companyId).catch((error: unknown) => {
    console.error(JSON.stringify({ event: "webhook_dispatch_failed", company_id: companyId, error: String(error) }));
  });
  try {
    c.executionCtx.waitUntil(work);
  } catch {
    // No execution context (app.request in tests): the dispatch runs on its own.
  }
}
