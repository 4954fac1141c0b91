import { describe, expect, it } from "vitest";
import { createCompany } from "../../helpers/factories.ts";
import { callJson, client, expectApiError } from "../../helpers/http.ts";
import { createItem, type Api } from "../../helpers/items.ts";
import { createOrder, MISSING_ORDER, orderForTwoItems, orderIn } from "../../helpers/orders.ts";

async function setup() {
  const company = await createCompany("enterprise");
  const api = client(company.apiKey);
  const widget = await createItem(api, { name: "Widget" });
  const gadget = await createItem(api, { name: "Gadget" });
  return { company, api, widget, gadget };
}

async function orderCount(api: Api): Promise<number> {
  const response = await api.get("/v1/orders");
  expect(response.status).toBe(200);
  return response.body.pagination.total;
}

describe("POST /v1/orders validation", () => {
  const line = (item_id: string, extra: Record<string, unknown> = {}) => ({ item_id, quantity_ordered: 1, unit_cost: 100, ...extra });
  const cases: [string, (w: string, g: string) => Record<string, unknown>, string | null][] = [
    ["a missing supplier", (w) => ({ line_items: [line(w)] }), "supplier"],
    ["an empty supplier", (w) => ({ supplier: "", line_items: [line(w)] }), "supplier"],
    ["a supplier of 201 characters", (w) => ({ supplier: "s".repeat(201), line_items: [line(w)] }), "supplier"],
    ["missing line_items", () => ({ supplier: "Acme" }), "line_items"],
    ["no line items", () => ({ supplier: "Acme", line_items: [] }), "line_items"],
    ["101 line items", (w) => ({ supplier: "Acme", line_items: Array.from({ length: 101 }, () => line(w)) }), "line_items"],
    ["a zero quantity_ordered", (w, g) => ({ supplier: "Acme", line_items: [line(w), line(g, { quantity_ordered: 0 })] }), "line_items[1].quantity_ordered"],
    ["a negative quantity_ordered", (w, g) => ({ supplier: "Acme", line_items: [line(w), line(g, { quantity_ordered: -2 })] }), "line_items[1].quantity_ordered"],
    ["a fractional quantity_ordered", (w) => ({ supplier: "Acme", line_items: [line(w, { quantity_ordered: 1.5 })] }), "line_items[0].quantity_ordered"],
    ["a quantity_ordered as a string", (w) => ({ supplier: "Acme", line_items: [line(w, { quantity_ordered: "3" })] }), "line_items[0].quantity_ordered"],
    ["a missing quantity_ordered", (w) => ({ supplier: "Acme", line_items: [{ item_id: w, unit_cost: 1 }] }), "line_items[0].quantity_ordered"],
    ["a negative unit_cost", (w, g) => ({ supplier: "Acme", line_items: [line(w), line(g, { unit_cost: -1 })] }), "line_items[1].unit_cost"],
    ["a fractional unit_cost", (w) => ({ supplier: "Acme", line_items: [line(w, { unit_cost: 9.99 })] }), "line_items[0].unit_cost"],
    ["a missing unit_cost", (w) => ({ supplier: "Acme", line_items: [{ item_id: w, quantity_ordered: 1 }] }), "line_items[0].unit_cost"],
    ["a missing item_id", () => ({ supplier: "Acme", line_items: [{ quantity_ordered: 1, unit_cost: 1 }] }), "line_items[0].item_id"],
    ["an item twice", (w, g) => ({ supplier: "Acme", line_items: [line(w), line(g), line(w)] }), "line_items[2].item_id"],
    ["an unknown line field", (w) => ({ supplier: "Acme", line_items: [line(w, { quantity_received: 1 })] }), "line_items[0].quantity_received"],
    ["a line id", (w) => ({ supplier: "Acme", line_items: [line(w, { id: "li_mine" })] }), "line_items[0].id"],
    ["a lowercase currency", (w) => ({ supplier: "Acme", currency: "usd", line_items: [line(w)] }), "currency"],
    ["a four-letter currency", (w) => ({ supplier: "Acme", currency: "USDT", line_items: [line(w)] }), "currency"],
    ["a null currency", (w) => ({ supplier: "Acme", currency: null, line_items: [line(w)] }), "currency"],
    ["an expected_at that is a timestamp", (w) => ({ supplier: "Acme", expected_at: "2025-03-01T00:00:00Z", line_items: [line(w)] }), "expected_at"],
    ["an expected_at that is no date", (w) => ({ supplier: "Acme", expected_at: "2025-02-30", line_items: [line(w)] }), "expected_at"],
    ["notes of 2001 characters", (w) => ({ supplier: "Acme", notes: "n".repeat(2001), line_items: [line(w)] }), "notes"],
    ["status received", (w) => ({ supplier: "Acme", status: "received", line_items: [line(w)] }), "status"],
    ["status cancelled", (w) => ({ supplier: "Acme", status: "cancelled", line_items: [line(w)] }), "status"],
    ["an unknown field number", (w) => ({ supplier: "Acme", number: "PO-999999", line_items: [line(w)] }), "number"],
    ["an unknown field id", (w) => ({ supplier: "Acme", id: "po_mine", line_items: [line(w)] }), "id"],
    ["an unknown field total_cost", (w) => ({ supplier: "Acme", total_cost: 0, line_items: [line(w)] }), "total_cost"],
    ["an unknown field submitted_at", (w) => ({ supplier: "Acme", submitted_at: "2025-01-01T00:00:00Z", line_items: [line(w)] }), "submitted_at"],
    [
      "a total beyond what JSON numbers carry exactly",
      (w, g) => ({
        supplier: "Acme",
        line_items: [line(w, { quantity_ordered: 1_000_000_000, unit_cost: 5_000_000 }), line(g, { quantity_ordered: 1_000_000_000, unit_cost: 5_000_000 })],
      }),
      "line_items",
    ],
  ];

  it.each(cases)("rejects %s with 400 invalid_request naming the field", async (_, body, field) => {
    const { api, widget, gadget } = await setup();
    const response = await api.post("/v1/orders", body(widget.id, gadget.id));
    expectApiError(response, 400, "invalid_request", field);
    expect(await orderCount(api)).toBe(0);
  });

  it("says which field and what is wrong in the message", async () => {
    const { api, widget, gadget } = await setup();
    const response = await api.post("/v1/orders", {
      supplier: "Acme",
      line_items: [line(widget.id), line(gadget.id, { quantity_ordered: 0 })],
    });
    expect(response.body.error.message).toBe("The 'line_items[1].quantity_ordered' field must be at least 1.");
    const duplicate = await api.post("/v1/orders", { supplier: "Acme", line_items: [line(widget.id), line(widget.id)] });
    expect(duplicate.body.error.message).toBe("The 'line_items[1].item_id' field names an item already on the order.");
  });

  it("answers 404 naming the line whose item is unknown or in the trash, and uses no number", async () => {
    const { api, widget, gadget } = await setup();
    const missing = await api.post("/v1/orders", {
      supplier: "Acme",
      line_items: [line(widget.id), line("item_doesnotexist0000000000")],
    });
    expectApiError(missing, 404, "not_found", "line_items[1].item_id");
    expect(missing.body.error.message).toContain("item_doesnotexist0000000000");

    expect((await api.delete(`/v1/items/${gadget.id}`)).status).toBe(204);
    const trashed = await api.post("/v1/orders", { supplier: "Acme", line_items: [line(gadget.id), line(widget.id)] });
    expectApiError(trashed, 404, "not_found", "line_items[0].item_id");

    expect(await orderCount(api)).toBe(0);
    // The failed attempts took no number.
    expect((await createOrder(api, { line_items: [line(widget.id)] })).number).toBe("PO-000001");
  });

  it("answers 404 for another company's item", async () => {
    const { api } = await setup();
    const other = client((await createCompany()).apiKey);
    const theirs = await createItem(other);
    expectApiError(await api.post("/v1/orders", { supplier: "Acme", line_items: [line(theirs.id)] }), 404, "not_found", "line_items[0].item_id");
  });

  it("rejects a body that is not JSON, or not an object", async () => {
    const { company, api } = await setup();
    expectApiError(await callJson("POST", "/v1/orders", { key: company.apiKey, body: "{\"supplier\": " }), 400, "invalid_json", null);
    expectApiError(await api.post("/v1/orders", ["Acme"]), 400, "invalid_request", null);
    const plain = await callJson("POST", "/v1/orders", { key: company.apiKey, body: "{}", headers: { "Content-Type": "text/plain" } });
    expectApiError(plain, 415, "unsupported_media_type", null);
  });
});

