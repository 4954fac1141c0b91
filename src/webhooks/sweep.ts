// The webhook sweep, run by the every-minute Cron Trigger: what makes the outbox's promise hold
// when the request path's dispatch or an enqueue did not happen (API.md §14: an event whose
// enqueue failed after its commit is still sent within 5 minutes). Bounded per run.
import { nowMs } from "../lib/clock.ts";
import { markUnsubscribedEvents } from "../db/webhook-deliveries.ts";
import { createServices } from "../services/index.ts";
import { dispatchAndEnqueue, enqueueOverdue } from "./dispatch.ts";
import { deliveriesQueue } from "./queue.ts";

/** Events younger than this are left to the request that wrote them. */
export const SWEEP_EVENTS_OLDER_THAN_MS = 10_000;
/** A pending delivery this far past its due time has lost its message: it is enqueued again. */
export const OVERDUE_AFTER_MS = 60_000;
/**
 * Per run: bulk marks of events no endpoint wants (5,000 each), dispatch steps (each up to 500
 * events, 100 deliveries) and overdue look-ups (100 each). A run is a few hundred ms of D1 work.
 */
const MARK_CALLS_PER_RUN = 10;
const MARK_PER_CALL = 5_000;
const DISPATCH_CALLS_PER_RUN = 50;
const OVERDUE_CALLS_PER_RUN = 10;
const OVERDUE_PER_CALL = 100;

export const WEBHOOK_SWEEP_CRON = "* * * * *";

/**
 * Marks in bulk the undispatched events of companies without an enabled endpoint, dispatches the
 * other companies' events older than a few seconds that are still undispatched, then enqueues
 * again the pending deliveries more than a minute overdue. Worst case for an event committed at T whose dispatch or
 * enqueue failed: dispatched by the first run after T + 10 s, or enqueued again by the first run
 * after T + 60 s; either is within about 2 minutes.
 */
export async function sweepWebhooks(env: Env) {
  const { db } = createServices(env);
  const queue = deliveriesQueue(env);
  const now = nowMs();
  const olderThan = new Date(now - SWEEP_EVENTS_OLDER_THAN_MS).toISOString();
  let unsubscribed = 0;
  for (let call = 0; call < MARK_CALLS_PER_RUN; call++) {
    const marked = await markUnsubscribedEvents(db, olderThan, MARK_PER_CALL);
    unsubscribed += marked;
    if (marked < MARK_PER_CALL) break;
  }
  const dispatch = await dispatchAndEnqueue(
    db,
    queue,
    { olderThan },
    DISPATCH_CALLS_PER_RUN,
  );
  const overdue = await enqueueOverdue(
    db,
    queue,
    new Date(now - OVERDUE_AFTER_MS).toISOString(),
    OVERDUE_CALLS_PER_RUN,
    OVERDUE_PER_CALL,
  );
  const result = { unsubscribed, ...dispatch, overdue: overdue.overdue, overdue_enqueued: overdue.enqueued };
  if (result.unsubscribed > 0 || result.dispatched > 0 || result.overdue > 0) console.log(JSON.stringify({ job: "webhook_sweep", ...result }));
  return result;
}
