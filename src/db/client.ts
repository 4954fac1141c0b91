import { getTableColumns, sql, type SQL, type SQLWrapper, type Table } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { SQLiteAsyncDialect } from "drizzle-orm/sqlite-core";
import type { Statement } from "./provisioning.ts";

/**
 * A drizzle client over a D1 database. Built once per request by the request
 * context (`src/services/`); drizzle needs no schema here since `db.query` is not used.
 */
export function createDatabase(d1: D1Database) {
  return drizzle(d1);
}

export type Database = ReturnType<typeof createDatabase>;

const dialect = new SQLiteAsyncDialect();

/**
 * Runs statements (drizzle queries or `sql` templates) as one D1 batch: one transaction, all or
 * nothing. drizzle's own `batch` cannot take `sql` templates with parameters, which the ledger's
 * INSERT … SELECT statements need. Answers D1's raw results (see `fromDriverRow`).
 */
export function runBatch(db: Database, statements: SQLWrapper[]): Promise<D1Result<Record<string, unknown>>[]> {
  const d1 = db.$client;
  return d1.batch(
    statements.map((statement) => {
      const query = dialect.sqlToQuery(statement.getSQL());
      return d1.prepare(query.sql).bind(...query.params);
    }),
  );
}

/** A raw D1 row (column names) as drizzle's row type (property names, decoded values). */
export function fromDriverRow<T extends Table>(table: T, raw: Record<string, unknown>): T["$inferSelect"] {
  const row: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(getTableColumns(table))) {
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
