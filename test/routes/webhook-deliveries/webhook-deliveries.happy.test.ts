import { eq } from "drizzle-orm";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { webhookDeliveries, webhookEndpoints } from "../../../src/db/schema.ts";
import { dispatchEvents } from "../../../src/db/webhook-deliveries.ts";
import { setClock } from "../../../src/lib/clock.ts";
import { attemptDelivery } from "../../../src/webhooks/consumer.ts";
import { createCompany, type TestCompany } from "../../helpers/factories.ts";
import { client, expectApiError } from "../../helpers/http.ts";
import {
  attemptRows,
  db,
  deliveriesOf,
  deliveryRow,
  insertEndpoint,
  insertEvent,
  receiver,
  recordingQueue,
  stopReceiver,
  waitForStatus,
} from "../../helpers/webhooks.ts";

// The Deliveries API (admin keys): the list with its filters and pages, one delivery with its
// attempts, and a retry that sends it again now (through the real local queue).

const T = Date.parse("2034-04-04T04:00:00.000Z");
const SECOND = 1000;
const iso = (ms: number) => new Date(ms).toISOString();
const at = (ms: number) => setClock(() => ms);

afterEach(() => {
  stopReceiver();
  setClock(null);
});

interface World {
  co: TestCompany;
  api: ReturnType<typeof client>;
  endpoints: { all: string; orders: string };
  events: { item: string; order: string; submitted: string };
  /** Deliveries by endpoint and event. */
  d: { allItem: string; allOrder: string; ordersOrder: string; allSubmitted: string; ordersSubmitted: string };
}

let world: World;

/** Three events a second apart to two endpoints: five deliveries, one succeeded, one failed once. */
beforeAll(async () => {
  at(T);
  const co = await createCompany();
  const all = await insertEndpoint(co.companyId, { events: ["*"] });
  const orders = await insertEndpoint(co.companyId, { events: ["order.*"] });
  const made: Record<string, string> = {};
  const types = { item: "item.created", order: "order.created", submitted: "order.submitted" } as const;
  for (const [i, [name, type]] of Object.entries(types).entries()) {
    at(T + (i + 1) * SECOND);
    made[name] = (await insertEvent(co.companyId, type)).id;
    await dispatchEvents(db(), { companyId: co.companyId });
  }
  const deliveryTo = async (endpointId: string, eventId: string) =>
    (await deliveriesOf(eventId)).find((d) => d.endpointId === endpointId)!.id;
  const d = {
    allItem: await deliveryTo(all.id, made.item!),
    allOrder: await deliveryTo(all.id, made.order!),
    ordersOrder: await deliveryTo(orders.id, made.order!),
    allSubmitted: await deliveryTo(all.id, made.submitted!),
    ordersSubmitted: await deliveryTo(orders.id, made.submitted!),
  };
  at(T + 10 * SECOND);
  receiver();
  await attemptDelivery(db(), recordingQueue().queue, "test", { deliveryId: d.allItem, attempt: 1 });
  receiver(() => new Response("no", { status: 500 }));
  await attemptDelivery(db(), recordingQueue().queue, "test", { deliveryId: d.allOrder, attempt: 1 });
  stopReceiver();
  world = {
    co,
    api: client(co.apiKey),
    endpoints: { all: all.id, orders: orders.id },
    events: { item: made.item!, order: made.order!, submitted: made.submitted! },
    d,
  };
});

const ids = (answer: { body: any }) => answer.body.data.map((d: { id: string }) => d.id);
/** Newest first: by created_at, then id, both descending. */
const newestFirst = (list: string[], createdAt: Record<string, number>) =>
  [...list].sort((a, b) => createdAt[b]! - createdAt[a]! || (a < b ? 1 : -1));

function createdAtOf(): Record<string, number> {
  const { d } = world;
  return {
    [d.allItem]: 1,
    [d.allOrder]: 2,
    [d.ordersOrder]: 2,
    [d.allSubmitted]: 3,
    [d.ordersSubmitted]: 3,
  };
}

