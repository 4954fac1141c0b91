// The stock ledger. Every quantity change is a row here, and an item's quantity is only ever set
// from the ledger row written in the same D1 batch, so quantity == sum(quantity_change) always.
import { and, eq, gte, isNull, lt, sql, type SQL, type SQLWrapper } from "drizzle-orm";
import { applyMovements, MAX_QUANTITY, type Movement } from "../domain/stock.ts";
import { nowIso } from "../lib/clock.ts";
import { newId } from "../lib/ids.ts";
import type { Page } from "../lib/pagination.ts";
import { auditTransaction, type Actor } from "./audit.ts";
import { guardedRow, isConstraintFailure } from "./batch-guard.ts";
import { fromDriverRow, fromTemplate, runBatch, type Database } from "./client.ts";
import { movementEvents, type StockDirection } from "./events.ts";
import { listPage, type ListQuery } from "./list-page.ts";
import { items, transactions, type TransactionRow, type TransactionType } from "./schema.ts";

const value = (name: string) => sql`${sql.placeholder(name)}`;

/** The change as SQL over the item row `i`, mirroring `changeOf`. */
function changeSql(movement: Movement): SQL {
  return movement.level === undefined ? value("change") : sql`${value("level")} - i.quantity`;
}

/**
 * The ledger row of one movement, read from the live item inside the batch so that concurrent
 * batches never lose an update. Every failure makes the batch fail as a whole: a missing item, a
 * failed expectation or a result above the maximum leaves the row's quantities NULL (the batch
 * guard), and a negative result breaks the ledger's CHECK constraint. Built once per kind of
 * movement (a template: it is in every batch that moves stock).
 */
export function ledgerInsert(actor: Actor, movement: Movement, transactionId: string, now: string): SQLWrapper {
  const byLevel = movement.level !== undefined;
  const expectsQuantity = movement.expectedQuantity != null;
  const expectsVersion = movement.expectedVersion !== undefined;
  const build = () => {
    const change = changeSql(movement);
    const on = [
      sql`i.id = ${value("itemId")}`,
      sql`i.company_id = ${value("companyId")}`,
      sql`i.deleted_at IS NULL`,
      ...(expectsQuantity ? [sql`i.quantity = ${value("expectedQuantity")}`] : []),
      ...(expectsVersion ? [sql`i.version = ${value("expectedVersion")}`] : []),
      sql`i.quantity + ${change} <= ${MAX_QUANTITY}`,
    ];
    return sql`
      INSERT INTO ${transactions} (id, company_id, item_id, type, quantity_change, quantity_before,
                                   quantity_after, reason, note, reference, order_id, user_id, created_at)
      SELECT ${value("transactionId")}, ${value("companyId")}, ${value("itemId")}, ${value("type")}, ${change},
             i.quantity, i.quantity + ${change}, ${value("reason")}, ${value("note")},
             ${value("reference")}, ${value("orderId")}, ${value("userId")}, ${value("now")}
      ${guardedRow(items, "i", sql.join(on, sql` AND `))}
      RETURNING *`;
  };
  return fromTemplate(`ledger:${byLevel}:${expectsQuantity}:${expectsVersion}`, build, {
    transactionId,
    companyId: actor.companyId,
    itemId: movement.itemId,
    type: movement.type,
    change: movement.change ?? null,
    level: movement.level ?? null,
    expectedQuantity: movement.expectedQuantity ?? null,
    expectedVersion: movement.expectedVersion ?? null,
    reason: movement.reason ?? null,
    note: movement.note ?? null,
    reference: movement.reference ?? null,
    orderId: movement.orderId ?? null,
    userId: actor.userId,
    now,
  });
}

/** A movement's item row: its quantity from the ledger row, its version and `updated_at` moved on. */
function itemQuantityUpdate(actor: Actor, itemId: string, transactionId: string, now: string): SQLWrapper {
  return fromTemplate(
    "ledger:item-quantity",
    () => sql`
      UPDATE ${items} SET quantity = (SELECT quantity_after FROM ${transactions} WHERE id = ${value("transactionId")}),
                          version = version + 1, updated_at = ${value("now")}
      WHERE id = ${value("itemId")} AND company_id = ${value("companyId")}`,
    { transactionId, now, itemId, companyId: actor.companyId },
  );
}

/** The item's quantity as the ledger row says: the only way quantity is ever written. */
export function quantityFromLedger(transactionId: string): SQL {
  return sql`(SELECT quantity_after FROM ${transactions} WHERE id = ${transactionId})`;
}

