import { env } from "cloudflare:test";
import type { SQL } from "drizzle-orm";
import { SQLiteAsyncDialect } from "drizzle-orm/sqlite-core";
import { afterEach, describe, expect, it } from "vitest";
import { dispatchEvents, dispatchStatements, DELIVERIES_PER_DISPATCH } from "../../src/db/webhook-deliveries.ts";
import { EVENT_TYPES, matchesEventPattern } from "../../src/domain/events.ts";
import { setClock } from "../../src/lib/clock.ts";
import { dispatchAndEnqueue } from "../../src/webhooks/dispatch.ts";
import { createCompany } from "../helpers/factories.ts";
import { db, deliveriesOf, eventRow, insertEndpoint, insertEvent, recordingQueue } from "../helpers/webhooks.ts";

// The outbox's dispatch: one pending delivery per event and subscribed endpoint, made set-based in
// SQL, the event then marked dispatched; the patterns matched in SQL as matchesEventPattern does.

const T = Date.parse("2031-03-01T12:00:00.000Z");
const iso = (ms: number) => new Date(ms).toISOString();

afterEach(() => setClock(null));

const PREFIXES = [...new Set(EVENT_TYPES.map((type) => `${type.slice(0, type.indexOf("."))}.*`))];

describe("which endpoints get an event", () => {
  it("matches '*', a resource's prefix and an exact type in SQL exactly as matchesEventPattern does", async () => {
    setClock(() => T);
    const co = await createCompany();
    const patterns = ["*", ...PREFIXES, ...EVENT_TYPES];
    const endpoints: { pattern: string[]; row: Awaited<ReturnType<typeof insertEndpoint>> }[] = [];
    for (const pattern of patterns) endpoints.push({ pattern: [pattern], row: await insertEndpoint(co.companyId, { events: [pattern] }) });
    const several = ["item.low_stock", "order.*", "snapshot_restore.failed"];
    endpoints.push({ pattern: several, row: await insertEndpoint(co.companyId, { events: several }) });
    const events: Awaited<ReturnType<typeof insertEvent>>[] = [];
    for (const type of EVENT_TYPES) events.push(await insertEvent(co.companyId, type));

    // More pairs than one dispatch makes: the caller's loop finishes the rest.
    const { queue, sent } = recordingQueue();
    const totals = await dispatchAndEnqueue(db(), queue, { companyId: co.companyId }, 10);

    const expected = endpoints.flatMap(({ pattern, row }) =>
      events.filter((e) => pattern.some((p) => matchesEventPattern(p, e.type))).map((e) => `${row.id} ${e.type}`),
    );
    const made = (await Promise.all(events.map((e) => deliveriesOf(e.id)))).flat();
    const typeOf = new Map(events.map((e) => [e.id, e.type]));
    expect(made.map((d) => `${d.endpointId} ${typeOf.get(d.eventId)}`).sort()).toEqual(expected.sort());
    // Each of the 20 types: '*', its prefix and itself; plus the endpoint with several patterns.
    expect(expected.length).toBe(EVENT_TYPES.length * 3 + 1 + 6 + 1);
    expect(totals).toEqual({ deliveries: expected.length, enqueued: expected.length, dispatched: EVENT_TYPES.length });
    // Every delivery's first attempt went to the queue, once.
    expect(sent.map((m) => m.body).sort((a, b) => a.deliveryId.localeCompare(b.deliveryId))).toEqual(
      made.map((d) => ({ deliveryId: d.id, attempt: 1 })).sort((a, b) => a.deliveryId.localeCompare(b.deliveryId)),
    );
    // A prefix is a resource's types, nothing more: 'snapshot.*' is not 'snapshot_restore.*'.
    const snapshotPrefix = endpoints.find((e) => e.pattern[0] === "snapshot.*")!.row.id;
    expect(made.filter((d) => d.endpointId === snapshotPrefix).map((d) => typeOf.get(d.eventId)).sort()).toEqual([
      "snapshot.completed",
      "snapshot.failed",
    ]);
    for (const delivery of made) {
      expect(delivery).toMatchObject({ companyId: co.companyId, status: "pending", attempts: 0, nextAttemptAt: iso(T), createdAt: iso(T) });
      expect(delivery.id).toMatch(/^wd_[0-9A-Za-z]{24}$/);
    }
    for (const e of events) expect((await eventRow(e.id))!.dispatchedAt).toBe(iso(T));
  });

  it("gives none to disabled endpoints, to another company's, or to an endpoint made after the event; the event is still marked", async () => {
    setClock(() => T);
    const co = await createCompany();
    const other = await createCompany();
    await insertEndpoint(co.companyId, { status: "disabled" });
    await insertEndpoint(co.companyId, { events: ["order.*"] });
    const foreign = await insertEndpoint(other.companyId);
    const event = await insertEvent(co.companyId, "item.updated", { createdAt: iso(T - 1000) });
    await insertEndpoint(co.companyId, { createdAt: iso(T) });

    const result = await dispatchEvents(db(), { companyId: co.companyId });
    expect(result).toEqual({ deliveryIds: [], dispatched: 1, more: false });
    expect(await deliveriesOf(event.id)).toEqual([]);
    expect((await eventRow(event.id))!.dispatchedAt).toBe(iso(T));
    // The other company's dispatch does not take this company's events either.
    const otherEvent = await insertEvent(other.companyId, "item.updated", { createdAt: iso(T) });
    const otherResult = await dispatchEvents(db(), { companyId: other.companyId });
    expect(otherResult.dispatched).toBe(1);
    expect((await deliveriesOf(otherEvent.id)).map((d) => d.endpointId)).toEqual([foreign.id]);
  });

  it("leaves dispatched events alone: a second dispatch makes nothing", async () => {
    setClock(() => T);
    const co = await createCompany();
    await insertEndpoint(co.companyId);
    const event = await insertEvent(co.companyId, "item.created");
    expect((await dispatchEvents(db(), { companyId: co.companyId })).deliveryIds).toHaveLength(1);
    expect(await dispatchEvents(db(), { companyId: co.companyId })).toEqual({ deliveryIds: [], dispatched: 0, more: false });
    expect(await deliveriesOf(event.id)).toHaveLength(1);
  });

  it("olderThan leaves the newest events for later", async () => {
    setClock(() => T);
    const co = await createCompany();
    await insertEndpoint(co.companyId);
    const old = await insertEvent(co.companyId, "item.created", { createdAt: iso(T - 20_000) });
    const fresh = await insertEvent(co.companyId, "item.created", { createdAt: iso(T - 5_000) });
    const result = await dispatchEvents(db(), { companyId: co.companyId, olderThan: iso(T - 10_000) });
    expect(result.dispatched).toBe(1);
    expect(await deliveriesOf(old.id)).toHaveLength(1);
    expect(await deliveriesOf(fresh.id)).toEqual([]);
    expect((await eventRow(fresh.id))!.dispatchedAt).toBeNull();
  });
});

