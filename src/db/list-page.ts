// One way to read a page of a list, used by every list: filters, the list's order, offset paging
// and the total of all matches, in one D1 batch. Cursors are a change to this module alone.
import { count, desc, type SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { SQLiteColumn, SQLiteTable } from "drizzle-orm/sqlite-core";
import type { Page } from "../lib/pagination.ts";
import type { Database } from "./client.ts";

export interface ListQuery<T extends SQLiteTable> {
  table: T;
  /** The filters, company scope included. */
  where: SQL | undefined;
  /** The list's order, newest first: the sort column, then the id that breaks ties. */
  orderBy: readonly [SQLiteColumn, SQLiteColumn];
  /**
   * Counts the matches another way than `COUNT(*)` over `where` (a counter kept by triggers):
   * a query that answers one row with a numeric `total`.
   */
  total?: BatchItem<"sqlite">;
}

/** The two statements behind a page (exported so that tests can EXPLAIN them). */
export function listPageQueries<T extends SQLiteTable>(db: Database, query: ListQuery<T>, page: Page) {
  const [sortColumn, idColumn] = query.orderBy;
  return {
    rows: db
      .select()
      .from(query.table as SQLiteTable)
      .where(query.where)
      .orderBy(desc(sortColumn), desc(idColumn))
      .limit(page.limit)
      .offset(page.offset),
    total: query.total ?? db.select({ total: count() }).from(query.table as SQLiteTable).where(query.where),
  };
}

/** A page of rows of `query` and the total of all its matches. */
export async function listPage<T extends SQLiteTable>(
  db: Database,
  query: ListQuery<T>,
  page: Page,
): Promise<{ rows: T["$inferSelect"][]; total: number }> {
  const statements = listPageQueries(db, query, page);
  const [rows, totals] = await db.batch([statements.rows, statements.total] as const);
  return { rows: rows as T["$inferSelect"][], total: Number((totals as { total: number }[])[0]?.total ?? 0) };
}
