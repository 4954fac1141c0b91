// The stock ledger. Every quantity change is a row here, and an item's quantity is only ever set
// from the ledger row written in the same D1 batch, so quantity == sum(quantity_change) always.
import { and, count, desc, eq, gte, inArray, isNull, lt, sql, type SQL, type SQLWrapper } from "drizzle-orm";
import { MAX_QUANTITY } from "../domain/stock.ts";
import { nowIso } from "../lib/clock.ts";
import { ApiError } from "../lib/errors.ts";
import { newId } from "../lib/ids.ts";
import type { Page } from "../lib/pagination.ts";
import { auditTransaction, type Actor } from "./audit.ts";
import { fromDriverRow, runBatch, type Database } from "./client.ts";
import { isConstraintFailure } from "./batch-guard.ts";
import { items, transactions, type TransactionRow, type TransactionType } from "./schema.ts";

/** One quantity change: either by `change` or to the stock `level` (the change is computed). */
export type Movement = {
  itemId: string;
  type: TransactionType;
  reason?: string | null;
  note?: string | null;
  reference?: string | null;
  orderId?: string | null;
  /** Compare-and-set: the movement only applies if the item has exactly this quantity. */
  expectedQuantity?: number | null;
  /** Only applies while the item is at this version (a caller that read the item first). */
  expectedVersion?: number;
} & ({ change: number; level?: undefined } | { level: number; change?: undefined });

function changeFrom(movement: Movement, current: number): number {
  return movement.level === undefined ? movement.change : movement.level - current;
}

/** The change as SQL over the item row `i`, mirroring `changeFrom`. */
function changeSql(movement: Movement): SQL {
  return movement.level === undefined ? sql`${movement.change}` : sql`${movement.level} - i.quantity`;
}

/**
 * The ledger row of one movement, read from the live item inside the batch so that concurrent
 * batches never lose an update. Every failure makes the batch fail as a whole: a missing item, a
 * failed expectation or a result above the maximum leaves the row's quantities NULL (NOT NULL
 * constraint), and a negative result breaks the ledger's CHECK constraint.
 */
export function ledgerInsert(actor: Actor, movement: Movement, transactionId: string, now: string): SQL {
  const expectations = [
    movement.expectedQuantity == null ? sql`` : sql` AND i.quantity = ${movement.expectedQuantity}`,
    movement.expectedVersion === undefined ? sql`` : sql` AND i.version = ${movement.expectedVersion}`,
  ];
  const change = changeSql(movement);
  expectations.push(sql` AND i.quantity + ${change} <= ${MAX_QUANTITY}`);
  return sql`
    INSERT INTO ${transactions} (id, company_id, item_id, type, quantity_change, quantity_before,
                                 quantity_after, reason, note, reference, order_id, user_id, created_at)
    SELECT ${transactionId}, ${actor.companyId}, ${movement.itemId}, ${movement.type}, ${change},
           i.quantity, i.quantity + ${change}, ${movement.reason ?? null}, ${movement.note ?? null},
           ${movement.reference ?? null}, ${movement.orderId ?? null}, ${actor.userId}, ${now}
    FROM (SELECT 1) LEFT JOIN ${items} i
      ON i.id = ${movement.itemId} AND i.company_id = ${actor.companyId} AND i.deleted_at IS NULL${sql.join(expectations)}
    RETURNING *`;
}

/** The item's quantity as the ledger row says: the only way quantity is ever written. */
export function quantityFromLedger(transactionId: string): SQL {
  return sql`(SELECT quantity_after FROM ${transactions} WHERE id = ${transactionId})`;
}

/** Ledger row, item quantity and (unless the caller writes its own) audit entry, for one batch. */
export function movementStatements(
  db: Database,
  actor: Actor,
  movement: Movement,
  transactionId: string,
  now: string,
  audit = true,
): SQLWrapper[] {
  return [
    ledgerInsert(actor, movement, transactionId, now),
    db
      .update(items)
      .set({ quantity: quantityFromLedger(transactionId), version: sql`${items.version} + 1`, updatedAt: now })
      .where(and(eq(items.id, movement.itemId), eq(items.companyId, actor.companyId))),
    ...(audit ? [auditTransaction(actor, transactionId, now)] : []),
  ];
}


/**
 * Why `movements` cannot apply to the current stock, replayed in order in memory: the error
 * naming the failing entry (`field` prefixed with `prefix(i)`), or null if they all apply now.
 */
