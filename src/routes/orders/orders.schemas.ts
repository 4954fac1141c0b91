import { z } from "@hono/zod-openapi";
import { MAX_QUANTITY } from "../../domain/stock.ts";
import { ORDER_STATUSES } from "../../db/schema.ts";
import { PaginationQuerySchema } from "../../lib/pagination.ts";
import { text } from "../../lib/validation.ts";

const MAX_UNIT_COST = 1_000_000_000_000;
const MAX_LINE_ITEMS = 100;

export const OrderLineItemSchema = z
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

export const LineItemInputSchema = OrderLineItemSchema.pick({ item_id: true, quantity_ordered: true, unit_cost: true })
  .strict()
  .openapi("OrderLineItemInput");

/** 1–100 lines, each item at most once, and a total that JSON numbers carry exactly. */
const LineItemsInputSchema = z
  .array(LineItemInputSchema)
  .min(1)
  .max(MAX_LINE_ITEMS)
  .superRefine((lines, ctx) => {
    const seen = new Set<string>();
    for (const [index, line] of lines.entries()) {
      if (seen.has(line.item_id)) {
        ctx.addIssue({ code: "custom", path: [index, "item_id"], message: "names an item already on the order." });
        return;
      }
      seen.add(line.item_id);
    }
    const total = lines.reduce((sum, line) => sum + line.quantity_ordered * line.unit_cost, 0);
    if (total > Number.MAX_SAFE_INTEGER) {
      ctx.addIssue({
        code: "custom",
        message: `would make the order's total cost larger than ${Number.MAX_SAFE_INTEGER}.`,
      });
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

export type CreateOrderBody = z.infer<typeof CreateOrderBodySchema>;

export const UpdateOrderBodySchema = CreateOrderBodySchema.omit({ status: true, currency: true, line_items: true })
  .partial()
  .extend({
    currency: OrderSchema.shape.currency.optional(),
    line_items: LineItemsInputSchema.optional().openapi({ description: "Replaces all lines (with new line ids)." }),
  })
  .strict()
  .openapi("UpdateOrder");

export const ReceiveOrderBodySchema = z
  .strictObject({
    line_items: z
      .array(
        z.strictObject({
          id: text().min(1).max(64).openapi({ description: "The line item's id.", example: "li_5tG7hJ9kL2mN4pQ6rS8tU0vW" }),
          quantity: z.int().min(1).max(MAX_QUANTITY).openapi({ example: 40 }),
        }),
      )
      .max(MAX_LINE_ITEMS)
      .superRefine((lines, ctx) => {
        const seen = new Set<string>();
        for (const [index, line] of lines.entries()) {
          if (seen.has(line.id)) {
            ctx.addIssue({ code: "custom", path: [index, "id"], message: "names a line item already listed." });
            return;
          }
          seen.add(line.id);
        }
      })
      .optional()
      .openapi({ description: "What arrived. Left out or empty: everything outstanding." }),
  })
  .openapi("ReceiveOrder");

export const ListOrdersQuerySchema = PaginationQuerySchema.extend({
  status: z.enum(ORDER_STATUSES).optional(),
  item_id: text().max(64).optional().openapi({ description: "Only orders with a line for this item." }),
  supplier: text().max(200).optional().openapi({ description: "Exact supplier name, case-insensitive." }),
}).strict();

export const OrderIdParamsSchema = z.object({
  id: z.string().openapi({ param: { name: "id", in: "path" }, example: "po_7Ab3Cd5Ef7Gh9Ij1Kl3Mn5Op" }),
});