describe("GET /v1/webhook_deliveries", () => {
  it("lists the company's deliveries newest first, each with its event's type and state", async () => {
    at(T + 20 * SECOND);
    const { api, d, endpoints, events } = world;
    const answer = await api.get("/v1/webhook_deliveries");
    expect(answer.status).toBe(200);
    expect(ids(answer)).toEqual(newestFirst(Object.values(d), createdAtOf()));
    expect(answer.body.pagination).toEqual({ total: 5, limit: 50, offset: 0, has_more: false });
    const byId = Object.fromEntries(answer.body.data.map((x: any) => [x.id, x]));
    expect(byId[d.allItem]).toEqual({
      id: d.allItem,
      endpoint_id: endpoints.all,
      event_id: events.item,
      event_type: "item.created",
      status: "succeeded",
      attempts: 1,
      next_attempt_at: null,
      last_attempt_at: iso(T + 10 * SECOND),
      last_status_code: 200,
      last_error: null,
      created_at: iso(T + SECOND),
      updated_at: iso(T + 10 * SECOND),
    });
    expect(byId[d.allOrder]).toEqual({
      id: d.allOrder,
      endpoint_id: endpoints.all,
      event_id: events.order,
      event_type: "order.created",
      status: "pending",
      attempts: 1,
      next_attempt_at: iso(T + 40 * SECOND),
      last_attempt_at: iso(T + 10 * SECOND),
      last_status_code: 500,
      last_error: "The endpoint answered 500 Internal Server Error; only a 2xx answer is success.",
      created_at: iso(T + 2 * SECOND),
      updated_at: iso(T + 10 * SECOND),
    });
    expect(byId[d.ordersSubmitted]).toMatchObject({ status: "pending", attempts: 0, next_attempt_at: iso(T + 3 * SECOND), last_attempt_at: null });
  });

  it("filters by endpoint_id, event_id and status, alone and together", async () => {
    const { api, d, endpoints, events } = world;
    const order = createdAtOf();
    const cases: [string, string[]][] = [
      [`endpoint_id=${endpoints.orders}`, [d.ordersOrder, d.ordersSubmitted]],
      [`event_id=${events.order}`, [d.allOrder, d.ordersOrder]],
      ["status=succeeded", [d.allItem]],
      ["status=pending", [d.allOrder, d.ordersOrder, d.allSubmitted, d.ordersSubmitted]],
      ["status=failed", []],
      [`endpoint_id=${endpoints.all}&status=pending`, [d.allOrder, d.allSubmitted]],
      [`endpoint_id=${endpoints.orders}&event_id=${events.item}`, []],
      ["endpoint_id=we_unknown", []],
    ];
    for (const [query, expected] of cases) {
      const answer = await api.get(`/v1/webhook_deliveries?${query}`);
      expect(answer.status, query).toBe(200);
      expect(ids(answer), query).toEqual(newestFirst(expected, order));
      expect(answer.body.pagination.total, query).toBe(expected.length);
    }
  });

  it("pages by offset and by cursors in both directions", async () => {
    const { api, d } = world;
    const all = newestFirst(Object.values(d), createdAtOf());
    const first = await api.get("/v1/webhook_deliveries?limit=2");
    expect(ids(first)).toEqual(all.slice(0, 2));
    expect(first.body.pagination).toEqual({ total: 5, limit: 2, offset: 0, has_more: true });
    const byOffset = await api.get("/v1/webhook_deliveries?limit=2&offset=4");
    expect(ids(byOffset)).toEqual(all.slice(4));
    expect(byOffset.body.pagination).toEqual({ total: 5, limit: 2, offset: 4, has_more: false });
    const after = await api.get(`/v1/webhook_deliveries?limit=2&starting_after=${all[1]}`);
    expect(ids(after)).toEqual(all.slice(2, 4));
    expect(after.body.pagination).toEqual({ total: 5, limit: 2, offset: null, has_more: true });
    const before = await api.get(`/v1/webhook_deliveries?limit=2&ending_before=${all[4]}`);
    expect(ids(before)).toEqual(all.slice(2, 4));
    expect(before.body.pagination).toEqual({ total: 5, limit: 2, offset: null, has_more: true });
    const last = await api.get(`/v1/webhook_deliveries?limit=2&starting_after=${all[3]}`);
    expect(ids(last)).toEqual(all.slice(4));
    expect(last.body.pagination.has_more).toBe(false);
    // A cursor is a delivery of this company whatever the filters.
    const filtered = await api.get(`/v1/webhook_deliveries?status=pending&starting_after=${d.allItem}`);
    expect(filtered.status).toBe(200);
    expect(ids(filtered)).toEqual([]);
  });

  it("refuses bad parameters with 400 naming them", async () => {
    const { api } = world;
    expectApiError(await api.get("/v1/webhook_deliveries?status=done"), 400, "invalid_request", "status");
    expectApiError(await api.get("/v1/webhook_deliveries?limit=0"), 400, "invalid_request", "limit");
    expectApiError(await api.get("/v1/webhook_deliveries?type=item.created"), 400, "invalid_request", "type");
    expectApiError(await api.get("/v1/webhook_deliveries?starting_after=wd_nope"), 400, "invalid_request", "starting_after");
    expectApiError(
      await api.get(`/v1/webhook_deliveries?offset=1&ending_before=${world.d.allItem}`),
      400,
      "invalid_request",
      "ending_before",
    );
    // Another resource's id is no cursor here.
    expectApiError(await api.get(`/v1/webhook_deliveries?starting_after=${world.events.item}`), 400, "invalid_request", "starting_after");
  });
});

