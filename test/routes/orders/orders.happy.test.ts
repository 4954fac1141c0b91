import { afterEach, describe, expect, it } from "vitest";
import { setClock } from "../../../src/lib/clock.ts";
import { createCompany } from "../../helpers/factories.ts";
import { call, callJson, client } from "../../helpers/http.ts";
import { at, createItem, ids, newestFirst, type Api } from "../../helpers/items.ts";
import { createOrder, expectOrderShape, LINE_ITEM_ID, ORDER_ID, orderForTwoItems, type Order } from "../../helpers/orders.ts";

afterEach(() => setClock(null));

/**
 * A company, and a clock that moves one second at each reading, so that everything a test does
 * has its own time and lists have one order. Steps whose times a test asserts set a later fixed time.
 */
async function setup() {
  let now = at("2025-01-01T00:00:00.000Z");
  setClock(() => (now += 1000));
  const company = await createCompany("enterprise");
  return { company, api: client(company.apiKey) };
}

/** The audit entries of one order, oldest first. */
async function orderAudit(api: Api, orderId: string) {
  const response = await api.get("/v1/audit_log?limit=100");
  expect(response.status).toBe(200);
  return (response.body.data as any[]).filter((e) => e.resource_type === "order" && e.resource_id === orderId).reverse();
}

/** The item's ledger, oldest first. */
async function ledger(api: Api, itemId: string) {
  const response = await api.get(`/v1/transactions?item_id=${itemId}`);
  expect(response.status).toBe(200);
  return [...response.body.data].reverse();
}

async function quantityOf(api: Api, itemId: string): Promise<number> {
  const response = await api.get(`/v1/items/${itemId}`);
  expect(response.status).toBe(200);
  return response.body.quantity;
}

describe("POST /v1/orders", () => {
  it("creates a draft with the first number, ids, defaults and the total cost", async () => {
    const { api } = await setup();
    setClock(() => at("2025-03-01T08:00:00.000Z"));
    const widget = await createItem(api);
    const gadget = await createItem(api);
    const response = await api.post("/v1/orders", {
      supplier: "Acme Supplies",
      line_items: [
        { item_id: widget.id, quantity_ordered: 10, unit_cost: 250 },
        { item_id: gadget.id, quantity_ordered: 3, unit_cost: 0 },
      ],
    });
    expect(response.status).toBe(201);
    expectOrderShape(response.body);
    expect(response.body).toEqual({
      id: expect.stringMatching(ORDER_ID),
      number: "PO-000001",
      supplier: "Acme Supplies",
      status: "draft",
      currency: "USD",
      expected_at: null,
      notes: null,
      line_items: [
        { id: expect.stringMatching(LINE_ITEM_ID), item_id: widget.id, quantity_ordered: 10, quantity_received: 0, unit_cost: 250 },
        { id: expect.stringMatching(LINE_ITEM_ID), item_id: gadget.id, quantity_ordered: 3, quantity_received: 0, unit_cost: 0 },
      ],
      total_cost: 2500,
      created_at: "2025-03-01T08:00:00.000Z",
      updated_at: "2025-03-01T08:00:00.000Z",
      submitted_at: null,
      received_at: null,
      cancelled_at: null,
    });
    expect((await api.get(`/v1/orders/${response.body.id}`)).body).toEqual(response.body);
  });

  it("takes every optional field and can create a submitted order", async () => {
    const { api } = await setup();
    setClock(() => at("2025-03-01T08:00:00.000Z"));
    const item = await createItem(api);
    const order = await createOrder(api, {
      supplier: "Nordic Parts AB",
      status: "submitted",
      currency: "SEK",
      expected_at: "2025-03-15",
      notes: "Dock 3, mornings only.",
      line_items: [{ item_id: item.id, quantity_ordered: 7, unit_cost: 12_345 }],
    });
    expect(order).toMatchObject({
      number: "PO-000001",
      supplier: "Nordic Parts AB",
      status: "submitted",
      currency: "SEK",
      expected_at: "2025-03-15",
      notes: "Dock 3, mornings only.",
      total_cost: 86_415,
      submitted_at: "2025-03-01T08:00:00.000Z",
      received_at: null,
      cancelled_at: null,
    });
  });

  it("numbers each company's orders on their own, consecutively", async () => {
    const a = await setup();
    const b = await setup();
    const itemA = await createItem(a.api);
    const itemB = await createItem(b.api);
    const line = (item_id: string) => ({ line_items: [{ item_id, quantity_ordered: 1, unit_cost: 1 }] });
    expect((await createOrder(a.api, line(itemA.id))).number).toBe("PO-000001");
    expect((await createOrder(a.api, line(itemA.id))).number).toBe("PO-000002");
    expect((await createOrder(b.api, line(itemB.id))).number).toBe("PO-000001");
    expect((await createOrder(a.api, line(itemA.id))).number).toBe("PO-000003");
  });

  it("writes a create audit entry with the whole order", async () => {
    const { api } = await setup();
    const { order } = await orderForTwoItems(api);
    const entries = await orderAudit(api, order.id);
    expect(entries).toEqual([
      expect.objectContaining({ action: "create", resource_type: "order", resource_id: order.id, item_id: null, changes: order }),
    ]);
  });

  it("replays the stored answer for a retried Idempotency-Key and creates one order", async () => {
    const { company, api } = await setup();
    const item = await createItem(api);
    const body = { supplier: "Acme", line_items: [{ item_id: item.id, quantity_ordered: 2, unit_cost: 100 }] };
    const headers = { "Idempotency-Key": "po-create-1" };
    const first = await callJson("POST", "/v1/orders", { key: company.apiKey, body, headers });
    const retry = await callJson("POST", "/v1/orders", { key: company.apiKey, body, headers });
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get("Idempotent-Replayed")).toBe("true");
    expect(ids(await api.get("/v1/orders"))).toEqual([first.body.id]);
  });
});

