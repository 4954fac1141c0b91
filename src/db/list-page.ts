// One way to read a page of a list, used by every list: filters, the list's order, offset or cursor
// paging and the total of all matches, in one D1 batch.
import { and, asc, count, desc, eq, sql, type SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { SQLiteColumn, SQLiteTable } from "drizzle-orm/sqlite-core";
import { DomainError } from "../domain/errors.ts";
import { pageCursor, type Page } from "../lib/pagination.ts";
import { fromDriverRow, runBatch, type Database } from "./client.ts";

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
 * The statements behind a page: `rows`, the page's rows alone (exported so that tests can EXPLAIN
 * it, exports can page with it and a list can read more about the page in the same batch), and
 * `page`, the one statement a list runs, which answers the page's rows together with the total of
 * all matches and, for a cursor page, whether the cursor's object exists; `read` makes the page of
 * its results.
 *
 * A cursor page is a keyset seek: the rows after the cursor's `(sort, id)` position, which the
 * row-value comparison lets SQLite find as a range of the list's index, at any depth. One row more
 * than the page is read to tell whether more lie beyond; `ending_before` reads towards the newer
 * rows (ascending) and `read` turns them back to newest first.
 *
 * One statement rather than three (rows, total, cursor), since every statement costs a round of
 * its own: `page` always answers at least one row, which carries the total in `__total` (and the
 * cursor's id in `__cursor`) even when the page is empty (then its columns are NULL). A search
 * (`fromMatches`) finds its matches once, into a materialized set that both the total and the
 * page are read from.
 */
export function listPageQueries<T extends SQLiteTable>(db: Database, query: ListQuery<T>, page: Page) {
  const [sortColumn, idColumn] = query.orderBy;
  const table = query.table as SQLiteTable;
  const cursor = pageCursor(page);
  const cursorObject = cursor && and(eq(idColumn, cursor.id), query.cursorScope);
  const older = cursor?.field !== "ending_before";
  const direction = older ? sql`DESC` : sql`ASC`;
  const position = cursorObject && db.select({ sort: sortColumn, id: idColumn }).from(table).where(cursorObject);

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
    // The unary `+` keeps the comparison from being used as an index range.
    const place = query.fromMatches ? sql`(+${sortColumn}, +${idColumn})` : sql`(${sortColumn}, ${idColumn})`;
    rows = db
      .select()
      .from(table)
      .where(and(query.where, sql`${place} ${older ? sql`<` : sql`>`} ${position}`))
      .orderBy(...(older ? [desc(sortColumn), desc(idColumn)] : [asc(sortColumn), asc(idColumn)]))
      .limit(page.limit + 1);
  }

  // The aliases start with `list_`, so that a plan's steps name them apart from the tables.
  const sort = sql.identifier(sortColumn.name);
  const id = sql.identifier(idColumn.name);
  const cursorJoin = cursorObject
    ? sql`LEFT JOIN (${db.select({ id: idColumn }).from(table).where(cursorObject).limit(1)}) list_cursor ON 1`
    : sql``;
  const cursorColumn = cursorObject ? sql`, list_cursor.id AS __cursor` : sql``;
  const pageCondition = cursorObject ? sql`list_cursor.id IS NOT NULL` : sql`1`;
  let statement: SQL;
  if (!query.fromMatches) {
    const total = query.total ?? db.select({ total: count() }).from(table).where(query.where);
    statement = sql`
      SELECT list_page.*, list_total.total AS __total${cursorColumn}
      FROM (SELECT ${total} AS total) list_total ${cursorJoin}
      LEFT JOIN ${rows} list_page ON ${pageCondition}`;
  } else {
    const beyond = position ? sql`WHERE (+${sort}, +${id}) ${older ? sql`<` : sql`>`} ${position}` : sql``;
    const limit = cursor ? sql`LIMIT ${page.limit + 1}` : sql`LIMIT ${page.limit} OFFSET ${page.offset ?? 0}`;
    statement = sql`
      WITH list_matches AS MATERIALIZED (SELECT rowid AS __rowid, ${sort}, ${id} FROM ${table} WHERE ${query.where})
      SELECT list_row.*, list_total.total AS __total${cursorColumn}
      FROM (SELECT count(*) AS total FROM list_matches) list_total ${cursorJoin}
      LEFT JOIN (SELECT __rowid FROM list_matches ${beyond} ORDER BY ${sort} ${direction}, ${id} ${direction} ${limit}) list_page
        ON ${pageCondition}
      LEFT JOIN ${table} list_row ON list_row.rowid = list_page.__rowid`;
  }
  // The rows in the order of paging (the statement leaves it to the join): newest first, or for
  // ending_before oldest first; by sort value, then id.
  const compare = (x: unknown, y: unknown) => ((x as string) < (y as string) ? -1 : (x as string) > (y as string) ? 1 : 0);
  const inPagingOrder = (a: Record<string, unknown>, b: Record<string, unknown>) => {
    const [x, y] = older ? [b, a] : [a, b];
    return compare(x[sortColumn.name], y[sortColumn.name]) || compare(x[idColumn.name], y[idColumn.name]);
  };

  return {
    rows,
    page: statement,
    /** The page, from the raw results of `page`; throws for an unknown cursor. */
    read(results: Record<string, unknown>[]): ListResult<T["$inferSelect"]> {
      const total = Number(results[0]?.__total ?? 0);
      if (cursor && results[0]?.__cursor == null) {
        throw new DomainError(
          "invalid_input",
          `The '${cursor.field}' query parameter must be the id of one of this list's objects; there is none with id '${cursor.id}'.`,
          { field: cursor.field },
        );
      }
      const found = results
        .filter((row) => row[idColumn.name] != null)
        .sort(inPagingOrder)
        .map((row) => fromDriverRow(table, row) as T["$inferSelect"]);
      if (!cursor) return { rows: found, total, hasMore: (page.offset ?? 0) + found.length < total };
      const kept = found.slice(0, page.limit);
      return {
        rows: cursor.field === "ending_before" ? kept.reverse() : kept,
        total,
        hasMore: found.length > page.limit,
      };
    },
  };
}

/** A page of rows of `query`, the total of all its matches and whether more lie beyond it: one D1 statement. */
export async function listPage<T extends SQLiteTable>(
  db: Database,
  query: ListQuery<T>,
  page: Page,
): Promise<ListResult<T["$inferSelect"]>> {
  const statements = listPageQueries(db, query, page);
  const [result] = await runBatch(db, [statements.page]);
  return statements.read(result!.results);
}