describe("GET /v1/webhook_deliveries/:id", () => {
  it("answers the delivery with its attempts", async () => {
    const { api, d, endpoints, events } = world;
    const answer = await api.get(`/v1/webhook_deliveries/${d.allOrder}`);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      id: d.allOrder,
      endpoint_id: endpoints.all,
      event_id: events.order,
      event_type: "order.created",
      status: "pending",
      attempts: 1,
      next_attempt_at: iso(T + 40 * SECOND),
      last_attempt_at: iso(T + 10 * SECOND),
      last_status_code: 500,
      last_error: "The endpoint answered 500 Internal Server Error; only a 2xx answer is success.",
      created_at: iso(T + 2 * SECOND),
      updated_at: iso(T + 10 * SECOND),
      attempt_history: [
        {
          attempt: 1,
          attempted_at: iso(T + 10 * SECOND),
          status_code: 500,
          error: "The endpoint answered 500 Internal Server Error; only a 2xx answer is success.",
          duration_ms: expect.any(Number),
        },
      ],
    });
    const fresh = await api.get(`/v1/webhook_deliveries/${d.ordersSubmitted}`);
    expect(fresh.body).toMatchObject({ attempts: 0, attempt_history: [] });
  });

  it("is a 404 for an unknown id", async () => {
    expectApiError(await world.api.get("/v1/webhook_deliveries/wd_Zz9Zz9Zz9Zz9Zz9Zz9Zz9Zz9"), 404, "not_found", "id");
  });
});