describe("bounds", () => {
  it(`makes at most ${DELIVERIES_PER_DISPATCH} deliveries a call, marks only the events it finished, and says there is more`, async () => {
    setClock(() => T);
    const co = await createCompany();
    await insertEndpoint(co.companyId);
    const events: Awaited<ReturnType<typeof insertEvent>>[] = [];
    for (let i = 0; i < 150; i++) events.push(await insertEvent(co.companyId, "transaction.created", { createdAt: iso(T - 150_000 + i * 1000) }));

    const first = await dispatchEvents(db(), { companyId: co.companyId });
    expect(first).toMatchObject({ dispatched: 100, more: true });
    expect(first.deliveryIds).toHaveLength(100);
    // The oldest first.
    expect((await eventRow(events[99]!.id))!.dispatchedAt).toBe(iso(T));
    expect((await eventRow(events[100]!.id))!.dispatchedAt).toBeNull();

    const second = await dispatchEvents(db(), { companyId: co.companyId });
    expect(second).toMatchObject({ dispatched: 50, more: false });
    expect(second.deliveryIds).toHaveLength(50);
    for (const e of events) expect(await deliveriesOf(e.id)).toHaveLength(1);
  });

  it("an event with more endpoints than one call makes is finished by the next call, and only then marked", async () => {
    setClock(() => T);
    const co = await createCompany();
    for (let i = 0; i < 3; i++) await insertEndpoint(co.companyId);
    const events: Awaited<ReturnType<typeof insertEvent>>[] = [];
    for (let i = 0; i < 34; i++) events.push(await insertEvent(co.companyId, "item.updated", { createdAt: iso(T - 100_000 + i * 1000) }));
    // 102 pairs: the first call makes 100, finishing 33 events; the 34th has one of its three.
    const first = await dispatchEvents(db(), { companyId: co.companyId });
    expect(first).toMatchObject({ dispatched: 33, more: true });
    expect(await deliveriesOf(events[33]!.id)).toHaveLength(1);
    expect((await eventRow(events[33]!.id))!.dispatchedAt).toBeNull();
    const second = await dispatchEvents(db(), { companyId: co.companyId });
    expect(second).toMatchObject({ dispatched: 1, more: false });
    expect(second.deliveryIds).toHaveLength(2);
    expect(await deliveriesOf(events[33]!.id)).toHaveLength(3);
  });
});