describe("GET /v1/orders", () => {
  async function threeOrders(api: Api) {
    const widget = await createItem(api);
    const gadget = await createItem(api);
    setClock(() => at("2025-04-01T00:00:00.000Z"));
    const a = await createOrder(api, { supplier: "Acme", line_items: [{ item_id: widget.id, quantity_ordered: 1, unit_cost: 1 }] });
    setClock(() => at("2025-04-02T00:00:00.000Z"));
    const b = await createOrder(api, {
      supplier: "Bolt & Co",
      status: "submitted",
      line_items: [
        { item_id: gadget.id, quantity_ordered: 1, unit_cost: 1 },
        { item_id: widget.id, quantity_ordered: 2, unit_cost: 1 },
      ],
    });
    setClock(() => at("2025-04-03T00:00:00.000Z"));
    const c = await createOrder(api, { supplier: "ACME", line_items: [{ item_id: gadget.id, quantity_ordered: 1, unit_cost: 1 }] });
    return { widget, gadget, a, b, c };
  }

  it("lists newest first with line items and pagination", async () => {
    const { api } = await setup();
    const { a, b, c } = await threeOrders(api);
    const all = await api.get("/v1/orders");
    expect(all.status).toBe(200);
    expect(all.body).toEqual({ data: [c, b, a], pagination: { total: 3, limit: 50, offset: 0, has_more: false } });

    const page = await api.get("/v1/orders?limit=2&offset=1");
    expect(page.body).toEqual({ data: [b, a], pagination: { total: 3, limit: 2, offset: 1, has_more: false } });
    const first = await api.get("/v1/orders?limit=1");
    expect(first.body).toEqual({ data: [c], pagination: { total: 3, limit: 1, offset: 0, has_more: true } });
  });

  it("filters by status, item_id and supplier (case-insensitive), combined with AND", async () => {
    const { api } = await setup();
    const { widget, gadget, a, b, c } = await threeOrders(api);
    expect(ids(await api.get("/v1/orders?status=submitted"))).toEqual([b.id]);
    expect(ids(await api.get("/v1/orders?status=draft"))).toEqual([c.id, a.id]);
    expect(ids(await api.get("/v1/orders?status=received"))).toEqual([]);
    expect(ids(await api.get(`/v1/orders?item_id=${widget.id}`))).toEqual([b.id, a.id]);
    expect(ids(await api.get(`/v1/orders?item_id=${gadget.id}`))).toEqual([c.id, b.id]);
    expect(ids(await api.get("/v1/orders?supplier=acme"))).toEqual([c.id, a.id]);
    expect(ids(await api.get("/v1/orders?supplier=Bolt%20%26%20Co"))).toEqual([b.id]);
    expect(ids(await api.get("/v1/orders?supplier=Acm"))).toEqual([]);
    const combined = await api.get(`/v1/orders?supplier=ACME&item_id=${gadget.id}&status=draft`);
    expect(combined.body).toEqual({ data: [c], pagination: { total: 1, limit: 50, offset: 0, has_more: false } });
  });

  it("breaks created_at ties by id, newest first", async () => {
    const { api } = await setup();
    const item = await createItem(api);
    setClock(() => at("2025-04-01T00:00:00.000Z"));
    const created: Order[] = [];
    for (let i = 0; i < 4; i++) {
      created.push(await createOrder(api, { line_items: [{ item_id: item.id, quantity_ordered: 1, unit_cost: 1 }] }));
    }
    expect(ids(await api.get("/v1/orders"))).toEqual(newestFirst(created).map((o) => o.id));
  });
});