describe("POST /v1/webhook_deliveries/:id/retry", () => {
  it("sends a succeeded delivery again now: pending at once, then succeeded with one more attempt", async () => {
    at(T + 60 * SECOND);
    const received = receiver();
    const co = await createCompany();
    await insertEndpoint(co.companyId);
    const event = await insertEvent(co.companyId, "item.low_stock");
    await dispatchEvents(db(), { companyId: co.companyId });
    const [delivery] = await deliveriesOf(event.id);
    await attemptDelivery(db(), recordingQueue().queue, "test", { deliveryId: delivery!.id, attempt: 1 });
    expect(received).toHaveLength(1);

    at(T + 120 * SECOND);
    const answer = await client(co.apiKey).post(`/v1/webhook_deliveries/${delivery!.id}/retry`);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      id: delivery!.id,
      status: "pending",
      attempts: 1,
      next_attempt_at: iso(T + 120 * SECOND),
      last_status_code: 200,
      updated_at: iso(T + 120 * SECOND),
      attempt_history: [{ attempt: 1, status_code: 200 }],
    });
    await waitForStatus(delivery!.id, "succeeded");
    expect(received).toHaveLength(2);
    expect(received[1]!.headers["webhook-id"]).toBe(event.id);
    expect(await deliveryRow(delivery!.id)).toMatchObject({ attempts: 2, lastAttemptAt: iso(T + 120 * SECOND), nextAttemptAt: null });
    expect((await attemptRows(delivery!.id)).map((a) => a.attempt)).toEqual([1, 2]);
  });

  it("gives a failed delivery one more attempt, not a new 3-day series", async () => {
    at(T + 200 * SECOND);
    const received = receiver(() => new Response(null, { status: 502 }));
    const co = await createCompany();
    await insertEndpoint(co.companyId);
    const event = await insertEvent(co.companyId, "order.cancelled");
    await dispatchEvents(db(), { companyId: co.companyId });
    const [delivery] = await deliveriesOf(event.id);
    // As the schedule leaves it after its 12 attempts.
    await db()
      .update(webhookDeliveries)
      .set({ status: "failed", attempts: 12, nextAttemptAt: null, lastStatusCode: 502 })
      .where(eq(webhookDeliveries.id, delivery!.id));

    const answer = await client(co.apiKey).post(`/v1/webhook_deliveries/${delivery!.id}/retry`);
    expect(answer.body).toMatchObject({ status: "pending", attempts: 12 });
    await waitForStatus(delivery!.id, "failed");
    expect(received).toHaveLength(1);
    expect(await deliveryRow(delivery!.id)).toMatchObject({ attempts: 13, nextAttemptAt: null, lastStatusCode: 502 });
  });

  it("two retries at once send it once", async () => {
    at(T + 300 * SECOND);
    const received = receiver();
    const co = await createCompany();
    await insertEndpoint(co.companyId);
    const event = await insertEvent(co.companyId, "item.updated");
    await dispatchEvents(db(), { companyId: co.companyId });
    const [delivery] = await deliveriesOf(event.id);
    const api = client(co.apiKey);
    const answers = await Promise.all([1, 2, 3].map(() => api.post(`/v1/webhook_deliveries/${delivery!.id}/retry`)));
    expect(answers.map((a) => [a.status, a.body.attempts])).toEqual([
      [200, 0],
      [200, 0],
      [200, 0],
    ]);
    await waitForStatus(delivery!.id, "succeeded");
    expect(received).toHaveLength(1);
    expect((await deliveryRow(delivery!.id))!.attempts).toBe(1);
  });

  it("refuses a delivery whose endpoint is disabled or deleted: 409 invalid_state, nothing changes", async () => {
    at(T + 400 * SECOND);
    const co = await createCompany();
    const api = client(co.apiKey);
    const endpoint = await insertEndpoint(co.companyId);
    const event = await insertEvent(co.companyId, "item.updated");
    await dispatchEvents(db(), { companyId: co.companyId });
    const [delivery] = await deliveriesOf(event.id);

    await db().update(webhookEndpoints).set({ status: "disabled" }).where(eq(webhookEndpoints.id, endpoint.id));
    const disabled = await api.post(`/v1/webhook_deliveries/${delivery!.id}/retry`);
    expectApiError(disabled, 409, "invalid_state");
    expect(disabled.body.error.message).toBe(
      "This delivery cannot be sent again. Its endpoint is disabled: enable it (PATCH status 'enabled') before retrying.",
    );
    await db().delete(webhookEndpoints).where(eq(webhookEndpoints.id, endpoint.id));
    const deleted = await api.post(`/v1/webhook_deliveries/${delivery!.id}/retry`);
    expectApiError(deleted, 409, "invalid_state");
    expect(deleted.body.error.message).toMatch(/Its endpoint was deleted/);
    expect(await deliveryRow(delivery!.id)).toEqual(delivery);
  });

  it("is a 404 for an unknown id", async () => {
    expectApiError(await world.api.post("/v1/webhook_deliveries/wd_Zz9Zz9Zz9Zz9Zz9Zz9Zz9Zz9/retry"), 404, "not_found", "id");
  });
});
