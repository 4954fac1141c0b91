// Items: the queries and batches. Every change is one D1 batch with its audit entry (and its
// ledger row when the quantity changes); changes to an item that was read first are guarded by the
// version they read and retried when another request overtook them.
import { and, eq, gt, isNotNull, isNull, lte, sql, type SQL, type SQLWrapper } from "drizzle-orm";
import { DomainError } from "../domain/errors.ts";
import { itemChanges, toItem, trashCutoff, type ItemChanges, type NewItem, type PublicItem } from "../domain/items.ts";
import { foldCase, foldCaseOrNull } from "../lib/case-fold.ts";
import { nowIso, nowMs } from "../lib/clock.ts";
import { newId } from "../lib/ids.ts";
import type { Page } from "../lib/pagination.ts";
import { auditEntry, auditItemChange, type Actor } from "./audit.ts";
import { isUniqueViolation } from "./batch-guard.ts";
import { firstRow, fromTemplate, runBatch, type BoundStatement, type Database } from "./client.ts";
import { itemEvent, previousValues, stockAlertsAfterChange, transactionCreatedEvent } from "./events.ts";
import { listPage, listPageQueries, type ListQuery } from "./list-page.ts";
import { withOptimisticRetry } from "./optimistic-retry.ts";
import { itemCounts, items, type ItemRow } from "./schema.ts";
import { ledgerInsert, movementStatements, quantityFromLedger } from "./transactions.ts";

export interface ItemFilters {
  search?: string;
  location?: string;
  lowStock?: boolean;
}

const live = (companyId: string) => and(eq(items.companyId, companyId), isNull(items.deletedAt));
const inTrash = (companyId: string) =>
  and(eq(items.companyId, companyId), isNotNull(items.deletedAt), gt(items.deletedAt, trashCutoff(nowMs())));

/** Turns a broken unique index of live items into its domain error; other errors pass through. */
export function conflictFrom(error: unknown): unknown {
  if (isUniqueViolation(error, "items.company_id, items.sku_key")) {
    return new DomainError("sku_taken", "Another live item already has this SKU.", { field: "sku" });
  }
  if (isUniqueViolation(error, "items.company_id, items.barcode")) {
    return new DomainError("barcode_taken", "Another live item already has this barcode.", { field: "barcode" });
  }
  return error;
}

/** `location` and the case-folded key its filter compares, written together (undefined: unchanged). */
export function locationColumns(location: string | null | undefined) {
  return location === undefined ? {} : { location, locationKey: foldCaseOrNull(location) };
}

/** The columns of the fields `changes` sets (quantity aside, which only the ledger writes). */
function fieldColumns(changes: ItemChanges) {
  return {
    name: changes.name,
    sku: changes.sku,
    ...locationColumns(changes.location),
    barcode: changes.barcode,
    reorderPoint: changes.reorder_point,
  };
}

/**
 * Creates an item. A starting quantity is recorded as its first ledger row (`initial`); the item,
 * that row and the `create` audit entry are one batch.
 */
export async function insertItem(db: Database, actor: Actor, input: NewItem): Promise<PublicItem> {
  const now = nowIso();
  const id = newId("item");
  const transactionId = input.quantity > 0 ? newId("txn") : null;
  const row = {
    id,
    companyId: actor.companyId,
    name: input.name,
    sku: input.sku,
    quantity: 0,
    location: input.location ?? null,
    locationKey: foldCaseOrNull(input.location),
    barcode: input.barcode ?? null,
    reorderPoint: input.reorder_point ?? null,
    createdAt: now,
    updatedAt: now,
  };
  const created = toItem({ ...row, quantity: input.quantity });
  try {
    await runBatch(db, [
      db.insert(items).values(row),
      ...(transactionId
        ? movementStatements(db, actor, { itemId: id, type: "initial", level: input.quantity }, transactionId, now, {
            audit: false,
            events: "none",
          })
        : []),
      auditEntry(db, actor, {
        action: "create",
        resourceType: "item",
        resourceId: id,
        itemId: id,
        changes: created,
        transactionId,
        createdAt: now,
      }),
      itemEvent(actor, "item.created", id, now),
      ...(transactionId ? [transactionCreatedEvent(actor, transactionId, now)] : []),
    ]);
    return created;
  } catch (error) {
    throw conflictFrom(error);
  }
}

/** The statement of `findLiveItem` (a template: it is the busiest read). */
export function liveItemStatement(db: Database, companyId: string, id: string): BoundStatement {
  return fromTemplate(
    "items:find-live",
    () =>
      db
        .select()
        .from(items)
        .where(and(eq(items.companyId, sql.placeholder("companyId")), isNull(items.deletedAt), eq(items.id, sql.placeholder("id"))))
        .limit(1)
        .getSQL(),
    { companyId, id },
  );
}

