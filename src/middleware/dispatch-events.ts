import { createMiddleware } from "hono/factory";
import { createDatabase, type Database } from "../db/client.ts";
import { hasEnabledEndpoint } from "../db/webhook-deliveries.ts";
import { nowMs } from "../lib/clock.ts";
import type { AppEnv } from "../types.ts";
import { dispatchAndEnqueue } from "../webhooks/dispatch.ts";
import { deliveriesQueue, type DeliveryMessage } from "../webhooks/queue.ts";

// Whether a company has an enabled webhook endpoint, cached in the isolate for at most a second (of
// the injectable clock): a company without one costs no D1 read per change, only one a second,
// and its events are left for the sweep to mark. Creating, enabling or deleting an endpoint forgets
// the entry on that instance (forgetWebhookEndpoints), so its next change there dispatches at once.
const CACHE_TTL_MS = 1_000;
const CACHE_MAX_ENTRIES = 10_000;
const endpointCache = new Map<string, { enabled: boolean; fetchedAt: number }>();

/** Dispatch steps after one request: a change writes a few events, a batch of 100 at most a few hundred. */
const DISPATCH_CALLS_PER_REQUEST = 5;

/** What the cache knows of whether the company has an enabled endpoint (undefined: nothing fresh). */
function cachedHasEndpoint(companyId: string): boolean | undefined {
  const now = nowMs();
  const cached = endpointCache.get(companyId);
  return cached && now - cached.fetchedAt < CACHE_TTL_MS && now >= cached.fetchedAt ? cached.enabled : undefined;
}

async function companyHasEndpoint(db: Database, companyId: string): Promise<boolean> {
  const cached = cachedHasEndpoint(companyId);
  if (cached !== undefined) return cached;
  const now = nowMs();
  const enabled = await hasEnabledEndpoint(db, companyId);
  endpointCache.delete(companyId);
  if (endpointCache.size >= CACHE_MAX_ENTRIES) endpointCache.delete(endpointCache.keys().next().value!);
  endpointCache.set(companyId, { enabled, fetchedAt: now });
  return enabled;
}

/**
 * Drops the company's entry from this isolate's cache: to be called when one of its endpoints is
 * created, enabled, disabled or deleted, so that the next change on this instance sees it.
 */
export function forgetWebhookEndpoints(companyId: string): void {
  endpointCache.delete(companyId);
}

// The dispatch running for a company in this isolate: changes that come in meanwhile do not start
// one of their own (under load, one per change would each find the few events the one before left),
// they ask the running one to go once more, in the newest change's session, which sees them all.
const running = new Map<string, { again: boolean; db: Database; done: Promise<void> }>();

/**
 * Dispatches the company's undispatched events and enqueues their deliveries, unless the cache
 * says it has no enabled endpoint (then it reads and writes nothing). While a dispatch of the
 * company runs here, a call answers that dispatch's end, which then dispatches once more.
 */
export function dispatchAfterChange(db: Database, queue: Queue<DeliveryMessage>, companyId: string): Promise<void> {
  const current = running.get(companyId);
  if (current) {
    current.again = true;
    current.db = db;
    return current.done;
  }
  const state = { again: true, db, done: Promise.resolve() };
  state.done = (async () => {
    try {
      while (state.again) {
        state.again = false;
        if (!(await companyHasEndpoint(state.db, companyId))) return;
        await dispatchAndEnqueue(state.db, queue, { companyId }, DISPATCH_CALLS_PER_REQUEST);
      }
    } finally {
      running.delete(companyId);
    }
  })();
  running.set(companyId, state);
  return state.done;
}

/**
 * After a change (a request other than GET that succeeded), dispatches the caller's company's
 * new events to its endpoints and enqueues their deliveries, after the response (waitUntil), in a
 * D1 Session of its own that starts where the request's ended (so it sees the change's own events)
 * and leaves the request's alone: the response's Consistency-Token and the key's bookmark say
 * where the request's own reads and writes stand, not this later work. Nothing is read or written
 * when the company has no enabled endpoint (as far as the cache knows). A failure here loses
 * nothing: the every-minute sweep dispatches what is left.
 */
export const dispatchEvents = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  if (c.req.method === "GET" || c.req.method === "HEAD" || c.res.status >= 400) return;
  const { companyId } = c.get("auth");
  // Most changes are of companies without an endpoint, which the cache knows: nothing to start.
  if (cachedHasEndpoint(companyId) === false && !running.has(companyId)) return;
  const db = createDatabase(c.env.DB, c.get("session").bookmark() ?? "first-primary");
  const work = dispatchAfterChange(db, deliveriesQueue(c.env), companyId).catch((error: unknown) => {
    console.error(JSON.stringify({ event: "webhook_dispatch_failed", company_id: companyId, error: String(error) }));
  });
  try {
    c.executionCtx.waitUntil(work);
  } catch {
    // No execution context (app.request in tests): the dispatch runs on its own.
  }
});
