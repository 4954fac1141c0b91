import { describe, expect, it } from "vitest";
import { createCompany } from "../../helpers/factories.ts";
import { client, expectApiError } from "../../helpers/http.ts";
import { createItem, type Api } from "../../helpers/items.ts";
import { createOrder, type Order } from "../../helpers/orders.ts";

// Real concurrent requests (Promise.all of many fetches) against one company.

async function setup() {
  return client((await createCompany("enterprise")).apiKey);
}

/** A submitted order for `quantity` of a new item that has `stock` already. */
async function submittedOrder(api: Api, quantity: number, stock = 0) {
  const item = await createItem(api, { quantity: stock });
  const order = await createOrder(api, {
    status: "submitted",
    line_items: [{ item_id: item.id, quantity_ordered: quantity, unit_cost: 100 }],
  });
  return { item, order, line: order.line_items[0]! };
}

async function receiveLedger(api: Api, itemId: string) {
  const response = await api.get(`/v1/transactions?item_id=${itemId}&type=receive&limit=100`);
  expect(response.status).toBe(200);
  return response.body.data as { quantity_change: number; quantity_before: number; quantity_after: number; order_id: string }[];
}

function byStatus(responses: { status: number }[]) {
  const counts: Record<number, number> = {};
  for (const r of responses) counts[r.status] = (counts[r.status] ?? 0) + 1;
  return counts;
}

describe("order numbers under concurrent creation", () => {
  it("20 concurrent creations get 20 distinct, consecutive numbers", async () => {
    const api = await setup();
    const item = await createItem(api);
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        api.post("/v1/orders", { supplier: `Supplier ${i}`, line_items: [{ item_id: item.id, quantity_ordered: i + 1, unit_cost: 1 }] }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(201));
    const numbers = responses.map((r) => r.body.number as string).sort();
    expect(numbers).toEqual(Array.from({ length: 20 }, (_, i) => `PO-${String(i + 1).padStart(6, "0")}`));

    // Each number belongs to the order created with it, and the next one follows on.
    const listed = (await api.get("/v1/orders?limit=100")).body.data as Order[];
    expect(new Map(listed.map((o) => [o.id, o.number]))).toEqual(new Map(responses.map((r) => [r.body.id, r.body.number])));
    expect((await createOrder(api, { line_items: [{ item_id: item.id, quantity_ordered: 1, unit_cost: 1 }] })).number).toBe("PO-000021");
  });

  it("failed creations among concurrent ones take no number", async () => {
    const api = await setup();
    const item = await createItem(api);
    const trashed = await createItem(api);
    expect((await api.delete(`/v1/items/${trashed.id}`)).status).toBe(204);
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        api.post("/v1/orders", {
          supplier: "Acme",
          line_items: [{ item_id: i % 2 ? trashed.id : item.id, quantity_ordered: 1, unit_cost: 1 }],
        }),
      ),
    );
    expect(byStatus(responses)).toEqual({ 201: 10, 404: 10 });
    const numbers = responses.filter((r) => r.status === 201).map((r) => r.body.number).sort();
    expect(numbers).toEqual(Array.from({ length: 10 }, (_, i) => `PO-${String(i + 1).padStart(6, "0")}`));
  });
});

