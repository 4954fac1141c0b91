// Events of purchase orders: each change's event holds the order (lines included) as answered.
import { describe, expect, it } from "vitest";
import { createCompany } from "../../helpers/factories.ts";
import { eventsOf } from "../../helpers/events.ts";
import { client } from "../../helpers/http.ts";
import { orderForTwoItems } from "../../helpers/orders.ts";

describe("order events", () => {
  it("created, updated, submitted, partially_received, received: each with the order as answered", async () => {
    const company = await createCompany("professional");
    const api = client(company.apiKey);
    const { order, widget } = await orderForTwoItems(api);
    const patched = await api.patch(`/v1/orders/${order.id}`, { notes: "Dock 3" });
    expect(patched.status).toBe(200);
    const submitted = await api.post(`/v1/orders/${order.id}/submit`);
    const line = submitted.body.line_items[0];
    const partial = await api.post(`/v1/orders/${order.id}/receive`, { line_items: [{ id: line.id, quantity: 4 }] });
    expect(partial.status).toBe(200);
    const received = await api.post(`/v1/orders/${order.id}/receive`);
    expect(received.status).toBe(200);

    const events = await eventsOf(api, "&type=order.*");
    expect(events.map((e) => e.type)).toEqual([
      "order.created",
      "order.updated",
      "order.submitted",
      "order.partially_received",
      "order.received",
    ]);
    expect(events[0].data).toEqual({ object: order, previous_attributes: null });
    expect(events[1].data).toEqual({ object: patched.body, previous_attributes: { notes: null, updated_at: order.updated_at } });
    expect(events[2].data).toEqual({
      object: submitted.body,
      previous_attributes: { status: "draft", submitted_at: null, updated_at: patched.body.updated_at },
    });
    expect(events[3].data.object).toEqual(partial.body);
    expect(events[3].data.previous_attributes).toEqual({
      status: "submitted",
      line_items: [{ id: line.id, item_id: widget.id, quantity_received: 0 }],
    });
    expect(events[4].data.object).toEqual(received.body);
    expect(events[4].data.previous_attributes.status).toBe("partially_received");

    // The receipts are ledger rows too, each with its transaction.created.
    const receipts = (await eventsOf(api, "&type=transaction.created")).filter((e) => e.data.object.order_id === order.id);
    expect(receipts.map((e) => e.data.object.quantity_change)).toEqual([4, 6, 4]);
  });

  it("cancelled", async () => {
    const company = await createCompany("professional");
    const api = client(company.apiKey);
    const { order } = await orderForTwoItems(api);
    const cancelled = await api.post(`/v1/orders/${order.id}/cancel`);
    expect(cancelled.status).toBe(200);
    const [event] = await eventsOf(api, "&type=order.cancelled");
    expect(event.data).toEqual({
      object: cancelled.body,
      previous_attributes: { status: "draft", cancelled_at: null, updated_at: order.updated_at },
    });
  });
});
