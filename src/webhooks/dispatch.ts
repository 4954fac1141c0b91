// The outbox's two moves, each bounded: undispatched events become deliveries, whose first attempts
// are enqueued; and deliveries whose attempt is overdue (their message was lost or never sent)
// are enqueued again. The request path runs the first for the caller's company right after a
// change; the sweep (every minute) runs both for every company.
import type { Database } from "../db/client.ts";
import { dispatchEvents, takeOverdueDeliveries, type DispatchOptions } from "../db/webhook-deliveries.ts";
import { enqueueAttempts, type DeliveryMessage } from "./queue.ts";

/**
 * Dispatches undispatched events (at most `maxCalls` dispatch steps, each one D1 batch) and
 * enqueues each new delivery's first attempt after its step. Answers the counts.
 */
export async function dispatchAndEnqueue(
  db: Database,
  queue: Queue<DeliveryMessage>,
  options: DispatchOptions,
  maxCalls: number,
): Promise<{ deliveries: number; enqueued: number; dispatched: number }> {
  const totals = { deliveries: 0, enqueued: 0, dispatched: 0 };
  for (let call = 0; call < maxCalls; call++) {
    const step = await dispatchEvents(db, options);
    totals.deliveries += step.deliveryIds.length;
    totals.dispatched += step.dispatched;
    totals.enqueued += await enqueueAttempts(
      queue,
      step.deliveryIds.map((deliveryId) => ({ deliveryId, attempt: 1 })),
    );
    if (!step.more) break;
  }
  return totals;
}

/** Enqueues again pending deliveries due before `overdueBefore`, at most `maxCalls` × `perCall`. */
export async function enqueueOverdue(
  db: Database,
  queue: Queue<DeliveryMessage>,
  overdueBefore: string,
  maxCalls: number,
  perCall: number,
): Promise<{ overdue: number; enqueued: number }> {
  const totals = { overdue: 0, enqueued: 0 };
  for (let call = 0; call < maxCalls; call++) {
    const messages = await takeOverdueDeliveries(db, overdueBefore, perCall);
    totals.overdue += messages.length;
    totals.enqueued += await enqueueAttempts(queue, messages);
    if (messages.length < perCall) break;
  }
  return totals;
}