export interface MovementOptions {
  /** The caller writes its own audit entry (an item created with a starting quantity). */
  audit?: boolean;
  /**
   * The movement's events: `all` (its transaction.created and the item's stock alerts), `none` (a
   * new item's first quantity: its caller writes item.created first, then the transaction.created,
   * and there was no stock before to alert about).
   */
  events?: "all" | "none";
}

/**
 * Ledger row, item quantity, (unless the caller writes its own) audit entry, and the events: the
 * ledger row's `transaction.created` and the item's stock alerts, for one batch.
 */
export function movementStatements(
  db: Database,
  actor: Actor,
  movement: Movement,
  transactionId: string,
  now: string,
  { audit = true, events = "all" }: MovementOptions = {},
): SQLWrapper[] {
  return [
    ledgerInsert(actor, movement, transactionId, now),
    itemQuantityUpdate(actor, movement.itemId, transactionId, now),
    ...(audit ? [auditTransaction(actor, transactionId, now)] : []),
    ...(events === "all" ? [movementEvents(actor, transactionId, movement.itemId, now, directionOf(movement))] : []),
  ];
}

function directionOf(movement: Movement): StockDirection {
  if (movement.level !== undefined) return "either";
  return movement.change > 0 ? "up" : "down";
}

/** The quantities of the live items the movements are about, by id. */
async function liveStock(db: Database, companyId: string, movements: Movement[]): Promise<Map<string, number>> {
  const ids = [...new Set(movements.map((m) => m.itemId))];
  const rows = await db
    .select({ id: items.id, quantity: items.quantity })
    .from(items)
    // One JSON parameter rather than one per id: D1 allows 100 bound parameters a statement.
    .where(and(eq(items.companyId, companyId), isNull(items.deletedAt), sql`${items.id} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`));
  return new Map(rows.map((r) => [r.id, r.quantity]));
}

/** Times a batch is tried again when stock changed between its failure and the explanation. */
const ATTEMPTS = 3;

/**
 * Records the movements all together or not at all (one D1 batch), with `extra` statements of the
 * caller in the same batch. Answers the ledger rows in order. When the batch fails, the movements
 * are replayed against the stock as it is now; the first that cannot apply is thrown, with its
 * index in `movements` as the error's `entry`.
 */
export async function recordMovements(
  db: Database,
  actor: Actor,
  movements: Movement[],
  options: { extra?: SQLWrapper[] } = {},
): Promise<TransactionRow[]> {
  for (let attempt = 1; ; attempt++) {
    const now = nowIso();
    const ids = movements.map(() => newId("txn"));
    const statements = movements.flatMap((m, i) => movementStatements(db, actor, m, ids[i]!, now));
    let results;
    try {
      results = await runBatch(db, [...statements, ...(options.extra ?? [])]);
    } catch (error) {
      if (!isConstraintFailure(error)) throw error;
      // The batch only says that something failed; the rules say what, unless the stock has
      // changed since so that all of them would apply now (then the batch runs again).
      applyMovements(await liveStock(db, actor.companyId, movements), movements);
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

/** The ledger's list, newest first, with its filters (the list and the CSV export share it). */
export function transactionsListQuery(companyId: string, filters: TransactionFilters): ListQuery<typeof transactions> {
  const conditions: (SQL | undefined)[] = [eq(transactions.companyId, companyId)];
  if (filters.itemId) conditions.push(eq(transactions.itemId, filters.itemId));
  if (filters.type) conditions.push(eq(transactions.type, filters.type));
  if (filters.since) conditions.push(gte(transactions.createdAt, filters.since));
  if (filters.until) conditions.push(lt(transactions.createdAt, filters.until));
  return {
    table: transactions,
    where: and(...conditions),
    orderBy: [transactions.createdAt, transactions.id],
    cursorScope: eq(transactions.companyId, companyId),
  };
}

/** The ledger, newest first. */
export function listTransactions(db: Database, companyId: string, filters: TransactionFilters, page: Page) {
  return listPage(db, transactionsListQuery(companyId, filters), page);
}

export async function findTransaction(db: Database, companyId: string, id: string) {
  const [row] = await db
    .select()
    .from(transactions)
    .where(and(eq(transactions.companyId, companyId), eq(transactions.id, id)))
    .limit(1);
  return row;
}
