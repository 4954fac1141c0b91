import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { webhookEndpoints } from "../../src/db/schema.ts";
import { ATTEMPT_LEASE_MS, dispatchEvents } from "../../src/db/webhook-deliveries.ts";
import { setClock } from "../../src/lib/clock.ts";
import { attemptDeliveries, attemptDelivery } from "../../src/webhooks/consumer.ts";
import { ATTEMPT_OFFSETS_S, delayAfterAttempt, MAX_ATTEMPTS, MAX_QUEUE_DELAY_S } from "../../src/webhooks/schedule.ts";
import { WEBHOOK_TIMEOUT_MS } from "../../src/webhooks/send.ts";
import { createCompany } from "../helpers/factories.ts";
import { client } from "../helpers/http.ts";
import {
  attemptRows,
  consume,
  consumeDeadLetters,
  db,
  deliveriesOf,
  deliveryRow,
  endpointRow,
  insertEndpoint,
  insertEvent,
  never,
  pendingDelivery,
  receiver,
  recordingQueue,
  stopReceiver,
} from "../helpers/webhooks.ts";

// The consumer: an attempt is claimed, sent, recorded; a failure (not 2xx, a timeout, a redirect,
// no connection, a refused URL) schedules the next attempt as a delayed message, for 3 days; then
// the delivery fails and an endpoint that only failed for 3 days is disabled. On an injected clock.

const T = Date.parse("2032-05-10T08:00:00.000Z");
const SECOND = 1000;
const HOUR = 3600 * SECOND;
const iso = (ms: number) => new Date(ms).toISOString();

afterEach(() => {
  stopReceiver();
  setClock(null);
});

const at = (ms: number) => setClock(() => ms);
const attempt = (deliveryId: string, n: number, queue = recordingQueue().queue, mode: "test" | "live" = "test") =>
  attemptDelivery(db(), queue, mode, { deliveryId, attempt: n });

describe("the schedule", () => {
  it("retries first within a minute, backs off exponentially, never waits longer than a message may be delayed, and ends 3 days after the first", () => {
    const delays = Array.from({ length: MAX_ATTEMPTS - 1 }, (_, i) => delayAfterAttempt(i + 1)!);
    expect(delays).toEqual([30, 270, 1500, 5400, 14400, 21600, 43200, 43200, 43200, 43200, 43200]);
    expect(delays[0]).toBeLessThanOrEqual(60);
    for (const [i, delay] of delays.entries()) {
      expect(delay).toBeLessThanOrEqual(MAX_QUEUE_DELAY_S);
      if (i > 0) expect(delay).toBeGreaterThanOrEqual(delays[i - 1]!);
    }
    expect(delays.reduce((a, b) => a + b, 0)).toBe(72 * 3600);
    expect(ATTEMPT_OFFSETS_S.at(-1)).toBe(3 * 24 * 3600);
    expect(delayAfterAttempt(MAX_ATTEMPTS)).toBeNull();
    expect(delayAfterAttempt(MAX_ATTEMPTS + 1)).toBeNull();
  });
});

