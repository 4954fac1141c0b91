// A transaction (a row of the stock ledger) as clients see it and send it: the public object with
// its converter from the stored row, the request bodies that record one or a batch, and what a
// recorded transaction means as a movement of stock. The OpenAPI document is generated from these.
import { z } from "@hono/zod-openapi";
import { ADJUST_REASONS, TRANSACTION_TYPES, type TransactionRow } from "../db/schema.ts";
import { text } from "../lib/validation.ts";
import { MAX_QUANTITY, type Movement } from "./stock.ts";

export const TransactionSchema = z
  .object({
    id: z.string().openapi({ example: "txn_8Hq2LmN4pR6sT9vW1xY3zA5b" }),
    item_id: z.string().openapi({ example: "item_3hK9pQ2vX8mN4rT6wY1zB5cD" }),
    type: z.enum(TRANSACTION_TYPES),
    quantity_change: z.int().openapi({ example: -3 }),
    quantity_before: z.int().openapi({ example: 248 }),
    quantity_after: z.int().openapi({ example: 245 }),
    reason: z.enum(ADJUST_REASONS).nullable(),
    note: z.string().nullable(),
    reference: z.string().nullable().openapi({ example: "SO-1042" }),
    order_id: z.string().nullable(),
    user_id: z.string(),
    created_at: z.string().openapi({ example: "2025-01-20T14:22:00.000Z" }),
  })
  .openapi("Transaction");

export type Transaction = z.infer<typeof TransactionSchema>;

/** The public object of a ledger row. */
export function toTransaction(row: TransactionRow): Transaction {
  return {
    id: row.id,
    item_id: row.itemId,
    type: row.type,
    quantity_change: row.quantityChange,
    quantity_before: row.quantityBefore,
    quantity_after: row.quantityAfter,
    reason: row.reason,
    note: row.note,
    reference: row.reference,
    order_id: row.orderId,
    user_id: row.userId,
    created_at: row.createdAt,
  };
}

/** The types a client records; `initial` and `restore` come from item creation and restores. */
const CLIENT_TYPES = ["receive", "issue", "adjust", "count"] as const;

export const CreateTransactionBodySchema = z
  .strictObject({
    item_id: text().min(1).max(64),
    type: z.enum(CLIENT_TYPES).openapi({
      description:
        "`receive`/`issue`: `quantity` > 0 is added/removed; `adjust`: signed non-zero change with a `reason`; `count`: `quantity` ≥ 0 is the counted stock.",
    }),
    quantity: z.int().min(-MAX_QUANTITY).max(MAX_QUANTITY),
    reason: z.enum(ADJUST_REASONS).nullish().openapi({ description: "Required for `adjust`." }),
    note: text({ multiline: true }).max(500).nullish(),
    reference: text().max(200).nullish(),
    expected_quantity: z
      .int()
      .min(0)
      .max(MAX_QUANTITY)
      .nullish()
      .openapi({ description: "Compare-and-set: `409 quantity_conflict` unless the item has exactly this quantity." }),
  })
  .superRefine((body, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
    if ((body.type === "receive" || body.type === "issue") && body.quantity <= 0) {
      issue("quantity", `must be a positive integer for ${body.type}.`);
    }
    if (body.type === "adjust" && body.quantity === 0) issue("quantity", "must not be 0 for adjust.");
    if (body.type === "count" && body.quantity < 0) issue("quantity", "must be 0 or more for count.");
    if (body.type === "adjust" && !body.reason) issue("reason", "is required for adjust.");
  })
  .openapi("CreateTransaction");

export type NewTransaction = z.infer<typeof CreateTransactionBodySchema>;

export const BatchTransactionsBodySchema = z
  .strictObject({ transactions: z.array(CreateTransactionBodySchema).min(1).max(100) })
  .openapi("BatchTransactions");

export const TransactionListSchema = z.object({ data: z.array(TransactionSchema) });

/** A transaction as a movement of stock: `issue` removes its quantity, `count` sets the level. */
export function toMovement(body: NewTransaction): Movement {
  const common = {
    itemId: body.item_id,
    type: body.type,
    reason: body.reason,
    note: body.note,
    reference: body.reference,
    expectedQuantity: body.expected_quantity,
  };
  if (body.type === "count") return { ...common, level: body.quantity };
  return { ...common, change: body.type === "issue" ? -body.quantity : body.quantity };
}