describe("PATCH /v1/orders/:id validation", () => {
  it.each([
    ["status", { status: "submitted" }, "status"],
    ["number", { number: "PO-000009" }, "number"],
    ["an empty line_items list", { line_items: [] }, "line_items"],
    ["a bad line", { line_items: [{ item_id: "x", quantity_ordered: 1, unit_cost: -5 }] }, "line_items[0].unit_cost"],
    ["a null supplier", { supplier: null }, "supplier"],
    ["a bad currency", { currency: "eur" }, "currency"],
  ])("rejects %s with 400 naming the field, and changes nothing", async (_, body, field) => {
    const { api } = await setup();
    const { order } = await orderForTwoItems(api);
    expectApiError(await api.patch(`/v1/orders/${order.id}`, body), 400, "invalid_request", field);
    expect((await api.get(`/v1/orders/${order.id}`)).body).toEqual(order);
  });

  it("answers 404 naming the line whose new item is in the trash, and keeps the old lines", async () => {
    const { api, gadget } = await setup();
    const { order } = await orderForTwoItems(api);
    expect((await api.delete(`/v1/items/${gadget.id}`)).status).toBe(204);
    const response = await api.patch(`/v1/orders/${order.id}`, {
      line_items: [{ item_id: gadget.id, quantity_ordered: 1, unit_cost: 1 }],
    });
    expectApiError(response, 404, "not_found", "line_items[0].item_id");
    expect((await api.get(`/v1/orders/${order.id}`)).body).toEqual(order);
  });

  it("answers 404 for an unknown order", async () => {
    const { api } = await setup();
    expectApiError(await api.patch(`/v1/orders/${MISSING_ORDER}`, { notes: "x" }), 404, "not_found", "id");
  });
});