describe("a failed attempt, then a successful one", () => {
  it("answers 500 then 200: retried 30 s later and succeeded, both attempts recorded, the endpoint healthy again", async () => {
    at(T);
    const co = await createCompany();
    const received = receiver((_, i) => new Response(i === 0 ? "boom" : "ok", { status: i === 0 ? 500 : 200 }));
    const { deliveryId, endpoint } = await pendingDelivery(co.companyId);
    const { queue, sent } = recordingQueue();

    await attempt(deliveryId, 1, queue);
    expect(await deliveryRow(deliveryId)).toMatchObject({
      status: "pending",
      attempts: 1,
      lastAttemptAt: iso(T),
      nextAttemptAt: iso(T + 30 * SECOND),
      lastStatusCode: 500,
      lastError: "The endpoint answered 500 Internal Server Error; only a 2xx answer is success.",
      updatedAt: iso(T),
    });
    // The next attempt is a message of its own, delayed by the schedule.
    expect(sent).toEqual([{ body: { deliveryId, attempt: 2 }, delaySeconds: 30 }]);
    expect((await endpointRow(endpoint.id))!.failingSince).toBe(iso(T));

    at(T + 30 * SECOND);
    await attempt(deliveryId, 2, queue);
    expect(received).toHaveLength(2);
    expect(received[1]!.body).toBe(received[0]!.body);
    expect(await deliveryRow(deliveryId)).toMatchObject({
      status: "succeeded",
      attempts: 2,
      lastAttemptAt: iso(T + 30 * SECOND),
      nextAttemptAt: null,
      lastStatusCode: 200,
      lastError: null,
    });
    expect(sent).toHaveLength(1);
    expect(await attemptRows(deliveryId)).toEqual([
      { deliveryId, attempt: 1, attemptedAt: iso(T), statusCode: 500, error: "The endpoint answered 500 Internal Server Error; only a 2xx answer is success.", durationMs: expect.any(Number) },
      { deliveryId, attempt: 2, attemptedAt: iso(T + 30 * SECOND), statusCode: 200, error: null, durationMs: expect.any(Number) },
    ]);
    const endpointAfter = await endpointRow(endpoint.id);
    expect(endpointAfter).toMatchObject({ failingSince: null, status: "enabled" });
  });

  it("any 2xx is success, any other status a failure", async () => {
    at(T);
    const co = await createCompany();
    for (const [status, succeeded] of [[204, true], [299, true], [400, false], [410, false], [503, false]] as const) {
      receiver(() => new Response(null, { status }));
      const { deliveryId } = await pendingDelivery(co.companyId);
      await attempt(deliveryId, 1);
      expect(await deliveryRow(deliveryId)).toMatchObject({ status: succeeded ? "succeeded" : "pending", lastStatusCode: status });
    }
  });
});

describe("failures without a 2xx", () => {
  it("a receiver that does not answer in time: the attempt is abandoned at the timeout and retried", async () => {
    at(T);
    expect(WEBHOOK_TIMEOUT_MS).toBe(10_000);
    const co = await createCompany();
    // The 10 s timeout shortened to 50 ms, so that the test does not wait 10 s.
    const received = receiver(never, 50);
    const { deliveryId } = await pendingDelivery(co.companyId);
    const { queue, sent } = recordingQueue();
    await attempt(deliveryId, 1, queue);
    expect(received).toHaveLength(1);
    expect(await deliveryRow(deliveryId)).toMatchObject({
      status: "pending",
      attempts: 1,
      lastStatusCode: null,
      lastError: "No answer within 50 ms.",
      nextAttemptAt: iso(T + 30 * SECOND),
    });
    const [row] = await attemptRows(deliveryId);
    expect(row).toMatchObject({ statusCode: null, error: "No answer within 50 ms." });
    expect(row!.durationMs).toBeGreaterThanOrEqual(40);
    expect(sent).toEqual([{ body: { deliveryId, attempt: 2 }, delaySeconds: 30 }]);
  });

  it("a redirect is a failure and is not followed", async () => {
    at(T);
    const co = await createCompany();
    const received = receiver(() => new Response(null, { status: 302, headers: { Location: "http://169.254.169.254/latest/meta-data" } }));
    const { deliveryId } = await pendingDelivery(co.companyId);
    await attempt(deliveryId, 1);
    // One request, sent with redirect: "manual", so that fetch hands the 302 back instead of following it.
    expect(received.map((r) => [r.url, r.redirect])).toEqual([["https://receiver.example.com/hooks", "manual"]]);
    expect(await deliveryRow(deliveryId)).toMatchObject({
      status: "pending",
      lastStatusCode: 302,
      lastError:
        "The endpoint answered 302, a redirect to http://169.254.169.254/latest/meta-data: redirects are not followed, so give the endpoint its final URL.",
    });
  });

  it("a connection that fails is a failure with its reason", async () => {
    at(T);
    const co = await createCompany();
    receiver(() => Promise.reject(new TypeError("Network connection lost.")));
    const { deliveryId } = await pendingDelivery(co.companyId);
    await attempt(deliveryId, 1);
    expect(await deliveryRow(deliveryId)).toMatchObject({
      status: "pending",
      lastStatusCode: null,
      lastError: "The request failed: Network connection lost.",
    });
  });

  it("an error longer than 500 characters is cut to 500", async () => {
    at(T);
    const co = await createCompany();
    receiver(() => Promise.reject(new Error("x".repeat(2000))));
    const { deliveryId } = await pendingDelivery(co.companyId);
    await attempt(deliveryId, 1);
    const row = await deliveryRow(deliveryId);
    expect(row!.lastError!.length).toBe(500);
    expect(row!.lastError!.startsWith("The request failed: xxx")).toBe(true);
    expect((await attemptRows(deliveryId))[0]!.error).toBe(row!.lastError);
  });

  it("a URL the key mode refuses is not called, and counts as a failed attempt", async () => {
    at(T);
    const co = await createCompany();
    const received = receiver();
    // Private addresses are refused in both modes; loopback ones only for live keys.
    const privateUrl = await pendingDelivery(co.companyId, { url: "http://10.1.2.3/hook" });
    await attempt(privateUrl.deliveryId, 1);
    const loopback = await pendingDelivery(co.companyId, { url: "http://127.0.0.1:8787/hook" });
    await attempt(loopback.deliveryId, 1, undefined, "live");
    expect(received).toEqual([]);
    expect(await deliveryRow(privateUrl.deliveryId)).toMatchObject({
      status: "pending",
      attempts: 1,
      lastStatusCode: null,
      lastError: expect.stringMatching(/^Not sent: the URL must not point to a private address/),
    });
    expect((await deliveryRow(loopback.deliveryId))!.lastError).toMatch(/^Not sent: the URL must (use https|not point to a loopback address)/);
    // With a test key, the loopback receiver of local development is called.
    const local = await pendingDelivery(co.companyId, { url: "http://127.0.0.1:8787/hook" });
    await attempt(local.deliveryId, 1);
    expect(received.map((r) => r.url)).toEqual(["http://127.0.0.1:8787/hook"]);
  });
});

