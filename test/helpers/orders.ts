import { expect } from "vitest";
import { createItem, ISO_UTC, type Api, type Item } from "./items.ts";

export const ORDER_ID = /^po_[0-9A-Za-z]{20,}$/;
export const LINE_ITEM_ID = /^li_[0-9A-Za-z]{20,}$/;
export const ORDER_NUMBER = /^PO-\d{6,}$/;
export const MISSING_ORDER = "po_Zz9Zz9Zz9Zz9Zz9Zz9Zz9Zz9";

export interface LineItem {
  id: string;
  item_id: string;
  quantity_ordered: number;
  quantity_received: number;
  unit_cost: number;
}

export interface Order {
  id: string;
  number: string;
  supplier: string;
  status: "draft" | "submitted" | "partially_received" | "received" | "cancelled";
  currency: string;
  expected_at: string | null;
  notes: string | null;
  line_items: LineItem[];
  total_cost: number;
  created_at: string;
  updated_at: string;
  submitted_at: string | null;
  received_at: string | null;
  cancelled_at: string | null;
}

export interface LineInput {
  item_id: string;
  quantity_ordered: number;
  unit_cost: number;
}

/** Creates an order through the API, asserts the 201 and returns it. */
export async function createOrder(api: Api, body: Record<string, unknown> & { line_items: LineInput[] }) {
  const response = await api.post("/v1/orders", { supplier: "Acme Supplies", ...body });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body as Order;
}

/** Two items (stock 5 and 0) and a draft order for 10 and 4 of them. */
export async function orderForTwoItems(api: Api, extra: Record<string, unknown> = {}) {
  const widget = await createItem(api, { name: "Widget", quantity: 5 });
  const gadget = await createItem(api, { name: "Gadget" });
  const order = await createOrder(api, {
    line_items: [
      { item_id: widget.id, quantity_ordered: 10, unit_cost: 250 },
      { item_id: gadget.id, quantity_ordered: 4, unit_cost: 1999 },
    ],
    ...extra,
  });
  return { widget, gadget, order };
}

/** Moves an order along the state machine through the API, asserting each step. */
export async function orderIn(api: Api, status: Order["status"]): Promise<{ order: Order; widget: Item; gadget: Item }> {
  const { widget, gadget, order } = await orderForTwoItems(api);
  const step = async (path: string, body?: unknown) => {
    const response = await api.post(`/v1/orders/${order.id}/${path}`, body);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return response.body as Order;
  };
  if (status === "draft") return { order, widget, gadget };
  if (status === "cancelled") return { order: await step("cancel"), widget, gadget };
  const submitted = await step("submit");
  if (status === "submitted") return { order: submitted, widget, gadget };
  if (status === "partially_received") {
    const line = submitted.line_items[0]!;
    return { order: await step("receive", { line_items: [{ id: line.id, quantity: 1 }] }), widget, gadget };
  }
  return { order: await step("receive"), widget, gadget };
}

/** Asserts that `order` has exactly the order object's fields, with the right types. */
export function expectOrderShape(order: unknown): void {
  expect(order).toEqual({
    id: expect.stringMatching(ORDER_ID),
    number: expect.stringMatching(ORDER_NUMBER),
    supplier: expect.any(String),
    status: expect.toBeOneOf(["draft", "submitted", "partially_received", "received", "cancelled"]),
    currency: expect.stringMatching(/^[A-Z]{3}$/),
    expected_at: expect.toBeOneOf([null, expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/)]),
    notes: expect.toBeOneOf([null, expect.any(String)]),
    line_items: expect.any(Array),
    total_cost: expect.any(Number),
    created_at: expect.stringMatching(ISO_UTC),
    updated_at: expect.stringMatching(ISO_UTC),
    submitted_at: expect.toBeOneOf([null, expect.stringMatching(ISO_UTC)]),
    received_at: expect.toBeOneOf([null, expect.stringMatching(ISO_UTC)]),
    cancelled_at: expect.toBeOneOf([null, expect.stringMatching(ISO_UTC)]),
  });
  for (const line of (order as Order).line_items) {
    expect(line).toEqual({
      id: expect.stringMatching(LINE_ITEM_ID),
      item_id: expect.any(String),
      quantity_ordered: expect.any(Number),
      quantity_received: expect.any(Number),
      unit_cost: expect.any(Number),
    });
  }
}
