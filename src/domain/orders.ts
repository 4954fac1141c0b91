// A purchase order as clients see it and send it: the public object with its converter from the
// stored rows, the request bodies that create, change and receive it (the input types the database
// layer takes), and the rules of its line items. The OpenAPI document is generated from these.
import { z } from "@hono/zod-openapi";
import type { OrderLineItemRow, OrderRow } from "../db/schema.ts";
import { text } from "../lib/validation.ts";
import { ORDER_STATUSES } from "./order-status.ts";
import { MAX_QUANTITY } from "./stock.ts";

/** An order has 1 to this many line items, and a receipt names at most this many. */
const MAX_LINE_ITEMS = 100;
const MAX_UNIT_COST = 1_000_000_000_000;
/** No order costs more than JSON numbers carry exactly. */
const MAX_TOTAL_COST = Number.MAX_SAFE_INTEGER;

/** Sum of quantity_ordered × unit_cost over the lines, in minor units. */
export function totalCost(lines: readonly { quantity_ordered: number; unit_cost: number }[]): number {
  return lines.reduce((sum, line) => sum + line.quantity_ordered * line.unit_cost, 0);
}

/** The index of the first entry whose key an earlier entry has, or -1: "each at most once". */
export function firstRepeat<T>(entries: readonly T[], key: (entry: T) => string): number {
  const seen = new Set<string>();
  for (const [index, entry] of entries.entries()) {
    if (seen.has(key(entry))) return index;
    seen.add(key(entry));
  }
  return -1;
}

/** `PO-000001`: the company's order count, wider once a company passes 999,999 orders. */
export function orderNumber(number: number): string {
  return `PO-${String(number).padStart(6, "0")}`;
}

const OrderLineItemSchema = z
  .object({
    id: z.string().openapi({ example: "li_5tG7hJ9kL2mN4pQ6rS8tU0vW" }),
    item_id: text().min(1).max(64).openapi({ example: "item_3hK9pQ2vX8mN4rT6wY1zB5cD" }),
    quantity_ordered: z.int().min(1).max(MAX_QUANTITY).openapi({ example: 100 }),
    quantity_received: z.int().min(0).max(MAX_QUANTITY).openapi({ example: 40 }),
    unit_cost: z
      .int()
      .min(0)
      .max(MAX_UNIT_COST)
      .openapi({ description: "Integer minor units of the order's currency (cents for USD).", example: 1250 }),
  })
  .openapi("OrderLineItem");

export const OrderSchema = z
  .object({
    id: z.string().openapi({ example: "po_7Ab3Cd5Ef7Gh9Ij1Kl3Mn5Op" }),
    number: z.string().openapi({ description: "Per company, consecutive.", example: "PO-000042" }),
    supplier: text().min(1).max(200).openapi({ example: "Acme Supplies" }),
    status: z.enum(ORDER_STATUSES).openapi({
      description: "`draft → submitted → partially_received → received`; `cancelled` from `draft` or `submitted`.",
    }),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, "must be a three-letter ISO 4217 currency code in capitals, such as USD.")
      .openapi({ description: "ISO 4217 code.", example: "USD" }),
    expected_at: z.iso.date("must be a date such as 2025-02-01.").nullable().openapi({ example: "2025-02-01" }),
    notes: text({ multiline: true }).max(2000).nullable().openapi({ example: "Deliver to dock 3." }),
    line_items: z.array(OrderLineItemSchema),
    total_cost: z.int().openapi({
      description: "Sum of quantity_ordered × unit_cost over the lines, in minor units.",
      example: 125000,
    }),
    created_at: z.string().openapi({ example: "2025-01-15T10:30:00.000Z" }),
    updated_at: z.string().openapi({ example: "2025-01-20T14:22:00.000Z" }),
    submitted_at: z.string().nullable().openapi({ example: "2025-01-15T11:00:00.000Z" }),
    received_at: z.string().nullable().openapi({ description: "When the last outstanding unit was received." }),
    cancelled_at: z.string().nullable(),
  })
  .openapi("Order");

export type Order = z.infer<typeof OrderSchema>;
export type LineItem = z.infer<typeof OrderLineItemSchema>;

export function toLineItem(
  row: Pick<OrderLineItemRow, "id" | "itemId" | "quantityOrdered" | "quantityReceived" | "unitCost">,
): LineItem {
  return {
    id: row.id,
    item_id: row.itemId,
    quantity_ordered: row.quantityOrdered,
    quantity_received: row.quantityReceived,
    unit_cost: row.unitCost,
  };
}