describe("PATCH /v1/orders/:id", () => {
  it("changes only the fields sent and writes an update entry with from/to", async () => {
    const { api } = await setup();
    setClock(() => at("2025-05-01T00:00:00.000Z"));
    const { order } = await orderForTwoItems(api, { notes: "old", expected_at: "2025-05-20" });
    setClock(() => at("2025-05-02T00:00:00.000Z"));
    const response = await api.patch(`/v1/orders/${order.id}`, { supplier: "Globex", currency: "EUR", expected_at: null });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      ...order,
      supplier: "Globex",
      currency: "EUR",
      expected_at: null,
      updated_at: "2025-05-02T00:00:00.000Z",
    });
    expect((await api.get(`/v1/orders/${order.id}`)).body).toEqual(response.body);
    const [, update] = await orderAudit(api, order.id);
    expect(update).toMatchObject({
      action: "update",
      changes: {
        supplier: { from: "Acme Supplies", to: "Globex" },
        currency: { from: "USD", to: "EUR" },
        expected_at: { from: "2025-05-20", to: null },
      },
    });
  });

  it("replaces all line items (new line ids) and recomputes the total", async () => {
    const { api } = await setup();
    const { order, gadget } = await orderForTwoItems(api);
    const bolt = await createItem(api, { name: "Bolt" });
    const lines = [
      { item_id: bolt.id, quantity_ordered: 100, unit_cost: 5 },
      { item_id: gadget.id, quantity_ordered: 1, unit_cost: 1000 },
    ];
    const response = await api.patch(`/v1/orders/${order.id}`, { line_items: lines });
    expect(response.status).toBe(200);
    expect(response.body.line_items).toEqual(
      lines.map((line) => ({ id: expect.stringMatching(LINE_ITEM_ID), quantity_received: 0, ...line })),
    );
    const oldIds = order.line_items.map((l) => l.id);
    for (const line of response.body.line_items) expect(oldIds).not.toContain(line.id);
    expect(response.body.total_cost).toBe(1500);
    expect((await api.get(`/v1/orders/${order.id}`)).body).toEqual(response.body);
    expect(ids(await api.get(`/v1/orders?item_id=${order.line_items[0]!.item_id}`))).toEqual([]);
    expect(ids(await api.get(`/v1/orders?item_id=${bolt.id}`))).toEqual([order.id]);

    const [, update] = await orderAudit(api, order.id);
    expect(update.changes).toEqual({ line_items: { from: order.line_items, to: response.body.line_items } });
  });

  it("changes nothing (not even updated_at) and writes no entry when every value is the same", async () => {
    const { api } = await setup();
    const { order } = await orderForTwoItems(api);
    const same = {
      supplier: order.supplier,
      notes: null,
      line_items: order.line_items.map(({ item_id, quantity_ordered, unit_cost }) => ({ item_id, quantity_ordered, unit_cost })),
    };
    const response = await api.patch(`/v1/orders/${order.id}`, same);
    expect(response.status).toBe(200);
    expect(response.body).toEqual(order);
    expect(await orderAudit(api, order.id)).toHaveLength(1);
  });
});

describe("submit and cancel", () => {
  it("submits a draft: status, submitted_at and an audit entry", async () => {
    const { api } = await setup();
    const { order } = await orderForTwoItems(api);
    setClock(() => at("2025-06-01T12:00:00.000Z"));
    const response = await api.post(`/v1/orders/${order.id}/submit`);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      ...order,
      status: "submitted",
      submitted_at: "2025-06-01T12:00:00.000Z",
      updated_at: "2025-06-01T12:00:00.000Z",
    });
    const [, entry] = await orderAudit(api, order.id);
    expect(entry).toMatchObject({
      action: "update",
      changes: { status: { from: "draft", to: "submitted" }, submitted_at: { from: null, to: "2025-06-01T12:00:00.000Z" } },
    });
  });

  it("cancels a submitted order: status, cancelled_at and an audit entry", async () => {
    const { api } = await setup();
    const { order } = await orderForTwoItems(api, { status: "submitted" });
    setClock(() => at("2025-06-02T12:00:00.000Z"));
    const response = await api.post(`/v1/orders/${order.id}/cancel`);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      ...order,
      status: "cancelled",
      cancelled_at: "2025-06-02T12:00:00.000Z",
      updated_at: "2025-06-02T12:00:00.000Z",
    });
    const [, entry] = await orderAudit(api, order.id);
    expect(entry.changes).toEqual({
      status: { from: "submitted", to: "cancelled" },
      cancelled_at: { from: null, to: "2025-06-02T12:00:00.000Z" },
    });
  });
});

