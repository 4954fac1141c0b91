import { and, asc, count, eq, gt, inArray, isNull, lte, sql } from "drizzle-orm";
import { toItem } from "../domain/items.ts";
import { DAY_MS, nowMs } from "../lib/clock.ts";
import type { Page } from "../lib/pagination.ts";
import type { Actor } from "./audit.ts";
import { runBatch, type Database } from "./client.ts";
import { snapshotEvent } from "./events.ts";
import { listPage } from "./list-page.ts";
import { items, snapshotRestores, snapshots, type SnapshotRestoreRow, type SnapshotRow } from "./schema.ts";

/** 00:00 UTC of the current day, as ISO text: plan limits count from here. */
export function startOfUtcDay(now = nowMs()): string {
  return new Date(now - (now % DAY_MS)).toISOString();
}

/** Which of a company's items a walk covers: the live ones, or every row (live and trashed). */
type ItemScope = "live" | "all";

/** Up to `limit` of the company's items after rowid `afterSeq`, in rowid order. */
export function itemPage(db: Database, companyId: string, scope: ItemScope, afterSeq: number, limit: number) {
  return db
    .select()
    .from(items)
    .where(and(eq(items.companyId, companyId), gt(items.seq, afterSeq), scope === "live" ? isNull(items.deletedAt) : undefined))
    .orderBy(asc(items.seq))
    .limit(limit);
}

/** The company's items page by page in rowid order (empty pages are not answered). */
export async function* itemPages(db: Database, companyId: string, scope: ItemScope, pageSize = 1000) {
  for (let after = 0; ; ) {
    const page = await itemPage(db, companyId, scope, after, pageSize);
    if (page.length > 0) yield page;
    if (page.length < pageSize) return;
    after = page.at(-1)!.seq;
  }
}

/** Pages of the company's live items in rowid order, as their public objects. */
export async function* liveItemPages(db: Database, companyId: string, pageSize = 1000) {
  for await (const page of itemPages(db, companyId, "live", pageSize)) yield page.map(toItem);
}

export async function countLiveItems(db: Database, companyId: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(items)
    .where(and(eq(items.companyId, companyId), isNull(items.deletedAt)));
  return row?.n ?? 0;
}

type NewSnapshot = typeof snapshots.$inferInsert;

/**
 * Inserts a pending snapshot. With `dailyLimit`, only while the company has made fewer snapshots
 * of this type today (UTC): the count and the insert are one statement, so concurrent requests
 * cannot both take the last one. Answers false when the limit is reached.
 */
export async function insertSnapshot(db: Database, snapshot: NewSnapshot, dailyLimit?: number): Promise<boolean> {
  if (dailyLimit === undefined) {
    await db.insert(snapshots).values(snapshot);
    return true;
  }
  const rows = await db.all(sql`
    INSERT INTO ${snapshots} (id, company_id, type, status, note, created_by, blob_key, created_at, expires_at)
    SELECT ${snapshot.id}, ${snapshot.companyId}, ${snapshot.type}, ${snapshot.status}, ${snapshot.note ?? null},
           ${snapshot.createdBy ?? null}, ${snapshot.blobKey}, ${snapshot.createdAt}, ${snapshot.expiresAt}
    WHERE (SELECT count(*) FROM ${snapshots} WHERE company_id = ${snapshot.companyId}
           AND type = ${snapshot.type} AND created_at >= ${startOfUtcDay()}) < ${dailyLimit}
    RETURNING id`);
  return rows.length > 0;
}

export function completeSnapshotStatement(
  db: Database,
  id: string,
  result: { itemCount: number; sizeBytes: number; sha256: string; completedAt: string },
) {
  return db
    .update(snapshots)
    .set({ status: "complete", ...result })
    .where(eq(snapshots.id, id));
}

/** Marks a snapshot failed, with its `snapshot.failed` event. */
export async function failSnapshot(db: Database, actor: Actor, id: string, error: string, completedAt: string) {
  await runBatch(db, [
    db.update(snapshots).set({ status: "failed", error, completedAt }).where(eq(snapshots.id, id)),
    snapshotEvent(actor, "snapshot.failed", id, completedAt),
  ]);
}

export async function findSnapshot(db: Database, companyId: string, id: string): Promise<SnapshotRow | undefined> {
  const [row] = await db
    .select()
    .from(snapshots)
    .where(and(eq(snapshots.companyId, companyId), eq(snapshots.id, id)));
  return row;
}

export function listSnapshots(db: Database, companyId: string, page: Page) {
  const company = eq(snapshots.companyId, companyId);
  return listPage(db, { table: snapshots, where: company, orderBy: [snapshots.createdAt, snapshots.id], cursorScope: company }, page);
}

export function deleteSnapshotStatement(db: Database, id: string) {
  return db.delete(snapshots).where(eq(snapshots.id, id));
}

/** Snapshots past their expiry, oldest first, at most `limit`. */
export function expiredSnapshots(db: Database, now: string, limit: number) {
  return db
    .select({ id: snapshots.id, blobKey: snapshots.blobKey })
    .from(snapshots)
    .where(lte(snapshots.expiresAt, now))
    .orderBy(asc(snapshots.expiresAt))
    .limit(limit);
}

export async function deleteSnapshotsByIds(db: Database, ids: string[]) {
  if (ids.length > 0) await db.delete(snapshots).where(inArray(snapshots.id, ids));
}

/** True if the company has a complete automatic snapshot made since `since` (a failed one does not count). */
export async function hasAutomaticSnapshotSince(db: Database, companyId: string, since: string) {
  const [row] = await db
    .select({ id: snapshots.id })
    .from(snapshots)
    .where(
      and(
        eq(snapshots.companyId, companyId),
        eq(snapshots.type, "automatic"),
        eq(snapshots.status, "complete"),
        gt(snapshots.createdAt, since),
      ),
    )
    .limit(1);
  return row !== undefined;
}

type NewRestore = typeof snapshotRestores.$inferInsert;

/** Inserts a restore while the company has started fewer than `dailyLimit` today (one statement). */
export async function insertRestore(db: Database, restore: NewRestore, dailyLimit: number): Promise<boolean> {
  const rows = await db.all(sql`
    INSERT INTO ${snapshotRestores} (id, company_id, snapshot_id, status, user_id, api_key_id, request_id,
                                     items_total, created_at, updated_at)
    SELECT ${restore.id}, ${restore.companyId}, ${restore.snapshotId}, ${restore.status}, ${restore.userId ?? null},
           ${restore.apiKeyId ?? null}, ${restore.requestId ?? null}, ${restore.itemsTotal ?? 0},
           ${restore.createdAt}, ${restore.updatedAt}
    WHERE (SELECT count(*) FROM ${snapshotRestores} WHERE company_id = ${restore.companyId}
           AND created_at >= ${startOfUtcDay()}) < ${dailyLimit}
    RETURNING id`);
  return rows.length > 0;
}

export async function findRestore(db: Database, id: string): Promise<SnapshotRestoreRow | undefined> {
  const [row] = await db.select().from(snapshotRestores).where(eq(snapshotRestores.id, id));
  return row;
}

export function updateRestoreStatement(db: Database, id: string, changes: Partial<SnapshotRestoreRow>) {
  return db.update(snapshotRestores).set(changes).where(eq(snapshotRestores.id, id));
}