describe("3 days of failures", () => {
  it("the delivery is attempted 12 times by the schedule, then failed; the endpoint that only failed is disabled", async () => {
    at(T);
    const co = await createCompany();
    const received = receiver(() => new Response("down", { status: 503 }));
    const { deliveryId, endpoint } = await pendingDelivery(co.companyId);
    const { queue, sent } = recordingQueue();

    let now = T;
    for (let n = 1; n <= MAX_ATTEMPTS; n++) {
      at(now);
      await attempt(deliveryId, n, queue);
      const row = (await deliveryRow(deliveryId))!;
      expect(row.attempts).toBe(n);
      if (n < MAX_ATTEMPTS) {
        expect(row.status).toBe("pending");
        expect(Date.parse(row.nextAttemptAt!) - now).toBe(delayAfterAttempt(n)! * SECOND);
        // Still enabled until it has failed for 3 days.
        expect((await endpointRow(endpoint.id))!.status).toBe("enabled");
        now = Date.parse(row.nextAttemptAt!);
      }
    }
    expect(now - T).toBe(72 * HOUR);
    expect(received).toHaveLength(MAX_ATTEMPTS);
    expect(sent.map((m) => [m.body.attempt, m.delaySeconds])).toEqual(
      Array.from({ length: MAX_ATTEMPTS - 1 }, (_, i) => [i + 2, delayAfterAttempt(i + 1)]),
    );
    expect(await deliveryRow(deliveryId)).toMatchObject({
      status: "failed",
      attempts: MAX_ATTEMPTS,
      nextAttemptAt: null,
      lastAttemptAt: iso(T + 72 * HOUR),
      lastStatusCode: 503,
      updatedAt: iso(T + 72 * HOUR),
    });
    expect(await attemptRows(deliveryId)).toHaveLength(MAX_ATTEMPTS);
    expect(await endpointRow(endpoint.id)).toMatchObject({
      status: "disabled",
      disabledReason: `Disabled automatically: every delivery to this endpoint has failed for 3 days (since ${iso(T)}). Fix the receiver, then set status to enabled.`,
      failingSince: iso(T),
      updatedAt: iso(T + 72 * HOUR),
    });

    // A disabled endpoint gets nothing more: its other pending delivery is failed, not sent.
    const second = await pendingDelivery(co.companyId);
    await db().update(webhookEndpoints).set({ status: "disabled" }).where(eq(webhookEndpoints.id, second.endpoint.id));
    await attempt(second.deliveryId, 1, queue);
    expect(received).toHaveLength(MAX_ATTEMPTS);
    expect(await deliveryRow(second.deliveryId)).toMatchObject({
      status: "failed",
      attempts: 0,
      lastError: "Not sent: the endpoint is disabled.",
      nextAttemptAt: null,
    });
  });

  it("an endpoint with a success in between is not disabled: failing starts again after it", async () => {
    at(T);
    const co = await createCompany();
    const endpoint = await insertEndpoint(co.companyId);
    const failing = await insertEvent(co.companyId, "item.updated");
    const passing = await insertEvent(co.companyId, "item.deleted");
    await dispatchEvents(db(), { companyId: co.companyId });
    const [first] = await deliveriesOf(failing.id);
    const [second] = await deliveriesOf(passing.id);

    receiver(() => new Response(null, { status: 500 }));
    await attempt(first!.id, 1);
    expect((await endpointRow(endpoint.id))!.failingSince).toBe(iso(T));
    at(T + 48 * HOUR);
    receiver();
    await attempt(second!.id, 1);
    expect((await endpointRow(endpoint.id))!.failingSince).toBeNull();
    at(T + 72 * HOUR);
    receiver(() => new Response(null, { status: 500 }));
    await attempt(first!.id, 2);
    expect(await endpointRow(endpoint.id)).toMatchObject({ status: "enabled", failingSince: iso(T + 72 * HOUR), disabledReason: null });
  });
});