describe("POST /v1/orders/:id/receive errors", () => {
  it("refuses to receive more than is outstanding (409), naming the line, and changes nothing", async () => {
    const { api } = await setup();
    const { order, widget, gadget } = await orderIn(api, "partially_received");
    const [widgetLine, gadgetLine] = order.line_items;
    // 1 of 10 widgets is in: 9 are outstanding.
    const response = await api.post(`/v1/orders/${order.id}/receive`, {
      line_items: [
        { id: gadgetLine!.id, quantity: 4 },
        { id: widgetLine!.id, quantity: 10 },
      ],
    });
    expectApiError(response, 409, "invalid_state", "line_items[1].quantity");
    expect(response.body.error.message).toBe(
      `Line item '${widgetLine!.id}' has 9 of 10 outstanding; 10 cannot be received.`,
    );
    expect((await api.get(`/v1/orders/${order.id}`)).body).toEqual(order);
    expect((await api.get(`/v1/items/${widget.id}`)).body.quantity).toBe(6);
    expect((await api.get(`/v1/items/${gadget.id}`)).body.quantity).toBe(0);
    expect((await api.get(`/v1/transactions?item_id=${gadget.id}`)).body.data).toEqual([]);
  });

  it("refuses to receive into a trashed item (409), and receives nothing of the other lines", async () => {
    const { api } = await setup();
    const { order, widget, gadget } = await orderIn(api, "submitted");
    expect((await api.delete(`/v1/items/${gadget.id}`)).status).toBe(204);
    const auditBefore = (await api.get("/v1/audit_log")).body.pagination.total;

    const all = await api.post(`/v1/orders/${order.id}/receive`);
    expectApiError(all, 409, "invalid_state", null);
    expect(all.body.error.message).toContain(gadget.id);
    expect(all.body.error.message).toContain("trash");

    const named = await api.post(`/v1/orders/${order.id}/receive`, {
      line_items: [
        { id: order.line_items[0]!.id, quantity: 2 },
        { id: order.line_items[1]!.id, quantity: 2 },
      ],
    });
    expectApiError(named, 409, "invalid_state", "line_items[1].id");

    expect((await api.get(`/v1/orders/${order.id}`)).body).toEqual(order);
    expect((await api.get(`/v1/items/${widget.id}`)).body.quantity).toBe(5);
    expect((await api.get(`/v1/audit_log`)).body.pagination.total).toBe(auditBefore);

    // Restored, it can be received.
    expect((await api.post(`/v1/items/${gadget.id}/restore`)).status).toBe(200);
    const received = await api.post(`/v1/orders/${order.id}/receive`);
    expect(received.status).toBe(200);
    expect(received.body.status).toBe("received");
    expect((await api.get(`/v1/items/${gadget.id}`)).body.quantity).toBe(4);
  });

  it("answers 404 for a line id that is not on the order", async () => {
    const { api } = await setup();
    const { order } = await orderIn(api, "submitted");
    const { order: other } = await orderIn(api, "submitted");
    const response = await api.post(`/v1/orders/${order.id}/receive`, {
      line_items: [{ id: other.line_items[0]!.id, quantity: 1 }],
    });
    expectApiError(response, 404, "not_found", "line_items[0].id");
    expect((await api.get(`/v1/orders/${order.id}`)).body).toEqual(order);
  });

  it.each([
    ["a zero quantity", (id: string) => ({ line_items: [{ id, quantity: 0 }] }), "line_items[0].quantity"],
    ["a negative quantity", (id: string) => ({ line_items: [{ id, quantity: -1 }] }), "line_items[0].quantity"],
    ["a fractional quantity", (id: string) => ({ line_items: [{ id, quantity: 0.5 }] }), "line_items[0].quantity"],
    ["a missing quantity", (id: string) => ({ line_items: [{ id }] }), "line_items[0].quantity"],
    ["a missing id", () => ({ line_items: [{ quantity: 1 }] }), "line_items[0].id"],
    ["a line twice", (id: string) => ({ line_items: [{ id, quantity: 1 }, { id, quantity: 1 }] }), "line_items[1].id"],
    ["item_id instead of id", (id: string) => ({ line_items: [{ id, item_id: "x", quantity: 1 }] }), "line_items[0].item_id"],
    ["an unknown field", () => ({ all: true }), "all"],
    ["line_items that is not a list", () => ({ line_items: "all" }), "line_items"],
  ])("rejects %s with 400 naming the field", async (_, body, field) => {
    const { api } = await setup();
    const { order } = await orderIn(api, "submitted");
    const response = await api.post(`/v1/orders/${order.id}/receive`, body(order.line_items[0]!.id));
    expectApiError(response, 400, "invalid_request", field);
    expect((await api.get(`/v1/orders/${order.id}`)).body).toEqual(order);
  });

  it("answers 404 for an unknown order on every action", async () => {
    const { api } = await setup();
    for (const action of ["submit", "cancel", "receive"]) {
      expectApiError(await api.post(`/v1/orders/${MISSING_ORDER}/${action}`), 404, "not_found", "id");
    }
    expectApiError(await api.get(`/v1/orders/${MISSING_ORDER}`), 404, "not_found", "id");
  });
});

describe("GET /v1/orders query validation", () => {
  it.each([
    ["status=open", "status"],
    ["limit=0", "limit"],
    ["limit=101", "limit"],
    ["offset=-1", "offset"],
    ["supplier=" + "s".repeat(201), "supplier"],
    ["vendor=Acme", "vendor"],
  ])("rejects ?%s with 400 naming the parameter", async (query, field) => {
    const { api } = await setup();
    expectApiError(await api.get(`/v1/orders?${query}`), 400, "invalid_request", field);
  });
});
