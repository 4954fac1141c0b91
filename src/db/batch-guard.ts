// The batch guard: how a D1 batch (one transaction, all or nothing) checks a condition inside
// itself. SQLite has no "abort unless", so a guarded statement writes NULL into a NOT NULL column
// when its condition fails; D1 then rolls the whole batch back and reports the constraint. This
// module owns the statements that do it and the matching of the errors they cause.
import { sql, type SQL } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";

/**
 * `FROM (SELECT 1) LEFT JOIN <table> <alias> ON <on>`: always one row, whose `<alias>.*` columns
 * are NULL unless a row matches `on`. An INSERT … SELECT that writes them into NOT NULL columns
 * therefore fails the batch when the row is missing or has changed (a version, a quantity).
 */
export function guardedRow(table: SQLiteTable, alias: string, on: SQL): SQL {
  return sql`FROM (SELECT 1) LEFT JOIN ${table} ${sql.raw(alias)} ON ${on}`;
}

/**
 * `UPDATE <table> SET <column> = NULL WHERE <where>`: fails the batch when `where` matches a
 * row (`column` must be NOT NULL). For rules checked after the batch's own writes, such as a
 * limit on how many rows may exist.
 */
export function failBatchWhen(table: SQLiteTable, column: string, where: SQL): SQL {
  return sql`UPDATE ${table} SET ${sql.raw(column)} = NULL WHERE ${where}`;
}

/** `value`, or NULL when `condition` does not hold: for a guard inside an UPDATE's SET. */
export function nullUnless(condition: SQL, value: SQL): SQL {
  return sql`CASE WHEN ${condition} THEN ${value} END`;
}

/** The message of a D1 error, looking through the wrappers drizzle adds. */
export function d1ErrorMessage(error: unknown): string {
  let message = "";
  for (let e: unknown = error; e instanceof Error; e = e.cause) message += ` ${e.message}`;
  return message;
}

/** True for a failed NOT NULL, CHECK or UNIQUE constraint: how a guarded batch reports failure. */
export function isConstraintFailure(error: unknown): boolean {
  return /constraint failed/i.test(d1ErrorMessage(error));
}

/** True when a guard on `table.column` (a NOT NULL column) failed the batch. */
export function isGuardFailure(error: unknown, tableColumn: string): boolean {
  return d1ErrorMessage(error).includes(`NOT NULL constraint failed: ${tableColumn}`);
}

/** True when the batch broke the unique index over `tableColumn` (`items.sku_key`, `users.`). */
export function isUniqueViolation(error: unknown, tableColumn: string): boolean {
  return d1ErrorMessage(error).includes(`UNIQUE constraint failed: ${tableColumn}`);
}
