// One way to read a page of a list, used by every list: filters, the list's order, offset or cursor
// paging and the total of all matches, in one D1 batch.
import { and, asc, count, desc, eq, sql, type SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { SQLiteColumn, SQLiteTable } from "drizzle-orm/sqlite-core";
import { DomainError } from "../domain/errors.ts";
import { pageCursor, type Page } from "../lib/pagination.ts";
import type { Database } from "./client.ts";

export interface ListQuery<T extends SQLiteTable> {
  table: T;
  /** The filters, company scope included. */
  where: SQL | undefined;
  /** The list's order, newest first: the sort column, then the id that breaks ties. */
  orderBy: readonly [SQLiteColumn, SQLiteColumn];
  /**
   * Where a cursor's object is looked up by its id in `table`: the company's objects of the list's
   * resource, whether or not they match `where` (a trashed item is a cursor for the live items).
   */
  cursorScope: SQL | undefined;
  /**
   * The rows are found from a small set of matches (a search), not by walking the list's index:
   * a cursor then only filters the matches, and must not lead SQLite to walk an index instead.
   */
  fromMatches?: boolean;
  /**
   * Counts the matches another way than `COUNT(*)` over `where` (a counter kept by triggers):
   * a query that answers one row with a numeric `total`.
   */
  total?: BatchItem<"sqlite">;
}

/** A page of a list: its rows in the list's order, the total of all matches, and whether more lie beyond. */
export interface ListResult<Row> {
  rows: Row[];
  total: number;
  /** More objects lie beyond the page in the direction of paging (newer ones for `ending_before`). */
  hasMore: boolean;
}

/**
 * The statements behind a page (exported so that tests can EXPLAIN them, and so that a list can
 * read more in the same batch) and `read`, which makes the page of their results.
 *
 * A cursor page is a keyset seek: the rows after the cursor's `(sort, id)` position, which the
 * row-value comparison lets SQLite find as a range of the list's index, at any depth. One row more
 * than the page is read to tell whether more lie beyond; `ending_before` reads towards the newer
 * rows (ascending) and `read` turns them back to newest first.
 */
export function listPageQueries<T extends SQLiteTable>(db: Database, query: ListQuery<T>, page: Page) {
  const [sortColumn, idColumn] = query.orderBy;
  const table = query.table as SQLiteTable;
  const cursor = pageCursor(page);
  const cursorObject = cursor && and(eq(idColumn, cursor.id), query.cursorScope);

  let rows;
  if (!cursor) {
    rows = db
      .select()
      .from(table)
      .where(query.where)
      .orderBy(desc(sortColumn), desc(idColumn))
      .limit(page.limit)
      .offset(page.offset ?? 0);
  } else {
    const older = cursor.field === "starting_after";
    const position = db.select({ sort: sortColumn, id: idColumn }).from(table).where(cursorObject);
    // The unary `+` keeps the comparison from being used as an index range.
    const place = query.fromMatches ? sql`(+${sortColumn}, +${idColumn})` : sql`(${sortColumn}, ${idColumn})`;
    const beyond = sql`${place} ${older ? sql`<` : sql`>`} ${position}`;
    rows = db
      .select()
      .from(table)
      .where(and(query.where, beyond))
      .orderBy(...(older ? [desc(sortColumn), desc(idColumn)] : [asc(sortColumn), asc(idColumn)]))
      .limit(page.limit + 1);
  }

  return {
    rows,
    total: query.total ?? db.select({ total: count() }).from(table).where(query.where),
    /** The cursor's object, looked up so that an unknown cursor is told from an empty page. */
    cursor: cursorObject && db.select({ id: idColumn }).from(table).where(cursorObject).limit(1),
    /** The page, from the results of `rows`, `total` and `cursor`; throws for an unknown cursor. */
    read(rowResults: unknown[], totalResults: unknown[], cursorResults?: unknown[]): ListResult<T["$inferSelect"]> {
      const found = rowResults as T["$inferSelect"][];
      const total = Number((totalResults as { total: number }[])[0]?.total ?? 0);
      if (!cursor) return { rows: found, total, hasMore: (page.offset ?? 0) + found.length < total };
      if (!cursorResults?.length) {
        throw new DomainError(
          "invalid_input",
          `The '${cursor.field}' query parameter must be the id of one of this list's objects; there is none with id '${cursor.id}'.`,
          { field: cursor.field },
        );
      }
      const kept = found.slice(0, page.limit);
      return {
        rows: cursor.field === "ending_before" ? kept.reverse() : kept,
        total,
        hasMore: found.length > page.limit,
      };
    },
  };
}

/** A page of rows of `query`, the total of all its matches and whether more lie beyond it. */
export async function listPage<T extends SQLiteTable>(
  db: Database,
  query: ListQuery<T>,
  page: Page,
): Promise<ListResult<T["$inferSelect"]>> {
  const statements = listPageQueries(db, query, page);
  const batch: [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]] = [statements.rows, statements.total];
  if (statements.cursor) batch.push(statements.cursor);
  const [rows, totals, cursor] = (await db.batch(batch)) as unknown[][];
  return statements.read(rows!, totals!, cursor);
}
