// Restoring a snapshot: make the live items equal to the snapshot's. Work is done in steps, each
// well inside the Workers and D1 limits, and each step commits its changes together with the
// restore's progress (one D1 batch), so a step that dies is simply run again.
import { and, asc, eq, gt, inArray, isNull, type SQLWrapper } from "drizzle-orm";
import { auditEntry, auditItemChange, type Actor } from "../db/audit.ts";
import { database, runBatch, type Database } from "../db/client.ts";
import { conflictFrom, EDITABLE, toItem, trashStatements, type PublicItem } from "../db/items.ts";
import { items, type ItemRow, type SnapshotRestoreRow, type SnapshotRow } from "../db/schema.ts";
import { findRestore, findSnapshot, updateRestoreStatement } from "../db/snapshots.ts";
import { isConstraintFailure, ledgerInsert, movementStatements, quantityFromLedger } from "../db/transactions.ts";
import { nowIso } from "../lib/clock.ts";
import { ApiError } from "../lib/errors.ts";
import { newId } from "../lib/ids.ts";
import { readSnapshotBlob } from "./snapshot-blob.ts";

/** Snapshot items looked up per statement: D1 allows 100 bound parameters (company id + 90 ids). */
const APPLY_CHUNK = 90;
const TRASH_PAGE = 200;
/** Pages or chunks a step works through (two D1 calls each), well under 1,000 calls an invocation. */
const CHUNKS_PER_STEP = 150;
const SAMPLE_SIZE = 10;

type Change = { from: unknown; to: unknown };
type Action = "update" | "restore" | "create";

/** What restoring `target` changes about the item as it is now (`current`, or purged). */
function planItem(target: PublicItem, current: ItemRow | undefined) {
  if (!current) return { action: "create" as Action, changes: target as Record<string, unknown> };
  const now = toItem(current);
  const changes: Record<string, Change> = {};
  for (const field of [...EDITABLE, "quantity"] as const) {
    if (target[field] !== now[field]) changes[field] = { from: now[field], to: target[field] };
  }
  if (current.deletedAt !== null) return { action: "restore" as Action, changes };
  return Object.keys(changes).length > 0 ? { action: "update" as Action, changes } : null;
}

/** The statements that make `current` (or a purged item) equal to `target`. */
function restoreItemStatements(db: Database, actor: Actor, target: PublicItem, current: ItemRow | undefined, now: string) {
  const transactionId = target.quantity !== (current?.quantity ?? 0) ? newId("txn") : null;
  const movement = { itemId: target.id, type: "restore" as const, level: target.quantity };
  const fields = {
    name: target.name,
    sku: target.sku,
    location: target.location,
    barcode: target.barcode,
    reorderPoint: target.reorder_point,
  };
  if (!current) {
    return [
      db.insert(items).values({
        ...fields,
        id: target.id,
        companyId: actor.companyId,
        quantity: 0,
        createdAt: target.created_at,
        updatedAt: now,
      }),
      ...(transactionId ? movementStatements(db, actor, movement, transactionId, now, false) : []),
      auditEntry(db, actor, {
        action: "restore",
        resourceType: "item",
        resourceId: target.id,
        itemId: target.id,
        changes: { ...target, updated_at: now },
        transactionId,
        createdAt: now,
      }),
    ];
  }
  const plan = planItem(target, current)!;
  const changes = current.deletedAt === null ? plan.changes : { ...target, updated_at: now };
  const statements: SQLWrapper[] = [
    auditItemChange(actor, { action: "restore", resourceType: "item", resourceId: target.id, changes, transactionId, createdAt: now }, current.version),
    db
      .update(items)
      .set({ ...fields, deletedAt: null, updatedAt: now, version: current.version + 1 })
      .where(and(eq(items.id, target.id), eq(items.version, current.version))),
  ];
  if (transactionId) {
    statements.push(
      ledgerInsert(actor, { ...movement, expectedVersion: current.version + 1 }, transactionId, now),
      db
        .update(items)
        .set({ quantity: quantityFromLedger(transactionId), version: current.version + 2 })
        .where(eq(items.id, target.id)),
    );
  }
  return statements;
}

function isItemLine(line: Record<string, unknown>): boolean {
  return typeof line.id === "string" && typeof line.sku === "string" && typeof line.quantity === "number";
}

/** The snapshot's items, without the header line. */
async function* snapshotItems(bucket: R2Bucket, snapshot: SnapshotRow): AsyncGenerator<PublicItem> {
  for await (const line of readSnapshotBlob(bucket, snapshot.blobKey)) {
    if (isItemLine(line)) yield line as unknown as PublicItem;
  }
}

