// Reads and statements for setting items to given states in bulk (run in chunks by
// src/items/apply-items.ts): the rows of a chunk's ids, what the ledgers of purged items add up
// to, and the statements that create items (a chunk's together), update one or bring it back from
// the trash, with their ledger rows, audit entries and events.
import { and, eq, inArray, sql, sum, type SQLWrapper } from "drizzle-orm";
import { foldCaseOrNull } from "../lib/case-fold.ts";
import type { CurrentItem, ItemAction, ItemTarget } from "../domain/item-plan.ts";
import { EDITABLE, toItem, type ItemChanges, type NewItem } from "../domain/items.ts";
import { newId } from "../lib/ids.ts";
import { auditItemChange, type Actor, type AuditInput } from "./audit.ts";
import type { Database } from "./client.ts";
import { dispatchedAt, EVENT_COLUMNS, itemEvent, nextSequence, rowJson, transactionCreatedEvent } from "./events.ts";
import { itemUpdateEvents, locationColumns } from "./items.ts";
import { auditLog, events, items, transactions, type ItemRow, type TransactionType } from "./schema.ts";
import { ledgerInsert, quantityFromLedger } from "./transactions.ts";

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

/** An item to create in bulk: the target (with its id) and what its ledger already adds up to. */
export interface NewItemState {
  item: NewItem & { id: string; created_at?: string };
  balance: number;
}

/**
 * Creating many items at once, set-based: five statements for the whole chunk however many items
 * it creates (one statement an item and each of its rows would be five hundred for a chunk of 90),
 * reading the chunk from one JSON parameter (D1 allows 100 bound parameters a statement). Each item
 * is inserted with its quantity, and a difference to `balance` (what its ledger already adds up
 * to: 0, or a purged item's) is its ledger row of `record.movementType`, so quantity ==
 * sum(quantity_change) as always; then the `create` audit entries holding the whole item, and the
 * events: every item's item.created, then every ledger row's transaction.created. The same
 * records, row for row, as `createItemStatements` writes for one item.
 */
export function createItemsStatements(actor: Actor, creates: NewItemState[], record: ItemChangeRecord, now: string): SQLWrapper[] {
  if (creates.length === 0) return [];
  const rows = creates.map(({ item, balance }) => {
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
    const ledger = item.quantity !== balance;
    return {
      ...created,
      location_key: foldCaseOrNull(created.location),
      balance,
      change: item.quantity - balance,
      txn: ledger ? newId("txn") : null,
      audit: newId("evt"),
      item_event: newId("event"),
      txn_event: ledger ? newId("event") : null,
      changes: created,
    };
  });
  const json = JSON.stringify(rows);
  const field = (name: string) => sql.raw(`j.value ->> '${name}'`);
  const fromRows = sql`FROM json_each(${json}) j`;
  const sequence = sql`${nextSequence(actor.companyId)} - 1 + ROW_NUMBER() OVER (ORDER BY j.key)`;
  return [
    sql`
      INSERT INTO ${items} (id, company_id, name, sku, quantity, location, location_key, barcode, reorder_point,
                            version, created_at, updated_at)
      SELECT ${field("id")}, ${actor.companyId}, ${field("name")}, ${field("sku")}, ${field("quantity")},
             ${field("location")}, ${field("location_key")}, ${field("barcode")}, ${field("reorder_point")},
             0, ${field("created_at")}, ${now}
      ${fromRows} ORDER BY j.key`,
    sql`
      INSERT INTO ${transactions} (id, company_id, item_id, type, quantity_change, quantity_before, quantity_after,
                                   reason, note, reference, order_id, user_id, created_at)
      SELECT ${field("txn")}, ${actor.companyId}, ${field("id")}, ${record.movementType}, ${field("change")},
             ${field("balance")}, ${field("quantity")}, ${record.reason ?? null}, NULL, ${record.reference ?? null},
             NULL, ${actor.userId}, ${now}
      ${fromRows} WHERE ${field("txn")} IS NOT NULL ORDER BY j.key`,
    sql`
      INSERT INTO ${auditLog} (id, company_id, action, resource_type, resource_id, item_id, user_id, api_key_id,
                               changes, transaction_id, request_id, created_at)
      SELECT ${field("audit")}, ${actor.companyId}, ${record.auditActions.create}, 'item', ${field("id")}, ${field("id")},
             ${actor.userId}, ${actor.apiKeyId}, j.value -> 'changes', ${field("txn")}, ${actor.requestId}, ${now}
      ${fromRows} ORDER BY j.key`,
    sql`
      INSERT INTO ${events} ${EVENT_COLUMNS}
      SELECT ${field("item_event")}, ${actor.companyId}, ${sequence}, 'item.created', 'item', ${rowJson(items, "i")}, NULL,
             ${actor.requestId}, ${actor.userId}, ${actor.apiKeyId}, ${now}, ${dispatchedAt(actor.companyId, now)}
      ${fromRows} JOIN ${items} i ON i.id = ${field("id")} AND i.company_id = ${actor.companyId}`,
    sql`
      INSERT INTO ${events} ${EVENT_COLUMNS}
      SELECT ${field("txn_event")}, ${actor.companyId}, ${sequence}, 'transaction.created', 'transaction',
             ${rowJson(transactions, "t")}, NULL, ${actor.requestId}, ${actor.userId}, ${actor.apiKeyId}, ${now},
             ${dispatchedAt(actor.companyId, now)}
      ${fromRows} JOIN ${transactions} t ON t.id = ${field("txn")} AND t.company_id = ${actor.companyId}
      WHERE ${field("txn")} IS NOT NULL`,
  ];
}

/** A target that no item has (a new one, or a purged item's id) as the item to create, at `balance`. */
export function newItemState(target: ItemTarget, balance: number): NewItemState {
  if (target.name === undefined || target.sku === undefined) throw new Error("An item is created with a name and a SKU.");
  return {
    item: { ...target, id: target.id ?? newId("item"), name: target.name, sku: target.sku, quantity: target.quantity ?? 0 },
    balance,
  };
}
