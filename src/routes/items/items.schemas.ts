import { z } from "@hono/zod-openapi";
import { MAX_QUANTITY } from "../../domain/stock.ts";
import { purgeAt, toItem } from "../../db/items.ts";
import type { ItemRow } from "../../db/schema.ts";
import { PaginationQuerySchema } from "../../lib/pagination.ts";
import { text } from "../../lib/validation.ts";

export const ItemSchema = z
  .object({
    id: z.string().openapi({ example: "item_3hK9pQ2vX8mN4rT6wY1zB5cD" }),
    name: text().min(1).max(200).openapi({ example: "Widget Pro X" }),
    sku: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9._-]+$/, "may only contain letters, digits, '.', '_' and '-'.")
      .openapi({ description: "Unique among live items, case-insensitively.", example: "WPX-001" }),
    quantity: z.int().min(0).max(MAX_QUANTITY).openapi({ example: 248 }),
    location: text().max(100).nullable().openapi({ example: "Warehouse A" }),
    barcode: text()
      .min(1)
      .max(64)
      .nullable()
      .openapi({ description: "Unique among live items.", example: "012345678901" }),
    reorder_point: z
      .int()
      .min(0)
      .max(MAX_QUANTITY)
      .nullable()
      .openapi({ description: "Low stock when quantity falls below it.", example: 50 }),
    created_at: z.string().openapi({ example: "2025-01-15T10:30:00.000Z" }),
    updated_at: z.string().openapi({ example: "2025-01-20T14:22:00.000Z" }),
  })
  .openapi("Item");

export const TrashedItemSchema = ItemSchema.extend({
  deleted_at: z.string().openapi({ example: "2025-02-01T09:00:00.000Z" }),
  purge_at: z
    .string()
    .openapi({ description: "When the item is purged for good (deleted_at + 30 days).", example: "2025-03-03T09:00:00.000Z" }),
}).openapi("TrashedItem");

const optional = { location: true, barcode: true, reorder_point: true } as const;

export const CreateItemBodySchema = ItemSchema.pick({ name: true, sku: true })
  .extend({
    quantity: ItemSchema.shape.quantity.default(0),
    ...ItemSchema.pick(optional).partial().shape,
  })
  .strict()
  .openapi("CreateItem");

export const UpdateItemBodySchema = CreateItemBodySchema.partial()
  .extend({ quantity: ItemSchema.shape.quantity.optional() })
  .strict()
  .openapi("UpdateItem");

export const ListItemsQuerySchema = PaginationQuerySchema.extend({
  // Tabs and newlines around a pasted search are trimmed, not refused.
  search: text({ multiline: true }).max(100).optional().openapi({
    description: "Word-prefix match on name, prefix match on SKU, exact or prefix match on barcode.",
  }),
  location: text().max(100).optional().openapi({ description: "Exact location, case-insensitive." }),
  low_stock: z
    .enum(["true", "false", "1", "0"])
    .optional()
    .openapi({ description: "`true`: reorder_point set and quantity below it; `false`: the others." }),
}).strict();

export const ListTrashQuerySchema = PaginationQuerySchema.strict();

export const ItemIdParamsSchema = z.object({
  id: z.string().openapi({ param: { name: "id", in: "path" }, example: "item_3hK9pQ2vX8mN4rT6wY1zB5cD" }),
});

export function toTrashedItem(row: ItemRow): z.infer<typeof TrashedItemSchema> {
  const deletedAt = row.deletedAt ?? row.updatedAt;
  return { ...toItem(row), deleted_at: deletedAt, purge_at: purgeAt(deletedAt) };
}