describe("duplicates and stale messages", () => {
  it("two messages for the same attempt, at once: sent once", async () => {
    at(T);
    const co = await createCompany();
    const received = receiver();
    const { deliveryId } = await pendingDelivery(co.companyId);
    await Promise.all([attempt(deliveryId, 1), attempt(deliveryId, 1), attempt(deliveryId, 1)]);
    expect(received).toHaveLength(1);
    expect(await deliveryRow(deliveryId)).toMatchObject({ status: "succeeded", attempts: 1 });
    // Later copies, and a message for an attempt it no longer waits for, do nothing either.
    await attempt(deliveryId, 1);
    await attempt(deliveryId, 2);
    expect(received).toHaveLength(1);
    expect(await attemptRows(deliveryId)).toHaveLength(1);
  });

  it("through the queue handler: every message is acknowledged, the duplicate without a send", async () => {
    at(T);
    const co = await createCompany();
    const received = receiver();
    const { deliveryId } = await pendingDelivery(co.companyId);
    const result = await consume([
      { deliveryId, attempt: 1 },
      { deliveryId, attempt: 1 },
    ]);
    expect(result.explicitAcks).toHaveLength(2);
    expect(result.retryMessages).toEqual([]);
    expect(received).toHaveLength(1);
  });

  it("a claimed attempt holds the delivery for a lease, so that the sweep does not send it meanwhile", async () => {
    at(T);
    const co = await createCompany();
    let called!: () => void;
    const inFlight = new Promise<void>((resolve) => (called = resolve));
    receiver((request) => {
      called();
      return never(request);
    }, 100);
    const { deliveryId } = await pendingDelivery(co.companyId);
    const { queue } = recordingQueue();
    const running = attempt(deliveryId, 1, queue);
    // While the request is in flight, the delivery is due only after the lease.
    await inFlight;
    expect((await deliveryRow(deliveryId))!.nextAttemptAt).toBe(iso(T + ATTEMPT_LEASE_MS));
    await running;
  });
});

