// The dashboard's reads around orders: the SKU and name of the items an order's lines name.
import { and, eq, inArray } from "drizzle-orm";
import type { Database } from "./client.ts";
import { items } from "./schema.ts";

/** SKU and name of each of these items of the company (trashed ones too: an old order names them). */
export async function itemLabels(db: Database, companyId: string, ids: string[]): Promise<Map<string, { sku: string; name: string }>> {
  const unique = [...new Set(ids)].slice(0, 100);
  if (unique.length === 0) return new Map();
  const rows = await db
    .select({ id: items.id, sku: items.sku, name: items.name })
    .from(items)
    .where(and(eq(items.companyId, companyId), inArray(items.id, unique)));
  return new Map(rows.map((row) => [row.id, { sku: row.sku, name: row.name }]));
}