/** The public representation of an order and its lines: API responses and audit entries. */
export function toOrder(row: OrderRow, lines: readonly OrderLineItemRow[]): Order {
  const lineItems = lines.map(toLineItem);
  return {
    id: row.id,
    number: orderNumber(row.number),
    supplier: row.supplier,
    status: row.status,
    currency: row.currency,
    expected_at: row.expectedAt,
    notes: row.notes,
    line_items: lineItems,
    total_cost: totalCost(lineItems),
    created_at: row.createdAt,
    updated_at: row.updatedAt,
    submitted_at: row.submittedAt,
    received_at: row.receivedAt,
    cancelled_at: row.cancelledAt,
  };
}

const LineItemInputSchema = OrderLineItemSchema.pick({ item_id: true, quantity_ordered: true, unit_cost: true })
  .strict()
  .openapi("OrderLineItemInput");

/** 1–100 lines, each item at most once, and a total that JSON numbers carry exactly. */
const LineItemsInputSchema = z
  .array(LineItemInputSchema)
  .min(1)
  .max(MAX_LINE_ITEMS)
  .superRefine((lines, ctx) => {
    const repeat = firstRepeat(lines, (line) => line.item_id);
    if (repeat >= 0) {
      ctx.addIssue({ code: "custom", path: [repeat, "item_id"], message: "names an item already on the order." });
      return;
    }
    if (totalCost(lines) > MAX_TOTAL_COST) {
      ctx.addIssue({ code: "custom", message: `would make the order's total cost larger than ${MAX_TOTAL_COST}.` });
    }
  });

const optional = { expected_at: true, notes: true } as const;

export const CreateOrderBodySchema = OrderSchema.pick({ supplier: true })
  .extend({
    status: z
      .enum(["draft", "submitted"])
      .default("draft")
      .openapi({ description: "Create as a draft (default) or submitted straight away." }),
    currency: OrderSchema.shape.currency.default("USD"),
    ...OrderSchema.pick(optional).partial().shape,
    line_items: LineItemsInputSchema,
  })
  .strict()
  .openapi("CreateOrder");

export const UpdateOrderBodySchema = CreateOrderBodySchema.omit({ status: true, currency: true, line_items: true })
  .partial()
  .extend({
    currency: OrderSchema.shape.currency.optional(),
    line_items: LineItemsInputSchema.optional().openapi({ description: "Replaces all lines (with new line ids)." }),
  })
  .strict()
  .openapi("UpdateOrder");

/** A line to receive: the line item's id and how many arrived (at least 1). */
const ReceiptSchema = z.strictObject({
  id: text().min(1).max(64).openapi({ description: "The line item's id.", example: "li_5tG7hJ9kL2mN4pQ6rS8tU0vW" }),
  quantity: z.int().min(1).max(MAX_QUANTITY).openapi({ example: 40 }),
});

export const ReceiveOrderBodySchema = z
  .strictObject({
    line_items: z
      .array(ReceiptSchema)
      .max(MAX_LINE_ITEMS)
      .superRefine((receipts, ctx) => {
        const repeat = firstRepeat(receipts, (receipt) => receipt.id);
        if (repeat >= 0) ctx.addIssue({ code: "custom", path: [repeat, "id"], message: "names a line item already listed." });
      })
      .optional()
      .openapi({ description: "What arrived. Left out or empty: everything outstanding." }),
  })
  .openapi("ReceiveOrder");

export type LineItemInput = z.infer<typeof LineItemInputSchema>;
export type OrderInput = z.infer<typeof CreateOrderBodySchema>;
export type OrderChanges = z.infer<typeof UpdateOrderBodySchema>;
export type Receipt = z.infer<typeof ReceiptSchema>;

/** An audit entry's changes: `{field: {from, to}}`. */
type FieldChanges = Record<string, { from: unknown; to: unknown }>;

const EDITABLE = ["supplier", "currency", "expected_at", "notes"] as const;

const sameLine = (a: LineItemInput, b: LineItemInput) =>
  a.item_id === b.item_id && a.quantity_ordered === b.quantity_ordered && a.unit_cost === b.unit_cost;

/**
 * What an edit of a draft changes: each field sent with another value than the order has, and the
 * lines that replace the order's, unless they are the same lines already (same items, quantities
 * and costs, in the same order). Nothing changed: no fields and no lines.
 */
export function draftChanges(before: Order, changes: OrderChanges): { fields: FieldChanges; lines: LineItemInput[] | null } {
  const fields: FieldChanges = {};
  for (const field of EDITABLE) {
    const to = changes[field];
    if (to !== undefined && to !== before[field]) fields[field] = { from: before[field], to };
  }
  const sent = changes.line_items;
  const same = sent !== undefined && sent.length === before.line_items.length && sent.every((line, i) => sameLine(line, before.line_items[i]!));
  return { fields, lines: sent === undefined || same ? null : sent };
}
