// An item as clients see it and send it: the public object (API answers, audit entries and
// snapshots all show this one shape) with its converter from the stored row, the request bodies
// that create and change one (the input types the database layer takes), and the rules of the
// trash. The OpenAPI document is generated from these.
import { z } from "@hono/zod-openapi";
import type { ItemRow } from "../db/schema.ts";
import { DAY_MS } from "../lib/clock.ts";
import { text } from "../lib/validation.ts";
import { MAX_QUANTITY } from "./stock.ts";

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

export type PublicItem = z.infer<typeof ItemSchema>;

/** The public object of an item row. */
export function toItem(
  row: Pick<ItemRow, "id" | "name" | "sku" | "quantity" | "location" | "barcode" | "reorderPoint" | "createdAt" | "updatedAt">,
): PublicItem {
  return {
    id: row.id,
    name: row.name,
    sku: row.sku,
    quantity: row.quantity,
    location: row.location,
    barcode: row.barcode,
    reorder_point: row.reorderPoint,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

const optional = { location: true, barcode: true, reorder_point: true } as const;

/** A new item: name and SKU, a starting quantity (0 unless given) and the optional fields. */
export const CreateItemBodySchema = ItemSchema.pick({ name: true, sku: true })
  .extend({
    quantity: ItemSchema.shape.quantity.default(0),
    ...ItemSchema.pick(optional).partial().shape,
  })
  .strict()
  .openapi("CreateItem");

/** Changes to an item: any of its fields, `null` clearing an optional one. */
export const UpdateItemBodySchema = CreateItemBodySchema.partial()
  .extend({ quantity: ItemSchema.shape.quantity.optional() })
  .strict()
  .openapi("UpdateItem");

export type NewItem = z.infer<typeof CreateItemBodySchema>;
export type ItemChanges = z.infer<typeof UpdateItemBodySchema>;

/** The fields a change can set directly; `quantity` changes through the ledger. */
export const EDITABLE = ["name", "sku", "location", "barcode", "reorder_point"] as const;

/** `{field: {from, to}}` for the fields `changes` sets to another value than `before` has. */
export function itemChanges(before: PublicItem, changes: ItemChanges): Record<string, { from: unknown; to: unknown }> {
  const changed: Record<string, { from: unknown; to: unknown }> = {};
  for (const field of [...EDITABLE, "quantity"] as const) {
    const to = changes[field];
    if (to !== undefined && to !== before[field]) changed[field] = { from: before[field], to };
  }
  return changed;
}

/** Trashed items can be restored for this long; then the daily job purges them. */
export const TRASH_DAYS = 30;

/** When an item deleted at `deletedAt` is purged for good. */
export function purgeAt(deletedAt: string): string {
  return new Date(Date.parse(deletedAt) + TRASH_DAYS * DAY_MS).toISOString();
}

/** Items deleted at or before this moment (`now` minus TRASH_DAYS) are past their purge date. */
export function trashCutoff(now: number): string {
  return new Date(now - TRASH_DAYS * DAY_MS).toISOString();
}

export const TrashedItemSchema = ItemSchema.extend({
  deleted_at: z.string().openapi({ example: "2025-02-01T09:00:00.000Z" }),
  purge_at: z
    .string()
    .openapi({ description: "When the item is purged for good (deleted_at + 30 days).", example: "2025-03-03T09:00:00.000Z" }),
}).openapi("TrashedItem");

/** The public object of a trashed item row: the item, when it was deleted and when it is purged. */
export function toTrashedItem(row: ItemRow): z.infer<typeof TrashedItemSchema> {
  const deletedAt = row.deletedAt ?? row.updatedAt;
  return { ...toItem(row), deleted_at: deletedAt, purge_at: purgeAt(deletedAt) };
}
