// Reads and statements for setting items to given states in bulk (run in chunks by
// src/items/apply-items.ts): the rows of a chunk's ids, what the ledgers of purged items add up
// to, and the statements that create an item, update it or bring it back from the trash, with its
// ledger row and its audit entry.
import { and, eq, inArray, sql, sum, type SQLWrapper } from "drizzle-orm";
import type { CurrentItem, ItemAction, ItemPlan, ItemTarget } from "../domain/item-plan.ts";
import { EDITABLE, toItem, type ItemChanges, type NewItem, type PublicItem } from "../domain/items.ts";
import { newId } from "../lib/ids.ts";
import { auditEntry, auditItemChange, type Actor, type AuditInput } from "./audit.ts";
import type { Database } from "./client.ts";
import { itemEvent, transactionCreatedEvent } from "./events.ts";
import { itemUpdateEvents, locationColumns } from "./items.ts";
import { items, transactions, type ItemRow, type TransactionType } from "./schema.ts";
import { ledgerInsert, movementStatements, quantityFromLedger } from "./transactions.ts";

/** Ids looked up per statement: D1 allows 100 bound parameters (the company id and 90 ids). */
export const IDS_PER_STATEMENT = 90;

/**
 * The company's items (live or trashed) with these ids, by id; at most IDS_PER_STATEMENT ids.
 * `+company_id` keeps SQLite from walking the company's (company_id, seq) index, which it prefers
 * without statistics: that reads every item of the company (36 ms a call at 100,000 items) where
 * the id index reads only these.
 */
export async function itemRowsByIds(db: Database, companyId: string, ids: string[]): Promise<Map<string, ItemRow>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .select()
    .from(items)
    .where(and(sql`+${items.companyId} = ${companyId}`, inArray(items.id, ids)));
  return new Map(rows.map((row) => [row.id, row]));
}

/**
 * What the ledger rows of these item ids add up to, by id (ids without rows are left out). For
 * purged items: the purge removes an item's row but keeps its ledger.
 */
export async function ledgerBalances(db: Database, companyId: string, ids: string[]): Promise<Map<string, number>> {
  const balances = new Map<string, number>();
  for (let i = 0; i < ids.length; i += IDS_PER_STATEMENT) {
    const rows = await db
      .select({ itemId: transactions.itemId, balance: sum(transactions.quantityChange).mapWith(Number) })
      .from(transactions)
      .where(and(eq(transactions.companyId, companyId), inArray(transactions.itemId, ids.slice(i, i + IDS_PER_STATEMENT))))
      .groupBy(transactions.itemId);
    for (const row of rows) balances.set(row.itemId, row.balance);
  }
  return balances;
}

/** An item row as the planning rules see it. */
export function currentItem(row: ItemRow): CurrentItem {
  return { ...toItem(row), trashed: row.deletedAt !== null };
}

/**
 * How the changes are recorded: the ledger row type (and reason, reference) of a quantity
 * difference, and the audit action of an item created, updated or brought back from the trash.
 */
export interface ItemChangeRecord {
  movementType: TransactionType;
  reason?: string | null;
  reference?: string | null;
  auditActions: Record<ItemAction, AuditInput["action"]>;
}

/** The fields `target` sets. */
function definedFields(target: ItemTarget): ItemChanges {
  const fields = [...EDITABLE, "quantity" as const].filter((field) => target[field] !== undefined);
  return Object.fromEntries(fields.map((field) => [field, target[field]]));
}

/** The ledger row of a quantity difference, as `record` says. */
function movementTo(itemId: string, level: number, record: ItemChangeRecord) {
  return { itemId, type: record.movementType, reason: record.reason, reference: record.reference, level };
}

/**
 * Creating an item (`item.id`: a new id, or a purged item's). Its row starts at `balance`, what
 * its ledger already adds up to (0 for a new item; a purged item's ledger is kept), and a
 * difference to `item.quantity` is a ledger row of `record.movementType`, so that quantity ==
 * sum(quantity_change). The audit entry holds the whole item. Answers the statements and the item.
 */