describe("POST /v1/orders/:id/receive", () => {
  it("receives part, then the rest: order, stock, ledger and audit log agree", async () => {
    const { api } = await setup();
    const { order, widget, gadget } = await orderForTwoItems(api, { status: "submitted" });
    const [widgetLine, gadgetLine] = order.line_items;

    // Part of the widgets.
    setClock(() => at("2025-07-01T09:00:00.000Z"));
    const partial = await api.post(`/v1/orders/${order.id}/receive`, { line_items: [{ id: widgetLine!.id, quantity: 6 }] });
    expect(partial.status).toBe(200);
    expect(partial.body).toEqual({
      ...order,
      status: "partially_received",
      line_items: [{ ...widgetLine, quantity_received: 6 }, gadgetLine],
      updated_at: "2025-07-01T09:00:00.000Z",
    });
    expect(await quantityOf(api, widget.id)).toBe(11);
    expect(await quantityOf(api, gadget.id)).toBe(0);

    // More widgets and some gadgets: still partial.
    setClock(() => at("2025-07-02T09:00:00.000Z"));
    const more = await api.post(`/v1/orders/${order.id}/receive`, {
      line_items: [
        { id: gadgetLine!.id, quantity: 1 },
        { id: widgetLine!.id, quantity: 2 },
      ],
    });
    expect(more.status).toBe(200);
    expect(more.body.status).toBe("partially_received");
    expect(more.body.line_items.map((l: any) => l.quantity_received)).toEqual([8, 1]);

    // The rest.
    setClock(() => at("2025-07-03T09:00:00.000Z"));
    const rest = await api.post(`/v1/orders/${order.id}/receive`, {
      line_items: [
        { id: widgetLine!.id, quantity: 2 },
        { id: gadgetLine!.id, quantity: 3 },
      ],
    });
    expect(rest.status).toBe(200);
    expect(rest.body).toEqual({
      ...order,
      status: "received",
      line_items: [
        { ...widgetLine, quantity_received: 10 },
        { ...gadgetLine, quantity_received: 4 },
      ],
      updated_at: "2025-07-03T09:00:00.000Z",
      received_at: "2025-07-03T09:00:00.000Z",
    });
    expect((await api.get(`/v1/orders/${order.id}`)).body).toEqual(rest.body);

    // Stock: 5 + 10 widgets, 0 + 4 gadgets; the ledger sums to it, each receipt tied to the order.
    expect(await quantityOf(api, widget.id)).toBe(15);
    expect(await quantityOf(api, gadget.id)).toBe(4);
    const receipt = (quantity_before: number, quantity_change: number, created_at: string) => ({
      id: expect.stringMatching(/^txn_/),
      type: "receive",
      quantity_change,
      quantity_before,
      quantity_after: quantity_before + quantity_change,
      reason: null,
      note: null,
      reference: "PO-000001",
      order_id: order.id,
      user_id: expect.any(String),
      created_at,
    });
    const widgetLedger = await ledger(api, widget.id);
    expect(widgetLedger).toEqual([
      expect.objectContaining({ type: "initial", quantity_change: 5, order_id: null }),
      { ...receipt(5, 6, "2025-07-01T09:00:00.000Z"), item_id: widget.id },
      { ...receipt(11, 2, "2025-07-02T09:00:00.000Z"), item_id: widget.id },
      { ...receipt(13, 2, "2025-07-03T09:00:00.000Z"), item_id: widget.id },
    ]);
    expect(await ledger(api, gadget.id)).toEqual([
      { ...receipt(0, 1, "2025-07-02T09:00:00.000Z"), item_id: gadget.id },
      { ...receipt(1, 3, "2025-07-03T09:00:00.000Z"), item_id: gadget.id },
    ]);

    // Audit: the order's status and lines, and each item's quantity with its transaction.
    const entries = await orderAudit(api, order.id);
    expect(entries.map((e) => e.changes)).toEqual([
      expect.objectContaining({ status: "submitted" }),
      {
        status: { from: "submitted", to: "partially_received" },
        line_items: {
          from: [{ id: widgetLine!.id, item_id: widget.id, quantity_received: 0 }],
          to: [{ id: widgetLine!.id, item_id: widget.id, quantity_received: 6 }],
        },
      },
      {
        line_items: {
          from: [
            { id: widgetLine!.id, item_id: widget.id, quantity_received: 6 },
            { id: gadgetLine!.id, item_id: gadget.id, quantity_received: 0 },
          ],
          to: [
            { id: widgetLine!.id, item_id: widget.id, quantity_received: 8 },
            { id: gadgetLine!.id, item_id: gadget.id, quantity_received: 1 },
          ],
        },
      },
      {
        status: { from: "partially_received", to: "received" },
        received_at: { from: null, to: "2025-07-03T09:00:00.000Z" },
        line_items: {
          from: [
            { id: widgetLine!.id, item_id: widget.id, quantity_received: 8 },
            { id: gadgetLine!.id, item_id: gadget.id, quantity_received: 1 },
          ],
          to: [
            { id: widgetLine!.id, item_id: widget.id, quantity_received: 10 },
            { id: gadgetLine!.id, item_id: gadget.id, quantity_received: 4 },
          ],
        },
      },
    ]);
    const itemEntries = (await api.get(`/v1/audit_log?item_id=${widget.id}&action=update`)).body.data.reverse();
    expect(itemEntries.map((e: any) => [e.changes, e.transaction_id])).toEqual(
      widgetLedger.slice(1).map((t: any) => [{ quantity: { from: t.quantity_before, to: t.quantity_after } }, t.id]),
    );
  });

  it.each([
    ["no body at all", undefined, {}],
    ["an empty body sent as JSON", "", { "Content-Type": "application/json" }],
    ["an empty object", {}, {}],
    ["an empty line_items list", { line_items: [] }, {}],
  ])("receives everything outstanding with %s", async (_, body, headers) => {
    const { company, api } = await setup();
    const { order, widget, gadget } = await orderForTwoItems(api, { status: "submitted" });
    // One widget line already partly received: only the outstanding rest comes in.
    const first = await api.post(`/v1/orders/${order.id}/receive`, { line_items: [{ id: order.line_items[0]!.id, quantity: 4 }] });
    expect(first.status).toBe(200);

    setClock(() => at("2025-08-01T00:00:00.000Z"));
    const response = await callJson("POST", `/v1/orders/${order.id}/receive`, { key: company.apiKey, body, headers });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body).toMatchObject({
      status: "received",
      received_at: "2025-08-01T00:00:00.000Z",
      line_items: [
        { item_id: widget.id, quantity_ordered: 10, quantity_received: 10 },
        { item_id: gadget.id, quantity_ordered: 4, quantity_received: 4 },
      ],
    });
    expect(await quantityOf(api, widget.id)).toBe(15);
    expect(await quantityOf(api, gadget.id)).toBe(4);
    expect((await ledger(api, widget.id)).map((t) => t.quantity_change)).toEqual([5, 4, 6]);
    expect((await ledger(api, gadget.id)).map((t) => t.quantity_change)).toEqual([4]);
  });

  it("replays a retried receive (Idempotency-Key) without receiving twice", async () => {
    const { company, api } = await setup();
    const { order, widget } = await orderForTwoItems(api, { status: "submitted" });
    const body = { line_items: [{ id: order.line_items[0]!.id, quantity: 3 }] };
    const headers = { "Idempotency-Key": "receive-once" };
    const first = await callJson("POST", `/v1/orders/${order.id}/receive`, { key: company.apiKey, body, headers });
    const retry = await callJson("POST", `/v1/orders/${order.id}/receive`, { key: company.apiKey, body, headers });
    expect(first.status).toBe(200);
    expect(retry.status).toBe(200);
    expect(retry.headers.get("Idempotent-Replayed")).toBe("true");
    expect(retry.body).toEqual(first.body);
    expect(await quantityOf(api, widget.id)).toBe(8);
  });

  it("answers an order without a body as JSON with a Request-Id", async () => {
    const { company, api } = await setup();
    const { order } = await orderForTwoItems(api, { status: "submitted" });
    const response = await call("POST", `/v1/orders/${order.id}/receive`, { key: company.apiKey });
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(response.headers.get("Request-Id")).toMatch(/^req_/);
    expectOrderShape(await response.json());
  });
});
