// Imports: their rows, and the item look-ups an import makes (live items by SKU).
import { and, eq, isNull, sql, type SQLWrapper } from "drizzle-orm";
import type { Page } from "../lib/pagination.ts";
import type { Database } from "./client.ts";
import { listPage } from "./list-page.ts";
import { imports, items, type ImportRow } from "./schema.ts";

export async function insertImport(db: Database, row: typeof imports.$inferInsert): Promise<ImportRow> {
  const [inserted] = await db.insert(imports).values(row).returning();
  return inserted!;
}

export async function findImport(db: Database, id: string): Promise<ImportRow | undefined> {
  const [row] = await db.select().from(imports).where(eq(imports.id, id)).limit(1);
  return row;
}

export async function findCompanyImport(db: Database, companyId: string, id: string): Promise<ImportRow | undefined> {
  const [row] = await db
    .select()
    .from(imports)
    .where(and(eq(imports.companyId, companyId), eq(imports.id, id)))
    .limit(1);
  return row;
}

export function updateImportStatement(db: Database, id: string, changes: Partial<ImportRow>): SQLWrapper {
  return db.update(imports).set(changes).where(eq(imports.id, id));
}

export function listImports(db: Database, companyId: string, page: Page) {
  return listPage(
    db,
    {
      table: imports,
      where: eq(imports.companyId, companyId),
      orderBy: [imports.createdAt, imports.id],
      cursorScope: eq(imports.companyId, companyId),
    },
    page,
  );
}

/** The ids of the company's live items with these SKU keys (lower case), by key; one statement. */
export async function liveItemIdsBySku(db: Database, companyId: string, keys: string[]): Promise<Map<string, string>> {
  if (keys.length === 0) return new Map();
  const rows = await db
    .select({ id: items.id, key: items.skuKey })
    .from(items)
    // One JSON parameter rather than one per key: D1 allows 100 bound parameters a statement.
    .where(and(eq(items.companyId, companyId), isNull(items.deletedAt), sql`${items.skuKey} IN (SELECT value FROM json_each(${JSON.stringify(keys)}))`));
  return new Map(rows.map((row) => [row.key!, row.id]));
}
