// Webhook delivery test helpers: endpoints and events straight into D1 (so that delivery is tested
// on its own), a receiver the test controls (the Worker's outbound request goes to it instead of
// the network), and driving the queue consumer with real message batches.
import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { expect, vi } from "vitest";
import worker from "../../src/index.ts";
import { createDatabase } from "../../src/db/client.ts";
import { dispatchEvents } from "../../src/db/webhook-deliveries.ts";
import { events, webhookDeliveries, webhookDeliveryAttempts, webhookEndpoints } from "../../src/db/schema.ts";
import { generateWebhookSecret } from "../../src/domain/webhook-endpoints.ts";
import { nowIso } from "../../src/lib/clock.ts";
import { newId } from "../../src/lib/ids.ts";
import { eq, asc } from "drizzle-orm";
import { DELIVERIES_QUEUE, DEAD_LETTER_QUEUE, type DeliveryMessage } from "../../src/webhooks/queue.ts";
import { setWebhookTransport } from "../../src/webhooks/send.ts";

export const db = () => createDatabase(env.DB);

export interface EndpointInput {
  url?: string;
  events?: string[];
  status?: "enabled" | "disabled";
  secret?: string;
  previousSecret?: string | null;
  previousSecretExpiresAt?: string | null;
  failingSince?: string | null;
  createdAt?: string;
}

/** An endpoint row of the company, as the endpoints API would store it. */
export async function insertEndpoint(companyId: string, input: EndpointInput = {}) {
  const now = input.createdAt ?? "2000-01-01T00:00:00.000Z";
  const row = {
    id: newId("we"),
    companyId,
    url: input.url ?? "https://receiver.example.com/hooks",
    events: input.events ?? ["*"],
    description: null,
    status: input.status ?? "enabled",
    disabledReason: null,
    secret: input.secret ?? generateWebhookSecret(),
    previousSecret: input.previousSecret ?? null,
    previousSecretExpiresAt: input.previousSecretExpiresAt ?? null,
    failingSince: input.failingSince ?? null,
    createdAt: now,
    updatedAt: now,
  } as const;
  await db().insert(webhookEndpoints).values(row);
  return row;
}

/**
 * An event of the company (an `import` object, which is shown as stored), with the next sequence
 * number, created now (injected clock) unless `createdAt` is given.
 */
export async function insertEvent(companyId: string, type: string, options: { createdAt?: string; object?: Record<string, unknown> } = {}) {
  const id = newId("event");
  const createdAt = options.createdAt ?? nowIso();
  const object = options.object ?? { id: `imp_${id.slice(6)}`, status: "complete" };
  await env.DB.prepare(
    `INSERT INTO events (id, company_id, sequence, type, object_type, object, previous_attributes, request_id, user_id, api_key_id, created_at)
     SELECT ?, ?, COALESCE((SELECT MAX(sequence) FROM events WHERE company_id = ?), 0) + 1, ?, 'import', ?, NULL, NULL, NULL, NULL, ?`,
  )
    .bind(id, companyId, companyId, type, JSON.stringify(object), createdAt)
    .run();
  return { id, type, createdAt, object };
}

export async function deliveriesOf(eventId: string) {
  return db().select().from(webhookDeliveries).where(eq(webhookDeliveries.eventId, eventId)).orderBy(asc(webhookDeliveries.endpointId));
}

export async function deliveryRow(id: string) {
  const [row] = await db().select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id));
  return row;
}

export async function endpointRow(id: string) {
  const [row] = await db().select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id));
  return row;
}

export async function attemptRows(deliveryId: string) {
  return db()
    .select()
    .from(webhookDeliveryAttempts)
    .where(eq(webhookDeliveryAttempts.deliveryId, deliveryId))
    .orderBy(asc(webhookDeliveryAttempts.attempt));
}

export async function eventRow(id: string) {
  const [row] = await db().select().from(events).where(eq(events.id, id));
  return row;
}

/** What the receiver got: the request as sent, its body read. */
export interface Received {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string;
  redirect: string;
}

/**
 * A receiver the test controls: every outbound webhook request is handed to `answer` (by default
 * a 200), and recorded. `timeoutMs` shortens the 10 s timeout so that a test need not wait it.
 */
export function receiver(answer: (request: Request, index: number) => Response | Promise<Response> = () => new Response("ok"), timeoutMs?: number) {
  const received: Received[] = [];
  setWebhookTransport({
    timeoutMs,
    fetch: async (request) => {
      const body = await request.text();
      received.push({
        url: request.url,
        method: request.method,
        headers: Object.fromEntries(request.headers),
        body,
        redirect: request.redirect,
      });
      return answer(request, received.length - 1);
    },
  });
  return received;
}

/** An answer that never comes: only the request's abort (its timeout) ends it. */
export function never(request: Request): Promise<Response> {
  return new Promise((_, reject) => request.signal.addEventListener("abort", () => reject(request.signal.reason)));
}

export function stopReceiver(): void {
  setWebhookTransport(null);
}

/**
 * Runs the Worker's queue handler on one batch of the deliveries queue (or its dead-letter queue)
 * and answers what it did with each message (acked or retried).
 */
export async function consume(messages: DeliveryMessage[], queue = DELIVERIES_QUEUE) {
  const batch = createMessageBatch<DeliveryMessage>(
    queue,
    messages.map((body, i) => ({ id: `msg-${i}-${crypto.randomUUID()}`, timestamp: new Date(), attempts: 1, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue!(batch as MessageBatch<unknown>, env, ctx);
  return getQueueResult(batch, ctx);
}

export const consumeDeadLetters = (messages: DeliveryMessage[]) => consume(messages, DEAD_LETTER_QUEUE);

/** Waits until the delivery has the status (real queue delivery runs on its own timer). */
export async function waitForStatus(deliveryId: string, status: string, timeout = 10_000) {
  await vi.waitFor(async () => expect((await deliveryRow(deliveryId))?.status).toBe(status), { timeout, interval: 50 });
}

/** A stand-in for the deliveries queue that records what is sent, or fails every send (`fail`). */
export function recordingQueue(options: { fail?: boolean } = {}) {
  const sent: { body: DeliveryMessage; delaySeconds?: number }[] = [];
  const refuse = () => {
    if (options.fail) throw new Error("Queue send failed: service unavailable");
  };
  const queue = {
    async send(body: DeliveryMessage, opts?: QueueSendOptions) {
      refuse();
      sent.push({ body, delaySeconds: opts?.delaySeconds });
    },
    async sendBatch(messages: Iterable<MessageSendRequest<DeliveryMessage>>, opts?: QueueSendBatchOptions) {
      refuse();
      for (const m of messages) sent.push({ body: m.body, delaySeconds: m.delaySeconds ?? opts?.delaySeconds });
    },
  } as unknown as Queue<DeliveryMessage>;
  return { queue, sent };
}

/**
 * A company's endpoint, one event and its pending delivery (dispatched without enqueueing), for
 * tests that drive the consumer themselves.
 */
export async function pendingDelivery(companyId: string, endpoint: EndpointInput = {}, type = "import.completed") {
  const row = await insertEndpoint(companyId, endpoint);
  const event = await insertEvent(companyId, type);
  const { deliveryIds } = await dispatchEvents(db(), { companyId });
  const [delivery] = (await deliveriesOf(event.id)).filter((d) => d.endpointId === row.id);
  expect(deliveryIds).toContain(delivery!.id);
  return { endpoint: row, event, deliveryId: delivery!.id };
}
