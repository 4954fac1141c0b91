import { createExecutionContext, createScheduledController, env, listDurableObjectIds, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import worker from "../../src/index.ts";
import { claimAttempts } from "../../src/db/webhook-deliveries.ts";
import { setClock } from "../../src/lib/clock.ts";
import { dispatchAndEnqueue } from "../../src/webhooks/dispatch.ts";
import { createCompany } from "../helpers/factories.ts";
import {
  attemptRows,
  db,
  deliveriesOf,
  deliveryRow,
  eventRow,
  insertEndpoint,
  insertEvent,
  receiver,
  recordingQueue,
  stopReceiver,
  waitForStatus,
} from "../helpers/webhooks.ts";

// The outbox's promise (API.md §14): an event whose enqueue failed after its commit is still sent
// within 5 minutes. The every-minute sweep dispatches what the request path left and enqueues again
// what is overdue; the real local queue then carries it to the consumer. On an injected clock, each
// test later than the one before (storage is shared by the tests of this file).

const SECOND = 1000;
const MINUTE = 60 * SECOND;
let T = Date.parse("2033-02-01T10:00:00.000Z");
const iso = (ms: number) => new Date(ms).toISOString();

beforeEach(() => {
  T += 24 * 60 * MINUTE;
});

afterEach(() => {
  stopReceiver();
  setClock(null);
});

const at = (ms: number) => setClock(() => ms);

/** Fires the every-minute Cron Trigger at the injected time and waits for the sweep to finish. */
async function sweepAt(ms: number): Promise<void> {
  at(ms);
  const ctx = createExecutionContext();
  await worker.scheduled!(createScheduledController({ scheduledTime: ms, cron: "* * * * *" }), env, ctx);
  await waitOnExecutionContext(ctx);
}

describe("an enqueue that failed after the commit", () => {
  it("leaves the delivery due; the sweep enqueues it once a minute overdue, and it is sent within 5 minutes", async () => {
    at(T);
    const co = await createCompany();
    const endpoint = await insertEndpoint(co.companyId);
    const received = receiver();
    const event = await insertEvent(co.companyId, "item.low_stock");

    const failing = recordingQueue({ fail: true });
    expect(await dispatchAndEnqueue(db(), failing.queue, { companyId: co.companyId }, 5)).toEqual({
      deliveries: 1,
      enqueued: 0,
      dispatched: 1,
    });
    const [delivery] = await deliveriesOf(event.id);
    expect(delivery).toMatchObject({ endpointId: endpoint.id, status: "pending", attempts: 0, nextAttemptAt: iso(T) });

    // Not overdue yet at the next two minutes' sweeps: its message may still be on its way.
    await sweepAt(T + MINUTE - SECOND);
    await sweepAt(T + MINUTE);
    expect(await deliveryRow(delivery!.id)).toMatchObject({ attempts: 0, nextAttemptAt: iso(T) });

    await sweepAt(T + 2 * MINUTE);
    await waitForStatus(delivery!.id, "succeeded");
    expect(received.map((r) => r.headers["webhook-id"])).toEqual([event.id]);
    const sent = await deliveryRow(delivery!.id);
    expect(sent).toMatchObject({ attempts: 1, lastAttemptAt: iso(T + 2 * MINUTE), lastStatusCode: 200 });
    expect(Date.parse(sent!.lastAttemptAt!) - Date.parse(event.createdAt)).toBeLessThanOrEqual(5 * MINUTE);
  });

  it("a dispatch that never ran (the request's waitUntil died): the sweep dispatches the event once it is 10 s old", async () => {
    at(T);
    const co = await createCompany();
    await insertEndpoint(co.companyId);
    const received = receiver();
    const event = await insertEvent(co.companyId, "order.received");

    await sweepAt(T + 5 * SECOND);
    expect((await eventRow(event.id))!.dispatchedAt).toBeNull();
    expect(await deliveriesOf(event.id)).toEqual([]);

    await sweepAt(T + MINUTE);
    expect((await eventRow(event.id))!.dispatchedAt).toBe(iso(T + MINUTE));
    const [delivery] = await deliveriesOf(event.id);
    await waitForStatus(delivery!.id, "succeeded");
    expect(received.map((r) => r.headers["webhook-id"])).toEqual([event.id]);
  });

  it("an attempt whose consumer died after claiming it is sent again once its lease is a minute overdue", async () => {
    at(T);
    const co = await createCompany();
    await insertEndpoint(co.companyId);
    const received = receiver();
    const event = await insertEvent(co.companyId, "item.updated");
    await dispatchAndEnqueue(db(), recordingQueue().queue, { companyId: co.companyId }, 1);
    const [delivery] = await deliveriesOf(event.id);
    // Claimed, then nothing: the consumer's isolate died before sending.
    expect((await claimAttempts(db(), [{ deliveryId: delivery!.id, attempt: 1 }]))[0]!.outcome).toBe("claimed");

    await sweepAt(T + MINUTE);
    expect(await deliveryRow(delivery!.id)).toMatchObject({ attempts: 1, status: "pending" });
    await sweepAt(T + 2 * MINUTE);
    await waitForStatus(delivery!.id, "succeeded");
    expect(received).toHaveLength(1);
    // Attempt 2 is the one that was made; the lost attempt 1 is counted, and has no history row.
    expect(await deliveryRow(delivery!.id)).toMatchObject({ attempts: 2, lastStatusCode: 200 });
    expect((await attemptRows(delivery!.id)).map((a) => a.attempt)).toEqual([2]);
  });
});

describe("the sweep", () => {
  it("marks dispatched the events of companies without endpoints, making nothing", async () => {
    at(T);
    const co = await createCompany();
    const events = [await insertEvent(co.companyId, "item.created"), await insertEvent(co.companyId, "transaction.created")];
    await sweepAt(T + MINUTE);
    for (const event of events) {
      expect((await eventRow(event.id))!.dispatchedAt).toBe(iso(T + MINUTE));
      expect(await deliveriesOf(event.id)).toEqual([]);
    }
  });

  it("is what the every-minute cron runs; the daily job is not started by it", async () => {
    const before = (await listDurableObjectIds(env.DAILY_JOB)).length;
    at(T);
    const co = await createCompany();
    const event = await insertEvent(co.companyId, "item.created");
    await sweepAt(T + MINUTE);
    expect((await eventRow(event.id))!.dispatchedAt).not.toBeNull();
    expect(await listDurableObjectIds(env.DAILY_JOB)).toHaveLength(before);
  });
});

describe("the sweep at scale", () => {
  it("marks thousands of events of companies without endpoints in a few statements, and still dispatches the others'", async () => {
    at(T);
    const quiet = await createCompany();
    const busy = await createCompany();
    await insertEndpoint(busy.companyId);
    const received = receiver();
    await env.DB.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 7000)
       INSERT INTO events (id, company_id, sequence, type, object_type, object, created_at)
       SELECT 'event_quiet' || ? || i, ?, i, 'transaction.created', 'import', '{}', ? FROM n`,
    )
      .bind(quiet.companyId, quiet.companyId, iso(T - MINUTE))
      .run();
    const event = await insertEvent(busy.companyId, "item.low_stock", { createdAt: iso(T - MINUTE) });

    await sweepAt(T);
    expect(
      (await env.DB.prepare("SELECT count(*) AS n FROM events WHERE company_id = ? AND dispatched_at IS NULL").bind(quiet.companyId).first<number>("n")),
    ).toBe(0);
    const [delivery] = await deliveriesOf(event.id);
    await waitForStatus(delivery!.id, "succeeded");
    expect(received.map((r) => r.headers["webhook-id"])).toEqual([event.id]);
  });
});
