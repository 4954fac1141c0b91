import { and, count, desc, eq, gt, isNotNull, isNull, lte, sql, type SQL } from "drizzle-orm";
import { DAY_MS, nowIso, nowMs } from "../lib/clock.ts";
import { ApiError } from "../lib/errors.ts";
import { newId } from "../lib/ids.ts";
import type { Page } from "../lib/pagination.ts";
import { d1ErrorMessage, type Database } from "./client.ts";
import { items, type ItemRow } from "./schema.ts";

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

export type ItemChanges = Partial<Omit<ItemInput, "quantity">>;

export interface ItemFilters {
  search?: string;
  location?: string;
  lowStock?: boolean;
}

const live = (companyId: string) => and(eq(items.companyId, companyId), isNull(items.deletedAt));
const newestFirst = [desc(items.createdAt), desc(items.id)];

/** Turns a unique-index violation into the contract's 409; other errors pass through. */
function conflictFrom(error: unknown): unknown {
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
    location: input.location,
    barcode: input.barcode,
    reorderPoint: input.reorder_point,
  };
}

export async function insertItem(db: Database, companyId: string, input: ItemInput): Promise<ItemRow> {
  const now = nowIso();
  try {
    const [row] = await db
      .insert(items)
      .values({
        ...columnsOf(input),
        id: newId("item"),
        companyId,
        name: input.name,
        sku: input.sku,
        quantity: input.quantity,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    return row!;
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

export async function updateLiveItem(
  db: Database,
  companyId: string,
  id: string,
  changes: ItemChanges,
): Promise<ItemRow | undefined> {
  try {
    const [row] = await db
      .update(items)
      .set({ ...columnsOf(changes), updatedAt: nowIso() })
      .where(and(live(companyId), eq(items.id, id)))
      .returning();
    return row;
  } catch (error) {
    throw conflictFrom(error);
  }
}

/** Moves a live item to the trash; false when there is no such live item. */
export async function trashItem(db: Database, companyId: string, id: string): Promise<boolean> {
  const now = nowIso();
  const rows = await db
    .update(items)
    .set({ deletedAt: now, updatedAt: now })
    .where(and(live(companyId), eq(items.id, id)))
    .returning({ id: items.id });
  return rows.length > 0;
}

/** Brings a trashed item back while it is within its 30 days. */
export async function restoreTrashedItem(
  db: Database,
  companyId: string,
  id: string,
): Promise<ItemRow | undefined> {
  try {
    const [row] = await db
      .update(items)
      .set({ deletedAt: null, updatedAt: nowIso() })
      .where(
        and(
          eq(items.companyId, companyId),
          eq(items.id, id),
          isNotNull(items.deletedAt),
          gt(items.deletedAt, trashCutoff()),
        ),
      )
      .returning();
    return row;
  } catch (error) {
    throw conflictFrom(error);
  }
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
    conditions.push(eq(items.locationKey, sql`lower(${filters.location})`));
  }
  if (filters.lowStock !== undefined) conditions.push(eq(items.lowStock, filters.lowStock ? 1 : 0));

  const where = and(...conditions);
  return {
    rows: db.select().from(items).where(where).orderBy(...newestFirst).limit(page.limit).offset(page.offset),
    total: db.select({ total: count() }).from(items).where(where),
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
  const where = and(
    eq(items.companyId, companyId),
    isNotNull(items.deletedAt),
    gt(items.deletedAt, trashCutoff()),
  );
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