/** A live item by id. */
export function findLiveItem(db: Database, companyId: string, id: string): Promise<ItemRow | undefined> {
  return firstRow(db, items, liveItemStatement(db, companyId, id));
}

/**
 * Changes a live item. A new `quantity` is recorded as an `adjust` ledger row with reason
 * `manual_update`; fields, ledger row and audit entry are one batch. Nothing changes (and nothing
 * is recorded) when every value sent equals the current one.
 */
export async function updateLiveItem(
  db: Database,
  actor: Actor,
  id: string,
  changes: ItemChanges,
): Promise<PublicItem | undefined> {
  return withOptimisticRetry(async () => {
    const current = await findLiveItem(db, actor.companyId, id);
    if (!current) return undefined;
    const before = toItem(current);
    const changed = itemChanges(before, changes);
    if (Object.keys(changed).length === 0) return before;

    const now = nowIso();
    const transactionId = changed.quantity ? newId("txn") : null;
    const movement = {
      itemId: id,
      type: "adjust" as const,
      reason: "manual_update",
      level: changes.quantity!,
      expectedVersion: current.version,
    };
    await runBatch(db, [
      auditItemChange(actor, { action: "update", resourceType: "item", resourceId: id, changes: changed, transactionId, createdAt: now }, current.version),
      ...(transactionId ? [ledgerInsert(actor, movement, transactionId, now)] : []),
      db
        .update(items)
        .set({
          ...fieldColumns(changes),
          ...(transactionId ? { quantity: quantityFromLedger(transactionId) } : {}),
          version: current.version + 1,
          updatedAt: now,
        })
        .where(and(eq(items.id, id), eq(items.version, current.version))),
      ...itemUpdateEvents(actor, current, changed, transactionId, now),
    ]);
    return { ...before, ...changes, updated_at: now };
  }, conflictFrom);
}

/** Moving a live item (as read at `current.version`) to the trash, and its `delete` entry. */
export function trashStatements(db: Database, actor: Actor, current: ItemRow, now: string): SQLWrapper[] {
  return [
    auditItemChange(
      actor,
      { action: "delete", resourceType: "item", resourceId: current.id, changes: toItem(current), createdAt: now },
      current.version,
    ),
    db
      .update(items)
      .set({ deletedAt: now, updatedAt: now, version: current.version + 1 })
      .where(and(eq(items.id, current.id), eq(items.version, current.version))),
    itemEvent(actor, "item.deleted", current.id, now),
  ];
}

/**
 * The events of an update of a live item (as read: `current`) that changed `changed`: the item's
 * `item.updated` with the former values (`updated_at` among them), the ledger row's `transaction.created` when the quantity
 * changed, and the stock alerts of the quantity or reorder point it now has.
 */
export function itemUpdateEvents(
  actor: Actor,
  current: Pick<ItemRow, "id" | "quantity" | "reorderPoint" | "updatedAt">,
  changed: Record<string, { from: unknown }>,
  transactionId: string | null,
  now: string,
): SQLWrapper[] {
  return [
    itemEvent(actor, "item.updated", current.id, now, { ...previousValues(changed), updated_at: current.updatedAt }),
    ...(transactionId ? [transactionCreatedEvent(actor, transactionId, now)] : []),
    ...("quantity" in changed || "reorder_point" in changed
      ? [stockAlertsAfterChange(actor, current.id, { quantity: current.quantity, reorderPoint: current.reorderPoint }, now)]
      : []),
  ];
}

/** Moves a live item to the trash, with a `delete` audit entry; false when there is no such item. */
export async function trashItem(db: Database, actor: Actor, id: string): Promise<boolean> {
  return withOptimisticRetry(async () => {
    const current = await findLiveItem(db, actor.companyId, id);
    if (!current) return false;
    await runBatch(db, trashStatements(db, actor, current, nowIso()));
    return true;
  }, conflictFrom);
}

/** Brings a trashed item back within its 30 days, with a `restore` audit entry. */
export async function restoreTrashedItem(db: Database, actor: Actor, id: string): Promise<PublicItem | undefined> {
  return withOptimisticRetry(async () => {
    const [current] = await db
      .select()
      .from(items)
      .where(and(inTrash(actor.companyId), eq(items.id, id)));
    if (!current) return undefined;
    const now = nowIso();
    const restored = toItem({ ...current, updatedAt: now });
    await runBatch(db, [
      auditItemChange(actor, { action: "restore", resourceType: "item", resourceId: id, changes: restored, createdAt: now }, current.version),
      db
        .update(items)
        .set({ deletedAt: null, updatedAt: now, version: current.version + 1 })
        .where(and(eq(items.id, id), eq(items.version, current.version))),
      itemEvent(actor, "item.restored", id, now),
    ]);
    return restored;
  }, conflictFrom);
}

