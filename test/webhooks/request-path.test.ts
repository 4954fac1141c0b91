import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { createDatabase } from "../../src/db/client.ts";
import { setClock } from "../../src/lib/clock.ts";
import { dispatchAfterChange, forgetWebhookEndpoints } from "../../src/middleware/dispatch-events.ts";
import { createCompany } from "../helpers/factories.ts";
import { client } from "../helpers/http.ts";
import {
  deliveriesOf,
  eventRow,
  insertEndpoint,
  insertEvent,
  receiver,
  recordingQueue,
  stopReceiver,
  waitForStatus,
} from "../helpers/webhooks.ts";

// Right after a change, its events go out: the request dispatches them for its company after the
// response (waitUntil) and the real local queue carries them to the consumer. A company without
// an enabled endpoint costs no D1 query a change (a one-second cache in the isolate).

const T = Date.parse("2033-07-01T09:00:00.000Z");

afterEach(() => {
  stopReceiver();
  setClock(null);
});

describe("after a change", () => {
  it("its event reaches the endpoint, with data.object equal to the API's answer", async () => {
    const co = await createCompany();
    const endpoint = await insertEndpoint(co.companyId, { events: ["item.created"] });
    const received = receiver();

    const created = await client(co.apiKey).post("/v1/items", { name: "Widget", sku: "WH-1", quantity: 4, reorder_point: 2 });
    expect(created.status).toBe(201);

    const events = await env.DB.prepare("SELECT id FROM events WHERE company_id = ? AND type = 'item.created'")
      .bind(co.companyId)
      .all<{ id: string }>();
    expect(events.results).toHaveLength(1);
    const eventId = events.results[0]!.id;
    await expect.poll(async () => (await deliveriesOf(eventId)).length, { timeout: 10_000, interval: 50 }).toBe(1);
    const [delivery] = await deliveriesOf(eventId);
    expect(delivery!.endpointId).toBe(endpoint.id);
    await waitForStatus(delivery!.id, "succeeded");

    expect(received).toHaveLength(1);
    const body = JSON.parse(received[0]!.body);
    expect(body).toMatchObject({ id: eventId, type: "item.created", data: { object: created.body, previous_attributes: null } });
    expect(received[0]!.headers["webhook-id"]).toBe(eventId);
  });

  it("20 concurrent changes: each event is delivered once, although their dispatches overlap", async () => {
    const co = await createCompany();
    await insertEndpoint(co.companyId, { events: ["item.created"] });
    const received = receiver();
    const api = client(co.apiKey);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => api.post("/v1/items", { name: `Concurrent ${i}`, sku: `CC-${i}` })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(201));
    const succeeded = async () =>
      (await env.DB.prepare(
        `SELECT count(*) AS n FROM webhook_deliveries d JOIN events e ON e.id = d.event_id
         WHERE e.company_id = ? AND d.status = 'succeeded'`,
      )
        .bind(co.companyId)
        .first<number>("n"))!;
    await expect.poll(succeeded, { timeout: 15_000, interval: 100 }).toBe(20);
    const ids = received.map((r) => r.headers["webhook-id"]);
    expect(ids).toHaveLength(20);
    expect(new Set(ids).size).toBe(20);
    const objects = received.map((r) => JSON.parse(r.body).data.object.id).sort();
    expect(objects).toEqual(answers.map((a) => a.body.id).sort());
  });

  it("a refused request (a 400) dispatches nothing, and a read dispatches nothing", async () => {
    setClock(() => T);
    const co = await createCompany();
    await insertEndpoint(co.companyId);
    // An event the API did not write this moment: only a dispatch would take it.
    const event = await insertEvent(co.companyId, "item.updated");
    expect((await client(co.apiKey).post("/v1/items", { name: "" })).status).toBe(400);
    expect((await client(co.apiKey).get("/v1/items")).status).toBe(200);
    expect((await eventRow(event.id))!.dispatchedAt).toBeNull();
    // A change a second later takes the left-over event along: it was still undispatched.
    setClock(() => T + 1000);
    receiver();
    expect((await client(co.apiKey).post("/v1/items", { name: "Gadget", sku: "WH-2" })).status).toBe(201);
    await expect.poll(async () => (await eventRow(event.id))!.dispatchedAt, { timeout: 10_000, interval: 50 }).toBe(
      new Date(T + 1000).toISOString(),
    );
    expect(await deliveriesOf(event.id)).toHaveLength(1);
  });
});

/** A D1 binding that counts the statements prepared through it. */
function countingD1() {
  let statements = 0;
  const d1 = new Proxy(env.DB, {
    get(target, property) {
      if (property === "withSession") {
        return (start: string) => {
          const session = target.withSession(start);
          return new Proxy(session, {
            get(s, p) {
              if (p === "prepare") statements++;
              const value = Reflect.get(s, p);
              return typeof value === "function" ? value.bind(s) : value;
            },
          });
        };
      }
      const value = Reflect.get(target, property);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { d1, statements: () => statements };
}

describe("a company without an enabled endpoint", () => {
  it("costs one look-up a second, and none on the changes in between; forgetting the entry looks again at once", async () => {
    setClock(() => T);
    const co = await createCompany();
    await insertEndpoint(co.companyId, { status: "disabled" });
    const event = await insertEvent(co.companyId, "item.updated");
    const { queue, sent } = recordingQueue();
    const counted = countingD1();
    const db = createDatabase(counted.d1);

    await dispatchAfterChange(db, queue, co.companyId);
    expect(counted.statements()).toBe(1);
    for (let i = 0; i < 5; i++) {
      setClock(() => T + i * 100);
      await dispatchAfterChange(db, queue, co.companyId);
    }
    expect(counted.statements()).toBe(1);
    // Its events are left for the sweep.
    expect((await eventRow(event.id))!.dispatchedAt).toBeNull();

    // A second later the cache is asked again (still none).
    setClock(() => T + 1000);
    await dispatchAfterChange(db, queue, co.companyId);
    expect(counted.statements()).toBe(2);

    // An endpoint made on this instance (its create forgets the entry) is seen at once.
    await insertEndpoint(co.companyId);
    await dispatchAfterChange(db, queue, co.companyId);
    expect(counted.statements()).toBe(2);
    forgetWebhookEndpoints(co.companyId);
    await dispatchAfterChange(db, queue, co.companyId);
    expect(counted.statements()).toBeGreaterThan(2);
    expect(sent.map((m) => m.body.attempt)).toEqual([1]);
    expect(await deliveriesOf(event.id)).toHaveLength(1);
  });
});
