// The consumers of the deliveries queue and of its dead-letter queue. Each message is one attempt
// of one delivery: claimed in D1 (so that a duplicate never sends twice), sent, and recorded; a
// failure enqueues the next attempt by the schedule, or ends the delivery `failed`.
import type { Database } from "../db/client.ts";
import {
  claimAttempt,
  dropDelivery,
  failDeadLettered,
  failUnsent,
  recordAttempt,
} from "../db/webhook-deliveries.ts";
import { signingSecrets, webhookUrlRefusal } from "../domain/webhook-endpoints.ts";
import { toEvent } from "../events/to-event.ts";
import type { ApiKeyMode } from "../lib/api-key-format.ts";
import { nowIso, nowMs } from "../lib/clock.ts";
import { createServices } from "../services/index.ts";
import { DEAD_LETTER_QUEUE, deliveriesQueue, enqueueAttempts, type DeliveryMessage } from "./queue.ts";
import { delayAfterAttempt, MAX_QUEUE_DELAY_S, RETRY_PERIOD_MS } from "./schedule.ts";
import { sendWebhook, truncateError, type SendResult } from "./send.ts";
import { webhookHeaders } from "./sign.ts";

const DISABLED_REASON =
  "Disabled automatically: every delivery to this endpoint has failed for 3 days (since {since}). Fix the receiver, then set status to enabled.";

function isDeliveryMessage(body: unknown): body is DeliveryMessage {
  const message = body as DeliveryMessage | null;
  return (
    typeof message === "object" &&
    message !== null &&
    typeof message.deliveryId === "string" &&
    Number.isSafeInteger(message.attempt) &&
    message.attempt >= 1
  );
}

/**
 * Makes attempt `message.attempt` of its delivery, unless that attempt was made already or the
 * delivery is no longer pending (a duplicate or stale message: nothing to do). A delivery whose
 * endpoint was deleted is dropped; one whose endpoint is disabled, or whose event is no longer
 * kept, is marked failed without being sent. The URL is checked again against the mode's rules.
 */
export async function attemptDelivery(
  db: Database,
  queue: Queue<DeliveryMessage>,
  keyMode: ApiKeyMode,
  message: DeliveryMessage,
): Promise<void> {
  const { deliveryId, attempt } = message;
  const claim = await claimAttempt(db, deliveryId, attempt);
  switch (claim.outcome) {
    case "stale":
      return;
    case "endpoint_deleted":
      return dropDelivery(db, deliveryId);
    case "endpoint_disabled":
      return failUnsent(db, deliveryId, claim.delivery.attempts, "Not sent: the endpoint is disabled.");
    case "event_gone":
      return failUnsent(db, deliveryId, claim.delivery.attempts, "Not sent: the event is no longer kept (events are kept 30 days).");
    case "claimed":
      break;
  }

  const { endpoint, event } = claim;
  const attemptedAt = claim.delivery.lastAttemptAt!;
  const refusal = webhookUrlRefusal(endpoint.url, keyMode);
  let result: SendResult;
  if (refusal !== null) {
    result = { succeeded: false, statusCode: null, error: truncateError(`Not sent: the URL ${refusal}`), durationMs: 0 };
  } else {
    const body = JSON.stringify(toEvent(event));
    const headers = await webhookHeaders(signingSecrets(endpoint, nowIso()), event.id, nowMs(), body);
    result = await sendWebhook(endpoint.url, headers, body);
  }

  const delay = result.succeeded ? null : delayAfterAttempt(attempt);
  const now = nowMs();
  await recordAttempt(db, {
    deliveryId,
    endpointId: endpoint.id,
    attempt,
    attemptedAt,
    statusCode: result.statusCode,
    error: result.error,
    durationMs: result.durationMs,
    succeeded: result.succeeded,
    nextAttemptAt: delay === null ? null : new Date(now + delay * 1000).toISOString(),
    disableIfFailingSince: new Date(Date.parse(attemptedAt) - RETRY_PERIOD_MS).toISOString(),
    disabledReason: DISABLED_REASON,
  });
  if (delay !== null) await enqueueAttempts(queue, [{ deliveryId, attempt: attempt + 1 }], Math.min(delay, MAX_QUEUE_DELAY_S));
}

/**
 * The deliveries queue's consumer: the batch's attempts run side by side. A message is acknowledged
 * once its attempt is recorded (whatever the receiver answered: the next attempt is a message of
 * its own); one whose processing throws is retried by the queue, and after `max_retries` goes
 * to the dead-letter queue.
 */
export async function consumeDeliveries(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const { db, keyMode } = createServices(env);
  const queue = deliveriesQueue(env);
  await Promise.all(
    batch.messages.map(async (message) => {
      if (!isDeliveryMessage(message.body)) {
        console.error(JSON.stringify({ event: "webhook_message_malformed", id: message.id }));
        return message.ack();
      }
      try {
        await attemptDelivery(db, queue, keyMode, message.body);
        message.ack();
      } catch (error) {
        console.error(JSON.stringify({ event: "webhook_attempt_crashed", ...message.body, error: String(error) }));
        message.retry();
      }
    }),
  );
}

/**
 * The dead-letter queue's consumer: a message lands there when its attempt kept throwing (a
 * delivery that cannot be processed); its delivery is marked failed, saying so.
 */
export async function consumeDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const { db } = createServices(env);
  for (const message of batch.messages) {
    if (isDeliveryMessage(message.body)) {
      await failDeadLettered(
        db,
        message.body.deliveryId,
        message.body.attempt,
        `Attempt ${message.body.attempt} could not be processed (its queue message was retried until it reached the dead-letter queue); retry the delivery to try again.`,
      );
    }
    message.ack();
  }
}

/** The Worker's `queue` handler: each queue to its consumer. */
export async function consumeQueue(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  if (batch.queue === DEAD_LETTER_QUEUE) return consumeDeadLetters(batch, env);
  return consumeDeliveries(batch, env);
}
