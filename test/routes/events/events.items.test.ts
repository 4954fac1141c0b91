// Events of item changes and transactions: one per change, in the change's batch, holding the
// object exactly as the API answered it at that moment, and stock alerts once per crossing.
import { afterEach, describe, expect, it } from "vitest";
import { setClock } from "../../../src/lib/clock.ts";
import { createCompany } from "../../helpers/factories.ts";
import { client, REQUEST_ID } from "../../helpers/http.ts";
import { eventsOf } from "../../helpers/events.ts";
import { createItem } from "../../helpers/items.ts";

afterEach(() => setClock(null));

const EVENT_ID = /^event_[0-9A-Za-z]{20,}$/;

async function setup() {
  const company = await createCompany("professional");
  return { company, api: client(company.apiKey) };
}

describe("events of item changes", () => {
  it("item.created, item.updated, item.deleted and item.restored carry the object as answered", async () => {
    const { company, api } = await setup();
    const created = await createItem(api, { name: "Widget", quantity: 0 });
    const patched = await api.patch(`/v1/items/${created.id}`, { name: "Widget 2", location: "A1" });
    expect(patched.status).toBe(200);
    expect((await api.delete(`/v1/items/${created.id}`)).status).toBe(204);
    const trash = await api.get("/v1/trash");
    const restored = await api.post(`/v1/items/${created.id}/restore`);
    expect(restored.status).toBe(200);

    const events = await eventsOf(api);
    expect(events.map((e) => e.type)).toEqual(["item.created", "item.updated", "item.deleted", "item.restored"]);
    expect(events.map((e) => e.sequence)).toEqual([1, 2, 3, 4]);
    for (const event of events) {
      expect(event.id).toMatch(EVENT_ID);
      expect(event.request_id).toMatch(REQUEST_ID);
      expect(event.user_id).toBe(company.userId);
      expect(event.api_key_id).toBe(company.apiKeyId);
    }
    expect(events[0].data).toEqual({ object: created, previous_attributes: null });
    expect(events[1].data).toEqual({
      object: patched.body,
      previous_attributes: { name: "Widget", location: null, updated_at: created.updated_at },
    });
    expect(events[2].data).toEqual({ object: trash.body.data[0], previous_attributes: null });
    expect(events[3].data).toEqual({ object: restored.body, previous_attributes: null });

    const one = await api.get(`/v1/events/${events[1].id}`);
    expect(one.status).toBe(200);
    expect(one.body).toEqual(events[1]);
  });

  it("a transaction writes transaction.created with the ledger row as answered", async () => {
    const { api } = await setup();
    const item = await createItem(api, { quantity: 10 });
    const txn = await api.post("/v1/transactions", { item_id: item.id, type: "issue", quantity: 3 });
    expect(txn.status).toBe(201);
    // A new item's own event comes first, then its starting quantity's ledger row.
    expect((await eventsOf(api)).map((e) => e.type)).toEqual(["item.created", "transaction.created", "transaction.created"]);
    const events = await eventsOf(api, "&type=transaction.created");
    // The starting quantity is a ledger row too (`initial`).
    expect(events.map((e) => e.data.object.type)).toEqual(["initial", "issue"]);
    expect(events[1].data).toEqual({ object: txn.body, previous_attributes: null });
  });

  it("a later change does not alter an earlier event's object", async () => {
    const { api } = await setup();
    const item = await createItem(api, { quantity: 5, reorder_point: 2 });
    await api.patch(`/v1/items/${item.id}`, { name: "Renamed" });
    const [createdEvent] = await eventsOf(api, "&type=item.created");
    expect(createdEvent.data.object).toEqual(item);
  });

  it("no event for a change that failed", async () => {
    const { api } = await setup();
    const item = await createItem(api, { quantity: 1 });
    const before = await eventsOf(api);
    const refused = await api.post("/v1/transactions", { item_id: item.id, type: "issue", quantity: 5 });
    expect(refused.status).toBe(409);
    const batch = await api.post("/v1/transactions/batch", {
      transactions: [
        { item_id: item.id, type: "receive", quantity: 1 },
        { item_id: item.id, type: "issue", quantity: 50 },
      ],
    });
    expect(batch.status).toBe(409);
    expect(await eventsOf(api)).toEqual(before);
  });
});

describe("stock alerts", () => {
  it("low_stock once per crossing, out_of_stock at 0, back_in_stock when neither any more", async () => {
    const { api } = await setup();
    const item = await createItem(api, { quantity: 10, reorder_point: 5 });
    const move = (type: string, quantity: number) => api.post("/v1/transactions", { item_id: item.id, type, quantity });
    await move("issue", 5); // 5: at the reorder point, not below
    await move("issue", 1); // 4: low
    await move("issue", 1); // 3: still low, no second event
    await move("issue", 3); // 0: out of stock
    await move("receive", 2); // 2: still low
    const back = await move("receive", 3); // 5: back in stock
    await move("issue", 5); // 0: low and out at once

    const alerts = (await eventsOf(api, "&type=item.*")).filter((e) => e.type !== "item.created");
    expect(alerts.map((e) => [e.type, e.data.object.quantity])).toEqual([
      ["item.low_stock", 4],
      ["item.out_of_stock", 0],
      ["item.back_in_stock", 5],
      ["item.low_stock", 0],
      ["item.out_of_stock", 0],
    ]);
    expect(back.status).toBe(201);
    const item5 = await api.get(`/v1/items/${item.id}`);
    expect(alerts.at(-1).data.object).toEqual(item5.body);
  });

  it("raising the reorder point above the quantity is a crossing; lowering it again is back in stock", async () => {
    const { api } = await setup();
    const item = await createItem(api, { quantity: 10 });
    await api.patch(`/v1/items/${item.id}`, { reorder_point: 20 });
    await api.patch(`/v1/items/${item.id}`, { reorder_point: 30 });
    await api.patch(`/v1/items/${item.id}`, { reorder_point: null });
    const types = (await eventsOf(api, "&type=item.*")).map((e) => e.type);
    expect(types).toEqual(["item.created", "item.updated", "item.low_stock", "item.updated", "item.updated", "item.back_in_stock"]);
  });

  it("100 concurrent issues across the reorder point make exactly one low_stock event", async () => {
    const { api } = await setup();
    const item = await createItem(api, { quantity: 150, reorder_point: 100 });
    const answers = await Promise.all(
      Array.from({ length: 100 }, () => api.post("/v1/transactions", { item_id: item.id, type: "issue", quantity: 1 })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(100).fill(201));
    const low = await eventsOf(api, "&type=item.low_stock");
    expect(low).toHaveLength(1);
    expect(low[0].data.object.quantity).toBe(99);
    const all = await eventsOf(api);
    const sequences = all.map((e) => e.sequence);
    expect(sequences).toEqual(Array.from({ length: all.length }, (_, i) => i + 1));
  });
});