describe("concurrent receives of the same line", () => {
  it("20 concurrent receives of 1 into a line of 10: exactly 10 succeed, never more than ordered", async () => {
    const api = await setup();
    const { item, order, line } = await submittedOrder(api, 10, 3);
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => api.post(`/v1/orders/${order.id}/receive`, { line_items: [{ id: line.id, quantity: 1 }] })),
    );
    expect(byStatus(responses)).toEqual({ 200: 10, 409: 10 });
    for (const r of responses.filter((r) => r.status === 409)) expectApiError(r, 409, "invalid_state", expect.toBeOneOf([null, "line_items[0].quantity"]) as any);

    const after = (await api.get(`/v1/orders/${order.id}`)).body as Order;
    expect(after.status).toBe("received");
    expect(after.line_items[0]!.quantity_received).toBe(10);
    expect((await api.get(`/v1/items/${item.id}`)).body.quantity).toBe(13);
    const receipts = await receiveLedger(api, item.id);
    expect(receipts).toHaveLength(10);
    expect(receipts.every((t) => t.quantity_change === 1 && t.order_id === order.id)).toBe(true);
    // The ledger chains: each receipt starts where another ended, 3 → 13.
    expect(receipts.map((t) => t.quantity_before).sort((a, b) => a - b)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const orderEntries = (await api.get("/v1/audit_log?limit=100")).body.data.filter(
      (e: any) => e.resource_type === "order" && e.resource_id === order.id && e.action === "update",
    );
    expect(orderEntries).toHaveLength(10);
  });

  it("concurrent receives of 3 into a line of 10: three succeed (9 received), the rest 409", async () => {
    const api = await setup();
    const { item, order, line } = await submittedOrder(api, 10);
    const responses = await Promise.all(
      Array.from({ length: 8 }, () => api.post(`/v1/orders/${order.id}/receive`, { line_items: [{ id: line.id, quantity: 3 }] })),
    );
    expect(byStatus(responses)).toEqual({ 200: 3, 409: 5 });
    const after = (await api.get(`/v1/orders/${order.id}`)).body as Order;
    expect(after).toMatchObject({ status: "partially_received", received_at: null });
    expect(after.line_items[0]!.quantity_received).toBe(9);
    expect((await api.get(`/v1/items/${item.id}`)).body.quantity).toBe(9);
    expect(await receiveLedger(api, item.id)).toHaveLength(3);
  });

  it("10 concurrent empty-body receives: exactly one receives everything", async () => {
    const api = await setup();
    const { item, order } = await submittedOrder(api, 7);
    const responses = await Promise.all(Array.from({ length: 10 }, () => api.post(`/v1/orders/${order.id}/receive`)));
    expect(byStatus(responses)).toEqual({ 200: 1, 409: 9 });
    expect((await api.get(`/v1/items/${item.id}`)).body.quantity).toBe(7);
    expect(await receiveLedger(api, item.id)).toEqual([expect.objectContaining({ quantity_change: 7, quantity_before: 0 })]);
  });

  it("cancel racing receives: either the cancel or the receipts win, never both", async () => {
    const api = await setup();
    const { item, order, line } = await submittedOrder(api, 20);
    const responses = await Promise.all([
      ...Array.from({ length: 5 }, () => api.post(`/v1/orders/${order.id}/receive`, { line_items: [{ id: line.id, quantity: 1 }] })),
      api.post(`/v1/orders/${order.id}/cancel`),
      ...Array.from({ length: 5 }, () => api.post(`/v1/orders/${order.id}/receive`, { line_items: [{ id: line.id, quantity: 1 }] })),
    ]);
    const cancel = responses[5]!;
    const received = responses.filter((r, i) => i !== 5 && r.status === 200).length;
    const after = (await api.get(`/v1/orders/${order.id}`)).body as Order;
    const stock = (await api.get(`/v1/items/${item.id}`)).body.quantity;
    if (cancel.status === 200) {
      // Receipts that ran before the cancel would have made it fail: none ran.
      expect(received).toBe(0);
      expect(after).toMatchObject({ status: "cancelled", line_items: [{ quantity_received: 0 }] });
      expect(stock).toBe(0);
    } else {
      expectApiError(cancel, 409, "invalid_state", null);
      expect(received).toBeGreaterThan(0);
      expect(after.status).toBe("partially_received");
    }
    expect(after.line_items[0]!.quantity_received).toBe(received);
    expect(stock).toBe(received);
    expect(await receiveLedger(api, item.id)).toHaveLength(received);
  });
});

describe("concurrent edits of a draft", () => {
  it("10 concurrent PATCHes and a submit: each edit lands or is refused with 409, none is lost", async () => {
    const api = await setup();
    const item = await createItem(api);
    const order = await createOrder(api, { line_items: [{ item_id: item.id, quantity_ordered: 1, unit_cost: 1 }] });
    const patch = (i: number) => api.patch(`/v1/orders/${order.id}`, { notes: `note ${i}` });
    const responses = await Promise.all([
      ...Array.from({ length: 5 }, (_, i) => patch(i)),
      api.post(`/v1/orders/${order.id}/submit`),
      ...Array.from({ length: 5 }, (_, i) => patch(i + 5)),
    ]);
    expect(responses[5]!.status).toBe(200);
    const edits = responses.filter((_, i) => i !== 5);
    for (const r of edits.filter((r) => r.status !== 200)) {
      expectApiError(r, 409, "invalid_state", null);
      expect(r.body.error.message).toContain("'submitted'");
    }
    const landed = edits.filter((r) => r.status === 200).length;

    const entries = (await api.get("/v1/audit_log?limit=100")).body.data.filter(
      (e: any) => e.resource_id === order.id && e.action === "update" && e.changes.notes,
    );
    // Each entry's "from" is the previous one's "to": the edits ran one after another.
    const chain = entries.reverse().map((e: any) => e.changes.notes);
    expect(chain).toHaveLength(landed);
    if (landed > 0) expect(chain[0].from).toBeNull();
    for (let i = 1; i < chain.length; i++) expect(chain[i].from).toBe(chain[i - 1].to);
    const after = (await api.get(`/v1/orders/${order.id}`)).body;
    expect(after.status).toBe("submitted");
    expect(after.notes).toBe(landed > 0 ? chain[landed - 1].to : null);
  });
});
