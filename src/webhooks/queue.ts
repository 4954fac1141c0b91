// The deliveries queue (wrangler.toml): its names, its messages, and enqueueing them. A message
// only says which attempt of which delivery to make; the delivery's row in D1 is the truth, so a
// lost message delays an attempt (the sweep enqueues it again) but never loses it.

import type { AttemptRef } from "../db/webhook-deliveries.ts";

export const DELIVERIES_QUEUE = "inventory-manager-webhook-deliveries";
export const DEAD_LETTER_QUEUE = "inventory-manager-webhook-deliveries-dlq";

/** A message: which attempt of which delivery to make. */
export type DeliveryMessage = AttemptRef;

/** Messages per `sendBatch` call: Queues take at most 100. */
const SEND_BATCH_SIZE = 100;

/**
 * Enqueues the messages, 100 a call, each after `delaySeconds`. Answers how many were enqueued;
 * a call that fails is logged and the rest still tried: what is not enqueued stays due in D1,
 * where the sweep finds it once overdue.
 */
export async function enqueueAttempts(
  queue: Queue<DeliveryMessage>,
  messages: readonly DeliveryMessage[],
  delaySeconds = 0,
): Promise<number> {
  let sent = 0;
  for (let start = 0; start < messages.length; start += SEND_BATCH_SIZE) {
    const chunk = messages.slice(start, start + SEND_BATCH_SIZE);
    try {
      await queue.sendBatch(chunk.map((body) => ({ body, contentType: "json" as const, ...(delaySeconds > 0 ? { delaySeconds } : {}) })));
      sent += chunk.length;
    } catch (error) {
      console.error(
        JSON.stringify({ event: "webhook_enqueue_failed", deliveries: chunk.map((m) => m.deliveryId), error: String(error) }),
      );
    }
  }
  return sent;
}

/** The deliveries queue of the Worker's environment, with its message type. */
export function deliveriesQueue(env: Env): Queue<DeliveryMessage> {
  return env.WEBHOOK_DELIVERIES as Queue<DeliveryMessage>;
}