async function explainFailure(
  db: Database,
  companyId: string,
  movements: Movement[],
  prefix: (index: number) => string,
): Promise<ApiError | null> {
  const ids = [...new Set(movements.map((m) => m.itemId))];
  const rows = await db
    .select({ id: items.id, quantity: items.quantity })
    .from(items)
    // One JSON parameter rather than one per id: D1 allows 100 bound parameters a statement.
    .where(and(eq(items.companyId, companyId), isNull(items.deletedAt), sql`${items.id} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`));
  const stock = new Map(rows.map((r) => [r.id, r.quantity]));

  for (const [index, movement] of movements.entries()) {
    const current = stock.get(movement.itemId);
    if (current === undefined) {
      return new ApiError("not_found", `No item with id '${movement.itemId}'.`, `${prefix(index)}item_id`);
    }
    if (movement.expectedQuantity != null && movement.expectedQuantity !== current) {
      return new ApiError(
        "quantity_conflict",
        `The item's quantity is ${current}, not the expected ${movement.expectedQuantity}.`,
        `${prefix(index)}expected_quantity`,
      );
    }
    const after = current + changeFrom(movement, current);
    if (after < 0) {
      return new ApiError(
        "insufficient_stock",
        `Insufficient stock: the item has ${current}, and this would take it to ${after}.`,
        `${prefix(index)}quantity`,
      );
    }
    if (after > MAX_QUANTITY) {
      return new ApiError(
        "invalid_state",
        `The item has ${current}, and this would take it to ${after}, above the maximum of ${MAX_QUANTITY.toLocaleString("en-US")}.`,
        `${prefix(index)}quantity`,
      );
    }
    stock.set(movement.itemId, after);
  }
  return null;
}

/** Times a batch is tried again when stock changed between its failure and the explanation. */
const ATTEMPTS = 3;

/**
 * Records the movements all together or not at all (one D1 batch), with `extra` statements of the
 * caller in the same batch. Answers the ledger rows in order.
 */
export async function recordMovements(
  db: Database,
  actor: Actor,
  movements: Movement[],
  options: { fieldPrefix?: (index: number) => string; extra?: SQLWrapper[] } = {},
): Promise<TransactionRow[]> {
  const prefix = options.fieldPrefix ?? (() => "");
  for (let attempt = 1; ; attempt++) {
    const now = nowIso();
    const ids = movements.map(() => newId("txn"));
    const statements = movements.flatMap((m, i) => movementStatements(db, actor, m, ids[i]!, now));
    let results;
    try {
      results = await runBatch(db, [...statements, ...(options.extra ?? [])]);
    } catch (error) {
      if (!isConstraintFailure(error)) throw error;
      const explained = await explainFailure(db, actor.companyId, movements, prefix);
      if (explained) throw explained;
      if (attempt === ATTEMPTS) throw error;
      continue;
    }
    // Each movement's first statement is its ledger insert, which returns the row.
    const perMovement = statements.length / movements.length;
    return movements.map((_, i) => fromDriverRow(transactions, results[i * perMovement]!.results[0]!));
  }
}

export interface TransactionFilters {
  itemId?: string;
  type?: TransactionType;
  since?: string;
  until?: string;
}

export async function listTransactions(db: Database, companyId: string, filters: TransactionFilters, page: Page) {
  const conditions: (SQL | undefined)[] = [eq(transactions.companyId, companyId)];
  if (filters.itemId) conditions.push(eq(transactions.itemId, filters.itemId));
  if (filters.type) conditions.push(eq(transactions.type, filters.type));
  if (filters.since) conditions.push(gte(transactions.createdAt, filters.since));
  if (filters.until) conditions.push(lt(transactions.createdAt, filters.until));
  const where = and(...conditions);
  const [rows, [total]] = await db.batch([
    db
      .select()
      .from(transactions)
      .where(where)
      .orderBy(desc(transactions.createdAt), desc(transactions.id))
      .limit(page.limit)
      .offset(page.offset),
    db.select({ total: count() }).from(transactions).where(where),
  ]);
  return { rows, total: total?.total ?? 0 };
}

export async function findTransaction(db: Database, companyId: string, id: string) {
  const [row] = await db
    .select()
    .from(transactions)
    .where(and(eq(transactions.companyId, companyId), eq(transactions.id, id)))
    .limit(1);
  return row;
}