describe("concurrent dispatches", () => {
  it("make exactly one delivery per event and endpoint, and each is handed out (to be enqueued) once", async () => {
    setClock(() => T);
    const co = await createCompany();
    for (let i = 0; i < 3; i++) await insertEndpoint(co.companyId);
    const events: Awaited<ReturnType<typeof insertEvent>>[] = [];
    for (let i = 0; i < 10; i++) events.push(await insertEvent(co.companyId, "item.updated"));

    // Each with a database client (a D1 Session) of its own, as concurrent requests have; with and
    // without the company scope, as the request path and the sweep run.
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => dispatchEvents(db(), i % 2 ? { companyId: co.companyId } : {})),
    );

    const handedOut = results.flatMap((r) => r.deliveryIds);
    const made = (await Promise.all(events.map((e) => deliveriesOf(e.id)))).flat();
    expect(made).toHaveLength(30);
    expect(new Set(made.map((d) => `${d.eventId} ${d.endpointId}`)).size).toBe(30);
    // Handed out once each (the unscoped ones may also take other tests' leftover events).
    expect(new Set(handedOut).size).toBe(handedOut.length);
    const mine = new Set(made.map((d) => d.id));
    expect(handedOut.filter((id) => mine.has(id)).sort()).toEqual([...mine].sort());
  });
});

describe("EXPLAIN QUERY PLAN of a dispatch step", () => {
  async function plan(statement: SQL): Promise<string[]> {
    const query = new SQLiteAsyncDialect().sqlToQuery(statement);
    const result = await env.DB.prepare(`EXPLAIN QUERY PLAN ${query.sql}`)
      .bind(...query.params)
      .all<{ detail: string }>();
    return result.results.map((row) => row.detail);
  }

  it.each([
    ["the request path (one company)", { companyId: "co_x" }],
    ["the sweep (every company, older than a moment)", { olderThan: iso(T) }],
  ])("%s reads the undispatched events from their partial index and never walks events or deliveries", async (_, options) => {
    for (const statement of dispatchStatements(options, iso(T))) {
      const details = await plan(statement);
      expect(details.some((d) => d.includes("events_undispatched")), details.join("\n")).toBe(true);
      expect(details.filter((d) => /^SCAN (events|webhook_deliveries|d)\b(?! USING)/.test(d)), details.join("\n")).toEqual([]);
      // A delivery is looked up by its (event, endpoint) index.
      expect(details.some((d) => d.includes("webhook_deliveries_event_endpoint")), details.join("\n")).toBe(true);
    }
  });
});
