// CSV exports read a list whole, a page at a time by cursor (an index seek at any depth), through
// the same query builders as the lists, so that an export takes exactly its list's filters.
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import type { Database } from "./client.ts";
import { liveItemsQuery, type ItemFilters } from "./items.ts";
import { listPageQueries, type ListQuery } from "./list-page.ts";
import type { ItemRow, TransactionRow } from "./schema.ts";
import { transactionsListQuery, type TransactionFilters } from "./transactions.ts";

/** Rows read per D1 call while exporting. */
export const EXPORT_PAGE = 500;

/** Every row of `query`, in the list's order, a page of `pageSize` at a time. */
async function* allPages<T extends SQLiteTable>(
  db: Database,
  query: ListQuery<T>,
  pageSize: number,
): AsyncGenerator<T["$inferSelect"][]> {
  let after: string | undefined;
  for (;;) {
    const statements = listPageQueries(db, query, { limit: pageSize, starting_after: after });
    // The cursor is the last row read, so it exists: only the rows statement is run.
    const rows = (await statements.rows) as (T["$inferSelect"] & { id: string })[];
    const page = after === undefined ? rows : rows.slice(0, pageSize);
    if (page.length > 0) yield page;
    if (after === undefined ? rows.length < pageSize : rows.length <= pageSize) return;
    after = page.at(-1)!.id;
  }
}

export function exportItemPages(db: Database, companyId: string, filters: ItemFilters, pageSize = EXPORT_PAGE): AsyncGenerator<ItemRow[]> {
  return allPages(db, liveItemsQuery(db, companyId, filters), pageSize);
}

export function exportTransactionPages(
  db: Database,
  companyId: string,
  filters: TransactionFilters,
  pageSize = EXPORT_PAGE,
): AsyncGenerator<TransactionRow[]> {
  return allPages(db, transactionsListQuery(companyId, filters), pageSize);
}