describe("a batch of messages", () => {
  it("is claimed, sent and recorded together: each delivery as if alone, a duplicate and a stale message without a send", async () => {
    at(T);
    const co = await createCompany();
    const received = receiver((request) => new Response(null, { status: new URL(request.url).pathname === "/fails" ? 503 : 200 }));
    const ok = await pendingDelivery(co.companyId, { url: "https://receiver.example.com/ok" });
    const failing = await pendingDelivery(co.companyId, { url: "https://receiver.example.com/fails" });
    const deleted = await pendingDelivery(co.companyId, { url: "https://receiver.example.com/gone" });
    await db().delete(webhookEndpoints).where(eq(webhookEndpoints.id, deleted.endpoint.id));
    const { queue, sent } = recordingQueue();

    const done = await attemptDeliveries(db(), queue, "test", [
      { deliveryId: ok.deliveryId, attempt: 1 },
      { deliveryId: failing.deliveryId, attempt: 1 },
      { deliveryId: ok.deliveryId, attempt: 1 },
      { deliveryId: deleted.deliveryId, attempt: 1 },
      { deliveryId: failing.deliveryId, attempt: 4 },
    ]);

    expect(done).toEqual([true, true, true, true, true]);
    expect(received.map((r) => r.url).sort()).toEqual(["https://receiver.example.com/fails", "https://receiver.example.com/ok"]);
    expect(await deliveryRow(ok.deliveryId)).toMatchObject({ status: "succeeded", attempts: 1, lastStatusCode: 200, nextAttemptAt: null });
    expect(await deliveryRow(failing.deliveryId)).toMatchObject({
      status: "pending",
      attempts: 1,
      lastStatusCode: 503,
      nextAttemptAt: iso(T + 30 * SECOND),
    });
    expect(await deliveryRow(deleted.deliveryId)).toBeUndefined();
    expect(await attemptRows(ok.deliveryId)).toEqual([
      { deliveryId: ok.deliveryId, attempt: 1, attemptedAt: iso(T), statusCode: 200, error: null, durationMs: expect.any(Number) },
    ]);
    expect(await attemptRows(failing.deliveryId)).toEqual([
      {
        deliveryId: failing.deliveryId,
        attempt: 1,
        attemptedAt: iso(T),
        statusCode: 503,
        error: "The endpoint answered 503 Service Unavailable; only a 2xx answer is success.",
        durationMs: expect.any(Number),
      },
    ]);
    expect((await endpointRow(failing.endpoint.id))!.failingSince).toBe(iso(T));
    expect((await endpointRow(ok.endpoint.id))!.failingSince).toBeNull();
    // Only the failed attempt has a next one, delayed by the schedule.
    expect(sent).toEqual([{ body: { deliveryId: failing.deliveryId, attempt: 2 }, delaySeconds: 30 }]);
  });

  it("a message whose settling throws is retried alone; the others of its batch are recorded and acknowledged", async () => {
    at(T);
    const co = await createCompany();
    const received = receiver();
    const good = await pendingDelivery(co.companyId);
    const orphan = await pendingDelivery(co.companyId);
    await db().delete(webhookEndpoints).where(eq(webhookEndpoints.id, orphan.endpoint.id));
    // The orphan is to be dropped; D1 refuses that (a trigger of the test's own), so its settling throws.
    await env.DB.prepare(
      `CREATE TRIGGER test_refuse_drop BEFORE DELETE ON webhook_deliveries WHEN old.id = '${orphan.deliveryId}' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`,
    ).run();
    try {
      const result = await consume([
        { deliveryId: orphan.deliveryId, attempt: 1 },
        { deliveryId: good.deliveryId, attempt: 1 },
      ]);
      expect(result.retryMessages).toHaveLength(1);
      expect(result.explicitAcks).toHaveLength(1);
      expect(received).toHaveLength(1);
      expect(await deliveryRow(good.deliveryId)).toMatchObject({ status: "succeeded", attempts: 1 });
      expect(await attemptRows(good.deliveryId)).toHaveLength(1);
      expect(await deliveryRow(orphan.deliveryId)).toMatchObject({ status: "pending", attempts: 0 });
    } finally {
      await env.DB.prepare("DROP TRIGGER test_refuse_drop").run();
    }
    // Its retry drops it.
    expect((await consume([{ deliveryId: orphan.deliveryId, attempt: 1 }])).explicitAcks).toHaveLength(1);
    expect(await deliveryRow(orphan.deliveryId)).toBeUndefined();
  });
});