async function* chunks<T>(source: AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  let chunk: T[] = [];
  for await (const value of source) {
    chunk.push(value);
    if (chunk.length === size) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}

async function currentRows(db: Database, companyId: string, ids: string[]): Promise<Map<string, ItemRow>> {
  const rows = await db
    .select()
    .from(items)
    .where(and(eq(items.companyId, companyId), inArray(items.id, ids)));
  return new Map(rows.map((row) => [row.id, row]));
}

/** Pages of the company's live items after `afterSeq`, in rowid order. */
async function livePage(db: Database, companyId: string, afterSeq: number) {
  return db
    .select()
    .from(items)
    .where(and(eq(items.companyId, companyId), gt(items.seq, afterSeq), isNull(items.deletedAt)))
    .orderBy(asc(items.seq))
    .limit(TRASH_PAGE);
}

export interface RestorePreview {
  items_to_update: number;
  items_to_restore: number;
  items_to_create: number;
  items_to_trash: number;
  quantity_changes: number;
  sample: { item_id: string; action: Action | "trash"; changes: Record<string, unknown> }[];
}

/** Pages of all the company's items (live and trashed), in rowid order. */
async function* allItemPages(db: Database, companyId: string, pageSize = 1000) {
  for (let after = 0; ; ) {
    const page = await db
      .select()
      .from(items)
      .where(and(eq(items.companyId, companyId), gt(items.seq, after)))
      .orderBy(asc(items.seq))
      .limit(pageSize);
    if (page.length > 0) yield page;
    if (page.length < pageSize) return;
    after = page.at(-1)!.seq;
  }
}

/**
 * What a restore would change (`?dry_run=true`), reading only. The company's items are read in
 * pages of 1,000 into a map (about 40 MB for 100,000 items), so the whole preview takes about
 * one D1 query per 1,000 items.
 */
export async function previewRestore(env: Env, snapshot: SnapshotRow): Promise<RestorePreview> {
  const db = database(env.DB);
  const preview: RestorePreview = {
    items_to_update: 0,
    items_to_restore: 0,
    items_to_create: 0,
    items_to_trash: 0,
    quantity_changes: 0,
    sample: [],
  };
  const current = new Map<string, ItemRow>();
  for await (const page of allItemPages(db, snapshot.companyId)) {
    for (const row of page) current.set(row.id, row);
  }
  for await (const target of snapshotItems(env.SNAPSHOTS, snapshot)) {
    const row = current.get(target.id);
    current.delete(target.id);
    const plan = planItem(target, row);
    if (!plan) continue;
    preview[`items_to_${plan.action}`] += 1;
    if (target.quantity !== (row?.quantity ?? 0)) preview.quantity_changes += 1;
    if (preview.sample.length < SAMPLE_SIZE) preview.sample.push({ item_id: target.id, ...plan });
  }
  // What is left is not in the snapshot: its live items would go to the trash.
  for (const row of current.values()) {
    if (row.deletedAt !== null) continue;
    preview.items_to_trash += 1;
    if (preview.sample.length < SAMPLE_SIZE) preview.sample.push({ item_id: row.id, action: "trash", changes: toItem(row) });
  }
  return preview;
}

/** Times a chunk is read again when a user changed one of its items in between. */
const CHUNK_ATTEMPTS = 5;

/**
 * Runs the restore for up to `budgetMs`, then answers its row: `complete`, `failed`, or still
 * `running` (call again to continue). Phase `trash` first moves live items that the snapshot does
 * not hold to the trash (freeing their SKUs and barcodes); phase `apply` then walks the
 * snapshot's items in chunks and makes each live item equal to it.
 */
export async function runRestoreStep(env: Env, restoreId: string, budgetMs: number): Promise<SnapshotRestoreRow> {
  const db = database(env.DB);
  const deadline = Date.now() + budgetMs;
  // Every step does at least one chunk, so that even a zero budget makes progress.
  let chunksDone = 0;
  const mayContinue = () => chunksDone++ === 0 || (Date.now() < deadline && chunksDone <= CHUNKS_PER_STEP);
  let restore = (await findRestore(db, restoreId))!;
  if (restore.status === "complete" || restore.status === "failed") return restore;
  const snapshot = (await findSnapshot(db, restore.companyId, restore.snapshotId))!;
  const actor: Actor = {
    companyId: restore.companyId,
    userId: restore.userId,
    apiKeyId: restore.apiKeyId,
    requestId: restore.requestId,
  };
  const save = async (statements: SQLWrapper[], progress: Partial<SnapshotRestoreRow>) => {
    const changes: Partial<SnapshotRestoreRow> = { status: "running", ...progress, updatedAt: nowIso() };
    await runBatch(db, [...statements, updateRestoreStatement(db, restoreId, changes)]);
    restore = { ...restore, ...changes };
  };

  try {
    if (restore.phase === "trash") {
      const inSnapshot = new Set<string>();
      for await (const item of snapshotItems(env.SNAPSHOTS, snapshot)) inSnapshot.add(item.id);
      while (restore.phase === "trash" && mayContinue()) {
        const page = await livePage(db, restore.companyId, restore.cursor);
        const now = nowIso();
        const doomed = page.filter((row) => !inSnapshot.has(row.id));
        const finished = page.length < TRASH_PAGE;
        await save(
          doomed.flatMap((row) => trashStatements(db, actor, row, now)),
          finished
            ? { phase: "apply", cursor: 0, itemsTrashed: restore.itemsTrashed + doomed.length }
            : { cursor: page.at(-1)!.seq, itemsTrashed: restore.itemsTrashed + doomed.length },
        );
      }
    }

    if (restore.phase === "apply") {
      let line = 0;
      for await (const chunk of chunks(snapshotItems(env.SNAPSHOTS, snapshot), APPLY_CHUNK)) {
        line += chunk.length;
        if (line <= restore.cursor) continue;
        if (!mayContinue()) return restore;
        await applyChunk(db, actor, restore, chunk, line, save);
      }
      await save([], { status: "complete", completedAt: nowIso() });
    }
    return restore;
  } catch (error) {
    // A conflict in the data (a SKU now held by an item the snapshot does not know) will not go
    // away by trying again: the restore stops and says where. Anything else is thrown, to be
    // retried by the caller.
    if (!(error instanceof ApiError)) throw error;
    return markRestoreFailed(env, restoreId, `Stopped after ${restore.itemsProcessed} items: ${error.message}`);
  }
}

export async function markRestoreFailed(env: Env, restoreId: string, message: string): Promise<SnapshotRestoreRow> {
  const db = database(env.DB);
  console.error(JSON.stringify({ event: "restore_failed", restore_id: restoreId, error: message }));
  const now = nowIso();
  await runBatch(db, [updateRestoreStatement(db, restoreId, { status: "failed", error: message, updatedAt: now, completedAt: now })]);
  return (await findRestore(db, restoreId))!;
}

async function applyChunk(
  db: Database,
  actor: Actor,
  restore: SnapshotRestoreRow,
  chunk: PublicItem[],
  line: number,
  save: (statements: SQLWrapper[], progress: Partial<SnapshotRestoreRow>) => Promise<void>,
) {
  for (let attempt = 1; ; attempt++) {
    const current = await currentRows(db, restore.companyId, chunk.map((item) => item.id));
    const now = nowIso();
    const counts = { update: 0, restore: 0, create: 0 };
    const statements: SQLWrapper[] = [];
    for (const target of chunk) {
      const plan = planItem(target, current.get(target.id));
      if (!plan) continue;
      counts[plan.action] += 1;
      statements.push(...restoreItemStatements(db, actor, target, current.get(target.id), now));
    }
    try {
      await save(statements, {
        cursor: line,
        itemsProcessed: line,
        itemsUpdated: restore.itemsUpdated + counts.update,
        itemsRestored: restore.itemsRestored + counts.restore,
        itemsCreated: restore.itemsCreated + counts.create,
      });
      return;
    } catch (error) {
      const conflict = conflictFrom(error);
      if (conflict !== error) throw conflict;
      if (attempt >= CHUNK_ATTEMPTS || !isConstraintFailure(error)) throw error;
    }
  }
}

/** The public restore object. */
export function toRestore(row: SnapshotRestoreRow) {
  return {
    id: row.id,
    snapshot_id: row.snapshotId,
    pre_restore_snapshot_id: row.preRestoreSnapshotId,
    status: row.status,
    phase: row.phase,
    items_total: row.itemsTotal,
    items_processed: row.itemsProcessed,
    items_updated: row.itemsUpdated,
    items_restored: row.itemsRestored,
    items_created: row.itemsCreated,
    items_trashed: row.itemsTrashed,
    error: row.error,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
    completed_at: row.completedAt,
  };
}
