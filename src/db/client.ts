import { fillPlaceholders, getTableColumns, sql, type Query, type SQL, type SQLWrapper, type Table } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { SQLiteAsyncDialect } from "drizzle-orm/sqlite-core";
import type { Statement } from "./provisioning.ts";

function drizzleOver(d1: D1Database) {
  return drizzle(d1);
}

/** A drizzle client (no schema: `db.query` is not used) over one D1 Session. */
export type Database = ReturnType<typeof drizzleOver>;

/** Where a D1 Session starts: at a bookmark (data at least that new), or a constraint for its first query. */
export type SessionStart = D1SessionBookmark | D1SessionConstraint;

/**
 * A D1 bookmark, as D1 writes them: four dash-separated fixed-width hex fields, so that of two
 * bookmarks the later one sorts last.
 */
const BOOKMARK = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}$/;

export function isBookmark(value: string): boolean {
  return BOOKMARK.test(value);
}

/** The newer of two bookmarks (either may be missing). */
export function newerBookmark(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return b > a ? b : a;
}

export interface DatabaseSession {
  /** Every query of the unit of work goes through this client, so through the session. */
  db: Database;
  /**
   * Where the data read or written stands: the newest bookmark the session has seen, or the one
   * it started at (null if it started at a constraint and has run no query).
   */
  bookmark(): string | null;
  /**
   * From now on reads see data at least as new as `bookmark` (the session is continued from it).
   * An older bookmark changes nothing.
   */
  catchUp(bookmark: string): void;
  /**
   * From now on the next query goes to the primary, which has every committed write (later ones to
   * any replica at least as new as it was).
   */
  readFromPrimary(): void;
  /** The bookmark of the primary's data this session read since `readFromPrimary` (null before). */
  primaryBookmark(): string | null;
}

/**
 * Opens a D1 Session: reads may be answered by a nearby read replica, writes go to the primary,
 * and every query sees what the earlier ones read or wrote. drizzle is given the session in place
 * of the database: it calls only `prepare` and `batch`, which a session has, and so does
 * `runBatch`. Built for a request, a Durable Object or a job by `createServices` (`src/services/`).
 */
export function openSession(d1: D1Database, start: SessionStart): DatabaseSession {
  // Opened at the first query, so that work which never queries never touches the binding.
  let opened: D1DatabaseSession | undefined;
  let from = start;
  let known: string | null = isBookmark(start) ? start : null;
  const current = () => (opened ??= d1.withSession(from));
  // Since readFromPrimary: the session opened from then on starts at the primary.
  let atPrimary = false;
  const bookmark = () => newerBookmark(known, opened?.getBookmark() ?? null);
  const client = {
    prepare: (query: string) => current().prepare(query),
    batch: <T>(statements: D1PreparedStatement[]) => current().batch<T>(statements),
  };
  return {
    db: drizzleOver(client as unknown as D1Database),
    bookmark,
    catchUp(newer) {
      const now = bookmark();
      if (now !== null && newer <= now) return;
      known = from = newer;
      opened = undefined;
      atPrimary = false;
    },
    readFromPrimary() {
      from = "first-primary";
      opened = undefined;
      atPrimary = true;
    },
    primaryBookmark() {
      return atPrimary && opened ? opened.getBookmark() : null;
    },
  };
}

/**
 * A drizzle client in a session of its own whose first query goes to the primary (so it sees
 * every committed write): for tests and one-off work. Requests, Durable Objects and the daily job
 * get theirs from `createServices`.
 */
export function createDatabase(d1: D1Database, start: SessionStart = "first-primary"): Database {
  return openSession(d1, start).db;
}

const dialect = new SQLiteAsyncDialect();

/**
 * A statement whose SQL text was built once, from a template, with its values for this use: for
 * the statements of the busiest batches, whose building by drizzle would cost more than running
 * them. `runBatch` sends it as it is.
 */
export class BoundStatement implements SQLWrapper {
  readonly query: Query;

  constructor(query: Query) {
    this.query = query;
  }

  getSQL(): SQL {
    return statementSql({ sql: this.query.sql, params: this.query.params as Statement["params"] });
  }
}

const templates = new Map<string, Query>();

/**
 * The statement `build` makes, built once per `key` (the first time) and then only bound: every
 * value that differs between uses must be a `sql.placeholder(name)` in `build`, filled from `values`,
 * and everything else about the statement's text must be told apart by `key`.
 */
export function fromTemplate(key: string, build: () => SQL, values: Record<string, unknown>): BoundStatement {
  let query = templates.get(key);
  if (!query) templates.set(key, (query = dialect.sqlToQuery(build())));
  return new BoundStatement({ sql: query.sql, params: fillPlaceholders(query.params, values) });
}

/**
 * Runs statements (drizzle queries or `sql` templates) as one D1 batch: one transaction, all or
 * nothing. drizzle's own `batch` cannot take `sql` templates with parameters, which the ledger's
 * INSERT … SELECT statements need. Answers D1's raw results (see `fromDriverRow`).
 */
export function runBatch(db: Database, statements: SQLWrapper[]): Promise<D1Result<Record<string, unknown>>[]> {
  const d1 = db.$client;
  return d1.batch(
    statements.map((statement) => {
      const query = statement instanceof BoundStatement ? statement.query : dialect.sqlToQuery(statement.getSQL());
      return d1.prepare(query.sql).bind(...query.params);
    }),
  );
}

const columnsOf = new WeakMap<Table, [string, ReturnType<typeof getTableColumns>[string]][]>();

/** A table's columns by property name, worked out once per table. */
function tableColumns(table: Table) {
  let columns = columnsOf.get(table);
  if (!columns) columnsOf.set(table, (columns = Object.entries(getTableColumns(table))));
  return columns;
}

/** The first row a bound statement answers, as `table`'s row type; undefined when none. */
export async function firstRow<T extends Table>(db: Database, table: T, statement: BoundStatement): Promise<T["$inferSelect"] | undefined> {
  const raw = await db.$client
    .prepare(statement.query.sql)
    .bind(...statement.query.params)
    .first<Record<string, unknown>>();
  return raw ? fromDriverRow(table, raw) : undefined;
}

/** A raw D1 row (column names) as drizzle's row type (property names, decoded values). */
export function fromDriverRow<T extends Table>(table: T, raw: Record<string, unknown>): T["$inferSelect"] {
  const row: Record<string, unknown> = {};
  for (const [key, column] of tableColumns(table)) {
    const value = raw[column.name];
    row[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
  }
  return row as T["$inferSelect"];
}

/**
 * A provisioning statement (plain SQL with `?` parameters, shared with the Node scripts) as a
 * drizzle `sql` template, so that it can go into one batch with drizzle queries.
 */
export function statementSql(statement: Statement): SQL {
  const chunks = statement.sql.split("?");
  if (chunks.length !== statement.params.length + 1) throw new Error("parameter count mismatch");
  return sql.join(chunks.map((chunk, i) => (i === 0 ? sql.raw(chunk) : sql`${statement.params[i - 1] ?? null}${sql.raw(chunk)}`)));
}