describe("deliveries that can no longer be sent", () => {
  it("the endpoint was deleted: its pending delivery is dropped, not sent", async () => {
    at(T);
    const co = await createCompany();
    const received = receiver();
    const { deliveryId, endpoint } = await pendingDelivery(co.companyId);
    await db().delete(webhookEndpoints).where(eq(webhookEndpoints.id, endpoint.id));
    const result = await consume([{ deliveryId, attempt: 1 }]);
    expect(result.explicitAcks).toHaveLength(1);
    expect(received).toEqual([]);
    expect(await deliveryRow(deliveryId)).toBeUndefined();
  });

  it("the endpoint was deleted through the API: its pending deliveries go with it, and their messages send nothing", async () => {
    at(T);
    const co = await createCompany();
    const received = receiver();
    const { deliveryId, endpoint } = await pendingDelivery(co.companyId);
    expect((await client(co.apiKey).delete(`/v1/webhook_endpoints/${endpoint.id}`)).status).toBe(204);
    expect(await deliveryRow(deliveryId)).toBeUndefined();
    const result = await consume([{ deliveryId, attempt: 1 }]);
    expect(result.explicitAcks).toHaveLength(1);
    expect(received).toEqual([]);
  });

  it("the event is no longer kept: failed, not sent", async () => {
    at(T);
    const co = await createCompany();
    const received = receiver();
    const { deliveryId, event } = await pendingDelivery(co.companyId);
    await env.DB.prepare("DELETE FROM events WHERE id = ?").bind(event.id).run();
    await attempt(deliveryId, 1);
    expect(received).toEqual([]);
    expect(await deliveryRow(deliveryId)).toMatchObject({
      status: "failed",
      lastError: "Not sent: the event is no longer kept (events are kept 30 days).",
    });
  });
});

describe("processing that fails", () => {
  it("an attempt that cannot be prepared is a failed attempt: recorded, acknowledged, tried again by the schedule, failed after the last", async () => {
    at(T);
    const co = await createCompany();
    const received = receiver();
    const { deliveryId, event } = await pendingDelivery(co.companyId);
    // An event whose object cannot be made (no converter for its kind): every attempt fails to prepare.
    await env.DB.prepare("UPDATE events SET object_type = 'unknown' WHERE id = ?").bind(event.id).run();
    const unprepared = "Not sent: the event could not be prepared for sending (an error on our side, logged); tried again by the schedule.";
    const { queue, sent } = recordingQueue();

    await attempt(deliveryId, 1, queue);
    expect(received).toEqual([]);
    expect(await deliveryRow(deliveryId)).toMatchObject({ status: "pending", attempts: 1, lastStatusCode: null, lastError: unprepared, nextAttemptAt: iso(T + 30 * SECOND) });
    expect(await attemptRows(deliveryId)).toEqual([{ deliveryId, attempt: 1, attemptedAt: iso(T), statusCode: null, error: unprepared, durationMs: 0 }]);
    expect(sent).toEqual([{ body: { deliveryId, attempt: 2 }, delaySeconds: 30 }]);

    // Through the queue handler, the message is acknowledged, not retried.
    at(T + 30 * SECOND);
    const result = await consume([{ deliveryId, attempt: 2 }]);
    expect(result.explicitAcks).toHaveLength(1);
    expect(result.retryMessages).toEqual([]);

    // The last attempt ends it.
    await env.DB.prepare("UPDATE webhook_deliveries SET attempts = ? WHERE id = ?").bind(MAX_ATTEMPTS - 1, deliveryId).run();
    await attempt(deliveryId, MAX_ATTEMPTS);
    expect(await deliveryRow(deliveryId)).toMatchObject({ status: "failed", attempts: MAX_ATTEMPTS, nextAttemptAt: null, lastError: unprepared });
    expect(received).toEqual([]);
  });

  it("a message that reached the dead-letter queue marks its delivery failed", async () => {
    at(T);
    const co = await createCompany();
    const { deliveryId } = await pendingDelivery(co.companyId);
    const dead = await consumeDeadLetters([{ deliveryId, attempt: 1 }]);
    expect(dead.explicitAcks).toHaveLength(1);
    expect(await deliveryRow(deliveryId)).toMatchObject({
      status: "failed",
      nextAttemptAt: null,
      lastError:
        "Attempt 1 could not be processed (its queue message was retried until it reached the dead-letter queue); retry the delivery to try again.",
    });
  });

  it("a dead letter leaves a delivery that has finished meanwhile as it is", async () => {
    at(T);
    const co = await createCompany();
    receiver();
    const { deliveryId } = await pendingDelivery(co.companyId);
    await attempt(deliveryId, 1);
    await consumeDeadLetters([{ deliveryId, attempt: 1 }]);
    expect(await deliveryRow(deliveryId)).toMatchObject({ status: "succeeded", lastError: null });
  });
});
