import { and, count, desc, eq, gt, isNotNull, isNull, lte, sql, type SQL, type SQLWrapper } from "drizzle-orm";
import { foldCase, foldCaseOrNull } from "../lib/case-fold.ts";
import { DAY_MS, nowIso, nowMs } from "../lib/clock.ts";
import { ApiError } from "../lib/errors.ts";
import { newId } from "../lib/ids.ts";
import type { Page } from "../lib/pagination.ts";
import { auditEntry, auditItemChange, type Actor } from "./audit.ts";
import { runBatch, type Database } from "./client.ts";
import { d1ErrorMessage } from "./batch-guard.ts";
import { withOptimisticRetry } from "./optimistic-retry.ts";
import { ledgerInsert, movementStatements, quantityFromLedger } from "./transactions.ts";
import { itemCounts, items, type ItemRow } from "./schema.ts";

/** Trashed items can be restored for this long; then the daily job purges them. */
export const TRASH_DAYS = 30;

export function purgeAt(deletedAt: string): string {
  return new Date(Date.parse(deletedAt) + TRASH_DAYS * DAY_MS).toISOString();
}

/** Items deleted at or before this moment are past their purge date. */
function trashCutoff(): string {
  return new Date(nowMs() - TRASH_DAYS * DAY_MS).toISOString();
}

export interface ItemInput {
  name: string;
  sku: string;
  quantity: number;
  location?: string | null;
  barcode?: string | null;
  reorder_point?: number | null;
}

export type ItemChanges = Partial<ItemInput>;

export interface ItemFilters {
  search?: string;
  location?: string;
  lowStock?: boolean;
}

const live = (companyId: string) => and(eq(items.companyId, companyId), isNull(items.deletedAt));
const inTrash = (companyId: string) =>
  and(eq(items.companyId, companyId), isNotNull(items.deletedAt), gt(items.deletedAt, trashCutoff()));
const newestFirst = [desc(items.createdAt), desc(items.id)];

/** The public representation of an item: API responses and audit entries. */
export function toItem(
  row: Pick<ItemRow, "id" | "name" | "sku" | "quantity" | "location" | "barcode" | "reorderPoint" | "createdAt" | "updatedAt">,
) {
  return {
    id: row.id,
    name: row.name,
    sku: row.sku,
    quantity: row.quantity,
    location: row.location,
    barcode: row.barcode,
    reorder_point: row.reorderPoint,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

export type PublicItem = ReturnType<typeof toItem>;
export const EDITABLE = ["name", "sku", "location", "barcode", "reorder_point"] as const;

/** Turns a unique-index violation into the contract's 409; other errors pass through. */
export function conflictFrom(error: unknown): unknown {
  const message = d1ErrorMessage(error);
  if (!message.includes("UNIQUE constraint failed")) return error;
  if (message.includes("items.sku_key")) {
    return new ApiError("sku_taken", "Another live item already has this SKU.", "sku");
  }
  if (message.includes("items.barcode")) {
    return new ApiError("barcode_taken", "Another live item already has this barcode.", "barcode");
  }
  return error;
}

function columnsOf(input: ItemChanges) {
  return {
    name: input.name,
    sku: input.sku,
    ...locationColumns(input.location),
    barcode: input.barcode,
    reorderPoint: input.reorder_point,
  };
}

/** `location` and the case-folded key its filter compares, written together (undefined: unchanged). */
export function locationColumns(location: string | null | undefined) {
  return location === undefined ? {} : { location, locationKey: foldCaseOrNull(location) };
}

/**
 * Creates an item. A starting quantity is recorded as its first ledger row (`initial`); the item,
 * that row and the `create` audit entry are one batch.
 */
export async function insertItem(db: Database, actor: Actor, input: ItemInput): Promise<PublicItem> {
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
        ? movementStatements(db, actor, { itemId: id, type: "initial", level: input.quantity }, transactionId, now, false)
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
    ]);
    return created;
  } catch (error) {
    throw conflictFrom(error);
  }
}

export async function findLiveItem(db: Database, companyId: string, id: string) {
  const [row] = await db
    .select()
    .from(items)
    .where(and(live(companyId), eq(items.id, id)))
    .limit(1);
  return row;
}

/** `{field: {from, to}}` for the fields whose value changes. */
function diff(before: PublicItem, changes: ItemChanges) {
  const changed: Record<string, { from: unknown; to: unknown }> = {};
  for (const field of [...EDITABLE, "quantity"] as const) {
    const to = changes[field];
    if (to !== undefined && to !== before[field]) changed[field] = { from: before[field], to };
  }
  return changed;
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
    const changed = diff(before, changes);
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
          ...columnsOf(changes),
          ...(transactionId ? { quantity: quantityFromLedger(transactionId) } : {}),
          version: current.version + 1,
          updatedAt: now,
        })
        .where(and(eq(items.id, id), eq(items.version, current.version))),
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
    ]);
    return restored;
  }, conflictFrom);
}

/**
 * The ids (as rowids) of live items matching `search`: name words by prefix through FTS5, SKU by
 * prefix and barcode by prefix, each through its own index. A UNION of three index look-ups.
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
    const query = words.map((word) => `"${word}"*`).join(" AND ");
    branches.push(sql`SELECT rowid AS seq FROM items_fts WHERE items_fts MATCH ${query}`);
  }
  return sql.join(branches, sql` UNION `);
}

/** The two statements behind a page of live items (exported so that tests can EXPLAIN them). */
export function liveItemsQueries(db: Database, companyId: string, filters: ItemFilters, page: Page) {
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

  const where = and(...conditions);
  const unfiltered = !search && filters.location === undefined && filters.lowStock === undefined;
  return {
    rows: db.select().from(items).where(where).orderBy(...newestFirst).limit(page.limit).offset(page.offset),
    // Without filters the total is the company's live-item count, kept by triggers: one row read
    // instead of a count over the whole inventory.
    total: unfiltered
      ? db
          .select({ total: sql<number>`coalesce(sum(${itemCounts.live}), 0)` })
          .from(itemCounts)
          .where(eq(itemCounts.companyId, companyId))
      : db.select({ total: count() }).from(items).where(where),
  };
}

export async function listLiveItems(
  db: Database,
  companyId: string,
  filters: ItemFilters,
  page: Page,
): Promise<{ rows: ItemRow[]; total: number }> {
  const queries = liveItemsQueries(db, companyId, filters, page);
  const [rows, [total]] = await db.batch([queries.rows, queries.total]);
  return { rows, total: total?.total ?? 0 };
}

export async function listTrashedItems(db: Database, companyId: string, page: Page) {
  const where = inTrash(companyId);
  const [rows, [total]] = await db.batch([
    db
      .select()
      .from(items)
      .where(where)
      .orderBy(desc(items.deletedAt), desc(items.id))
      .limit(page.limit)
      .offset(page.offset),
    db.select({ total: count() }).from(items).where(where),
  ]);
  return { rows, total: total?.total ?? 0 };
}

/** Deletes for good at most `limit` items trashed 30 days ago or earlier; returns how many. */
export async function purgeTrashedItems(db: Database, limit: number): Promise<number> {
  const expired = db
    .select({ seq: items.seq })
    .from(items)
    .where(and(isNotNull(items.deletedAt), lte(items.deletedAt, trashCutoff())))
    .limit(limit);
  const rows = await db
    .delete(items)
    .where(sql`${items.seq} IN ${expired}`)
    .returning({ seq: items.seq });
  return rows.length;
}
