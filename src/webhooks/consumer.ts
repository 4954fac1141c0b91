// The consumers of the deliveries queue and of its dead-letter queue. Each message is one attempt
// of one delivery: claimed in D1 (so that a duplicate never sends twice), sent, and recorded; a
// failure enqueues the next attempt by the schedule, or ends the delivery `failed`.
import type { Database } from "../db/client.ts";
import {
  claimAttempts,
  dropDelivery,
  failDeadLettered,
  failUnsent,
  recordAttempts,
  type AttemptResult,
  type Claim,
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

const UNPREPARED = "Not sent: the event could not be prepared for sending (an error on our side, logged); tried again by the schedule.";

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

/** What became of one claimed attempt: its outcome to record, and the next attempt's delay if any. */
interface Sent {
  result: AttemptResult;
  retryAfterS: number | null;
}

/**
 * Sends one claimed attempt, or settles a claim that is not to be sent: a delivery whose endpoint
 * was deleted is dropped; one whose endpoint is disabled, or whose event is no longer kept, is
 * marked failed without being sent. The URL is checked again against the mode's rules.
 */
async function settle(db: Database, keyMode: ApiKeyMode, { deliveryId, attempt }: DeliveryMessage, claim: Claim): Promise<Sent | null> {
  switch (claim.outcome) {
    case "stale":
      return null;
    case "endpoint_deleted":
      await dropDelivery(db, deliveryId);
      return null;
    case "endpoint_disabled":
      await failUnsent(db, deliveryId, claim.delivery.attempts, "Not sent: the endpoint is disabled.");
      return null;
    case "event_gone":
      await failUnsent(db, deliveryId, claim.delivery.attempts, "Not sent: the event is no longer kept (events are kept 30 days).");
      return null;
    case "claimed":
      break;
  }

  const { endpoint, event } = claim;
  const attemptedAt = claim.delivery.lastAttemptAt!;
  const refusal = webhookUrlRefusal(endpoint.url, keyMode);
  let sent: SendResult;
  if (refusal !== null) {
    sent = { succeeded: false, statusCode: null, error: truncateError(`Not sent: the URL ${refusal}`), durationMs: 0 };
  } else {
    try {
      const body = JSON.stringify(toEvent(event));
      const headers = await webhookHeaders(signingSecrets(endpoint, nowIso()), event.id, nowMs(), body);
      sent = await sendWebhook(endpoint.url, headers, body);
    } catch (error) {
      // A claimed attempt that cannot be made is a failed attempt like any other, so the schedule
      // ends it: were the message retried instead, its retry would find the attempt claimed and
      // stop, and the sweep would make the next one, for ever.
      console.error(JSON.stringify({ event: "webhook_attempt_unprepared", deliveryId, attempt, error: String(error) }));
      sent = { succeeded: false, statusCode: null, error: UNPREPARED, durationMs: 0 };
    }
  }

  const delay = sent.succeeded ? null : delayAfterAttempt(attempt);
  return {
    result: {
      deliveryId,
      endpointId: endpoint.id,
      attempt,
      attemptedAt,
      statusCode: sent.statusCode,
      error: sent.error,
      durationMs: sent.durationMs,
      succeeded: sent.succeeded,
      nextAttemptAt: delay === null ? null : new Date(nowMs() + delay * 1000).toISOString(),
      disableIfFailingSince: new Date(Date.parse(attemptedAt) - RETRY_PERIOD_MS).toISOString(),
      disabledReason: DISABLED_REASON,
    },
    retryAfterS: delay,
  };
}

/**
 * Makes each message's attempt of its delivery, unless that attempt was made already or the
 * delivery is no longer pending (a duplicate or stale message: nothing to do). The attempts are
 * claimed together in one D1 batch, sent side by side, and recorded together in one batch; each
 * failed attempt's next one is enqueued by the schedule. Answers, per message, whether it is done:
 * false for one whose settling threw (dropping or failing an unsendable delivery: the queue
 * retries it). A failed claim or record throws: the queue retries the whole batch; an attempt
 * claimed but not recorded is then found claimed, and the sweep makes it again once its lease is
 * over.
 */
export async function attemptDeliveries(
  db: Database,
  queue: Queue<DeliveryMessage>,
  keyMode: ApiKeyMode,
  messages: readonly DeliveryMessage[],
): Promise<boolean[]> {
  const claims = await claimAttempts(db, messages);
  const settled = await Promise.all(
    messages.map((message, i) =>
      settle(db, keyMode, message, claims[i]!).then(
        (sent) => ({ done: true, sent }),
        (error: unknown) => {
          console.error(JSON.stringify({ event: "webhook_attempt_crashed", ...message, error: String(error) }));
          return { done: false, sent: null };
        },
      ),
    ),
  );
  const sent = settled.flatMap((s) => (s.sent ? [s.sent] : []));
  await recordAttempts(db, sent.map((s) => s.result));
  const retries = Map.groupBy(
    sent.filter((s) => s.retryAfterS !== null),
    (s) => Math.min(s.retryAfterS!, MAX_QUEUE_DELAY_S),
  );
  for (const [delay, due] of retries) {
    await enqueueAttempts(queue, due.map((s) => ({ deliveryId: s.result.deliveryId, attempt: s.result.attempt + 1 })), delay);
  }
  return settled.map((s) => s.done);
}

/** One message's attempt (see `attemptDeliveries`); throws when it could not be made. */
export async function attemptDelivery(
  db: Database,
  queue: Queue<DeliveryMessage>,
  keyMode: ApiKeyMode,
  message: DeliveryMessage,
): Promise<void> {
  const [done] = await attemptDeliveries(db, queue, keyMode, [message]);
  if (!done) throw new Error(`attempt ${message.attempt} of delivery ${message.deliveryId} could not be made`);
}

/**
 * The deliveries queue's consumer: the batch's attempts are made together (`attemptDeliveries`).
 * A message is acknowledged once its attempt is recorded (whatever the receiver answered: the next
 * attempt is a message of its own); one whose processing threw is retried by the queue, and after
 * `max_retries` goes to the dead-letter queue. A malformed message is acknowledged and logged.
 */
export async function consumeDeliveries(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const { db, keyMode } = createServices(env);
  const valid: Message<DeliveryMessage>[] = [];
  for (const message of batch.messages) {
    if (isDeliveryMessage(message.body)) valid.push(message as Message<DeliveryMessage>);
    else {
      console.error(JSON.stringify({ event: "webhook_message_malformed", id: message.id }));
      message.ack();
    }
  }
  let done: boolean[];
  try {
    done = await attemptDeliveries(db, deliveriesQueue(env), keyMode, valid.map((message) => message.body));
  } catch (error) {
    console.error(JSON.stringify({ event: "webhook_batch_crashed", messages: valid.length, error: String(error) }));
    done = valid.map(() => false);
  }
  valid.forEach((message, i) => (done[i] ? message.ack() : message.retry()));
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