/**
 * The key that starts each of a company's terms in items_fts: its id in hex (FTS5 folds case, the
 * ids do not), then `x`, which no hex digit is, so that no key starts another. The triggers of
 * migration 0008 write it as lower(hex(company_id)) || 'x'.
 */
function searchKey(companyId: string): string {
  return Array.from(new TextEncoder().encode(companyId), (byte) => byte.toString(16).padStart(2, "0")).join("") + "x";
}

/**
 * The ids (as rowids) of live items matching `search`: name words by prefix through FTS5, SKU by
 * prefix and barcode by prefix, each through its own index. A UNION of three index look-ups. Every
 * FTS5 term starts with the company's key, so a word prefix reads only that company's terms.
 */
function searchMatches(companyId: string, search: string): SQL {
  const prefixEnd = "\u{10FFFF}";
  const skuPrefix = search.toLowerCase();
  const branches: SQL[] = [
    sql`SELECT seq FROM items WHERE company_id = ${companyId} AND deleted_at IS NULL
        AND sku_key >= ${skuPrefix} AND sku_key < ${skuPrefix + prefixEnd}`,
    sql`SELECT seq FROM items WHERE company_id = ${companyId} AND deleted_at IS NULL
        AND barcode >= ${search} AND barcode < ${search + prefixEnd}`,
  ];
  const words = search.match(/[\p{L}\p{N}]+/gu);
  if (words) {
    const key = searchKey(companyId);
    const query = words.map((word) => `"${key}${word}"*`).join(" AND ");
    branches.push(sql`SELECT rowid AS seq FROM items_fts WHERE items_fts MATCH ${query}`);
  }
  return sql.join(branches, sql` UNION `);
}

/** The list of live items matching `filters`, newest first (the list and the CSV export share it). */
export function liveItemsQuery(db: Database, companyId: string, filters: ItemFilters): ListQuery<typeof items> {
  const conditions: (SQL | undefined)[] = [];
  // Surrounding spaces (a pasted SKU or barcode) would defeat the prefix matches.
  const search = filters.search?.trim();
  if (search) {
    // Drive the query from the (small) set of matches, looked up by rowid. The unary `+` keeps
    // SQLite from walking the company's whole index instead.
    conditions.push(
      sql`+${items.companyId} = ${companyId}`,
      isNull(items.deletedAt),
      sql`${items.seq} IN (${searchMatches(companyId, search)})`,
    );
  } else {
    conditions.push(live(companyId));
  }
  if (filters.location !== undefined) {
    conditions.push(eq(items.locationKey, foldCase(filters.location)));
  }
  if (filters.lowStock !== undefined) conditions.push(eq(items.lowStock, filters.lowStock ? 1 : 0));

  const unfiltered = !search && filters.location === undefined && filters.lowStock === undefined;
  return {
    table: items,
    where: and(...conditions),
    orderBy: [items.createdAt, items.id],
    // Any of the company's items is a cursor, trashed ones included.
    cursorScope: eq(items.companyId, companyId),
    fromMatches: Boolean(search),
    // Without filters the total is the company's live-item count, kept by triggers: one row read
    // instead of a count over the whole inventory.
    total: unfiltered
      ? db
          .select({ total: sql<number>`coalesce(sum(${itemCounts.live}), 0)` })
          .from(itemCounts)
          .where(eq(itemCounts.companyId, companyId))
      : undefined,
  };
}

/** The two statements behind a page of live items (exported so that tests can EXPLAIN them). */
export function liveItemsQueries(db: Database, companyId: string, filters: ItemFilters, page: Page) {
  return listPageQueries(db, liveItemsQuery(db, companyId, filters), page);
}

export function listLiveItems(db: Database, companyId: string, filters: ItemFilters, page: Page) {
  return listPage(db, liveItemsQuery(db, companyId, filters), page);
}

/** Trashed items that can still be restored, most recently deleted first. */
export function listTrashedItems(db: Database, companyId: string, page: Page) {
  // A cursor is any trashed item of the company (its place is its deleted_at); a live one has none.
  const trashed = and(eq(items.companyId, companyId), isNotNull(items.deletedAt));
  return listPage(db, { table: items, where: inTrash(companyId), orderBy: [items.deletedAt, items.id], cursorScope: trashed }, page);
}

/** Deletes for good at most `limit` items trashed 30 days ago or earlier; returns how many. */
export async function purgeTrashedItems(db: Database, limit: number): Promise<number> {
  const expired = db
    .select({ seq: items.seq })
    .from(items)
    .where(and(isNotNull(items.deletedAt), lte(items.deletedAt, trashCutoff(nowMs()))))
    .limit(limit);
  const rows = await db
    .delete(items)
    .where(sql`${items.seq} IN ${expired}`)
    .returning({ seq: items.seq });
  return rows.length;
}