export function createItemStatements(
  db: Database,
  actor: Actor,
  item: NewItem & { id: string; created_at?: string },
  record: ItemChangeRecord,
  now: string,
  balance = 0,
): { statements: SQLWrapper[]; created: PublicItem } {
  const transactionId = item.quantity !== balance ? newId("txn") : null;
  const created = toItem({
    id: item.id,
    name: item.name,
    sku: item.sku,
    quantity: item.quantity,
    location: item.location ?? null,
    barcode: item.barcode ?? null,
    reorderPoint: item.reorder_point ?? null,
    createdAt: item.created_at ?? now,
    updatedAt: now,
  });
  const statements = [
    db.insert(items).values({
      id: item.id,
      companyId: actor.companyId,
      name: created.name,
      sku: created.sku,
      ...locationColumns(created.location),
      barcode: created.barcode,
      reorderPoint: created.reorder_point,
      quantity: balance,
      createdAt: created.created_at,
      updatedAt: now,
    }),
    ...(transactionId
      ? movementStatements(db, actor, movementTo(item.id, item.quantity, record), transactionId, now, { audit: false, events: "none" })
      : []),
    auditEntry(db, actor, {
      action: record.auditActions.create,
      resourceType: "item",
      resourceId: item.id,
      itemId: item.id,
      changes: created,
      transactionId,
      createdAt: now,
    }),
    itemEvent(actor, "item.created", item.id, now),
    ...(transactionId ? [transactionCreatedEvent(actor, transactionId, now)] : []),
  ];
  return { statements, created };
}

/**
 * Setting an existing item (live, or trashed: it comes back) to `target`, as read at
 * `current.version`: the batch fails if it changed since. A quantity difference is a ledger row
 * of `record.movementType`. The audit entry holds `changes` (what differs) for a live item, the
 * whole item for one brought back.
 */
export function changeItemStatements(
  db: Database,
  actor: Actor,
  current: ItemRow,
  target: ItemChanges,
  changes: Record<string, unknown>,
  record: ItemChangeRecord,
  now: string,
): SQLWrapper[] {
  const id = current.id;
  const transactionId = target.quantity !== undefined && target.quantity !== current.quantity ? newId("txn") : null;
  const action = record.auditActions[current.deletedAt === null ? "update" : "restore"];
  const audited = current.deletedAt === null ? changes : { ...toItem(current), ...definedFields(target), updated_at: now };
  const statements: SQLWrapper[] = [
    auditItemChange(
      actor,
      { action, resourceType: "item", resourceId: id, changes: audited, transactionId, createdAt: now },
      current.version,
    ),
    db
      .update(items)
      .set({
        name: target.name,
        sku: target.sku,
        ...locationColumns(target.location),
        barcode: target.barcode,
        reorderPoint: target.reorder_point,
        deletedAt: null,
        updatedAt: now,
        version: current.version + 1,
      })
      .where(and(eq(items.id, id), eq(items.version, current.version))),
  ];
  if (transactionId) {
    const movement = { ...movementTo(id, target.quantity!, record), expectedVersion: current.version + 1 };
    statements.push(
      ledgerInsert(actor, movement, transactionId, now),
      db
        .update(items)
        .set({ quantity: quantityFromLedger(transactionId), version: current.version + 2 })
        .where(eq(items.id, id)),
    );
  }
  if (current.deletedAt === null) statements.push(...itemUpdateEvents(actor, current, changes as Record<string, { from: unknown }>, transactionId, now));
  else statements.push(itemEvent(actor, "item.restored", id, now), ...(transactionId ? [transactionCreatedEvent(actor, transactionId, now)] : []));
  return statements;
}

/**
 * The statements that carry out `plan` for one target: `current` is its row as read (none: it is
 * created, under its own id if it has one, at `balance`, what its ledger adds up to).
 */
export function itemStateStatements(
  db: Database,
  actor: Actor,
  change: { target: ItemTarget; current: ItemRow | undefined; plan: ItemPlan; balance: number },
  record: ItemChangeRecord,
  now: string,
): SQLWrapper[] {
  const { target, current, plan, balance } = change;
  if (current) return changeItemStatements(db, actor, current, target, plan.changes, record, now);
  if (target.name === undefined || target.sku === undefined) throw new Error("An item is created with a name and a SKU.");
  const item = { ...target, id: target.id ?? newId("item"), name: target.name, sku: target.sku, quantity: target.quantity ?? 0 };
  return createItemStatements(db, actor, item, record, now, balance).statements;
}
