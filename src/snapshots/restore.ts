// Restoring a snapshot: make the live items equal to the snapshot's. Work is done in steps, each
// well inside the Workers and D1 limits, and each step commits its changes together with the
// restore's progress (one D1 batch), so a step that dies is simply run again.
import { and, asc, eq, gt, inArray, isNull, sum, type SQLWrapper } from "drizzle-orm";
import { auditEntry, auditItemChange, type Actor } from "../db/audit.ts";
import { runBatch, type Database } from "../db/client.ts";
import { isConstraintFailure } from "../db/batch-guard.ts";
import { conflictFrom, locationColumns, trashStatements } from "../db/items.ts";
import { items, transactions, type ItemRow, type SnapshotRestoreRow, type SnapshotRow } from "../db/schema.ts";
import { findRestore, findSnapshot, updateRestoreStatement } from "../db/snapshots.ts";
import { ledgerInsert, movementStatements, quantityFromLedger } from "../db/transactions.ts";
import { EDITABLE, toItem, type PublicItem } from "../domain/items.ts";
import { nowIso } from "../lib/clock.ts";
import { ApiError } from "../lib/errors.ts";
import { newId } from "../lib/ids.ts";
import { readSnapshotBlob } from "./snapshot-blob.ts";
import type { Services } from "../services/index.ts";

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

/**
 * The statements that make `current` (or a purged item) equal to `target`. A purged item comes
 * back with the quantity its ledger rows (kept by the purge) add up to, so that the restore
 * movement keeps quantity == sum(quantity_change).
 */
function restoreItemStatements(
  db: Database,
  actor: Actor,
  target: PublicItem,
  current: ItemRow | undefined,
  now: string,
  purgedBalance = 0,
) {
  const transactionId = target.quantity !== (current?.quantity ?? purgedBalance) ? newId("txn") : null;
  const movement = { itemId: target.id, type: "restore" as const, level: target.quantity };
  const fields = {
    name: target.name,
    sku: target.sku,
    ...locationColumns(target.location),
    barcode: target.barcode,
    reorderPoint: target.reorder_point,
  };
  if (!current) {
    return [
      db.insert(items).values({
        ...fields,
        id: target.id,
        companyId: actor.companyId,
        quantity: purgedBalance,
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

/**
 * What the ledger rows of purged items (ids with no item row) add up to, by id: the purge removes
 * an item's row but keeps its ledger.
 */
async function purgedBalances(db: Database, companyId: string, ids: string[]): Promise<Map<string, number>> {
  const balances = new Map<string, number>();
  for (let i = 0; i < ids.length; i += APPLY_CHUNK) {
    const rows = await db
      .select({ itemId: transactions.itemId, balance: sum(transactions.quantityChange).mapWith(Number) })
      .from(transactions)
      .where(and(eq(transactions.companyId, companyId), inArray(transactions.itemId, ids.slice(i, i + APPLY_CHUNK))))
      .groupBy(transactions.itemId);
    for (const row of rows) balances.set(row.itemId, row.balance);
  }
  return balances;
}

interface SnapshotKeys {
  ids: Set<string>;
  /** Which of the snapshot's items each SKU (lower case, as it is unique) and barcode belongs to. */
  skuOwners: Map<string, string>;
  barcodeOwners: Map<string, string>;
}

async function snapshotKeys(bucket: R2Bucket, snapshot: SnapshotRow): Promise<SnapshotKeys> {
  const keys: SnapshotKeys = { ids: new Set(), skuOwners: new Map(), barcodeOwners: new Map() };
  for await (const item of snapshotItems(bucket, snapshot)) {
    keys.ids.add(item.id);
    keys.skuOwners.set(item.sku.toLowerCase(), item.id);
    if (item.barcode !== null) keys.barcodeOwners.set(item.barcode, item.id);
  }
  return keys;
}

/**
 * A live item of the snapshot gives up a SKU or barcode that the snapshot gives to another of its
 * items (two items swapped SKUs, or one took over another's), so that the apply phase can set each
 * item's own in any order. A parked SKU cannot clash with a real one: SKUs never contain `~`.
 */
function parkStatements(db: Database, actor: Actor, row: ItemRow, keys: SnapshotKeys, now: string): SQLWrapper[] {
  const heldForAnother = (owners: Map<string, string>, key: string | null) =>
    key !== null && (owners.get(key) ?? row.id) !== row.id;
  const changes: Record<string, Change> = {};
  if (heldForAnother(keys.skuOwners, row.sku.toLowerCase())) changes.sku = { from: row.sku, to: `~restoring-${row.seq}` };
  if (heldForAnother(keys.barcodeOwners, row.barcode)) changes.barcode = { from: row.barcode, to: null };
  if (Object.keys(changes).length === 0) return [];
  return [
    auditItemChange(actor, { action: "restore", resourceType: "item", resourceId: row.id, changes, createdAt: now }, row.version),
    db
      .update(items)
      .set({
        sku: changes.sku ? (changes.sku.to as string) : row.sku,
        barcode: changes.barcode ? null : row.barcode,
        updatedAt: now,
        version: row.version + 1,
      })
      .where(and(eq(items.id, row.id), eq(items.version, row.version))),
  ];
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
export async function previewRestore({ db, blobs }: Pick<Services, "db" | "blobs">, snapshot: SnapshotRow): Promise<RestorePreview> {
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
  const purged: Pick<PublicItem, "id" | "quantity">[] = [];
  for await (const target of snapshotItems(blobs, snapshot)) {
    const row = current.get(target.id);
    current.delete(target.id);
    const plan = planItem(target, row);
    if (!plan) continue;
    preview[`items_to_${plan.action}`] += 1;
    if (!row) purged.push({ id: target.id, quantity: target.quantity });
    else if (target.quantity !== row.quantity) preview.quantity_changes += 1;
    if (preview.sample.length < SAMPLE_SIZE) preview.sample.push({ item_id: target.id, ...plan });
  }
  const balances = await purgedBalances(db, snapshot.companyId, purged.map((item) => item.id));
  preview.quantity_changes += purged.filter((item) => item.quantity !== (balances.get(item.id) ?? 0)).length;
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
 * not hold to the trash and parks SKUs and barcodes that the snapshot gives to another item
 * (freeing them); phase `apply` then walks the snapshot's items in chunks and makes each live item
 * equal to it.
 */
export async function runRestoreStep(
  services: Pick<Services, "db" | "blobs">,
  restoreId: string,
  budgetMs: number,
): Promise<SnapshotRestoreRow> {
  const { db, blobs } = services;
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
      const keys = await snapshotKeys(blobs, snapshot);
      while (restore.phase === "trash" && mayContinue()) {
        const page = await livePage(db, restore.companyId, restore.cursor);
        const now = nowIso();
        const doomed = page.filter((row) => !keys.ids.has(row.id));
        const finished = page.length < TRASH_PAGE;
        await save(
          page.flatMap((row) =>
            keys.ids.has(row.id) ? parkStatements(db, actor, row, keys, now) : trashStatements(db, actor, row, now),
          ),
          finished
            ? { phase: "apply", cursor: 0, itemsTrashed: restore.itemsTrashed + doomed.length }
            : { cursor: page.at(-1)!.seq, itemsTrashed: restore.itemsTrashed + doomed.length },
        );
      }
    }

    if (restore.phase === "apply") {
      let line = 0;
      for await (const chunk of chunks(snapshotItems(blobs, snapshot), APPLY_CHUNK)) {
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
    return markRestoreFailed(services, restoreId, `Stopped after ${restore.itemsProcessed} items: ${error.message}`);
  }
}

export async function markRestoreFailed({ db }: Pick<Services, "db">, restoreId: string, message: string): Promise<SnapshotRestoreRow> {
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
    const purged = await purgedBalances(db, restore.companyId, chunk.filter((item) => !current.has(item.id)).map((item) => item.id));
    const now = nowIso();
    const counts = { update: 0, restore: 0, create: 0 };
    const statements: SQLWrapper[] = [];
    for (const target of chunk) {
      const plan = planItem(target, current.get(target.id));
      if (!plan) continue;
      counts[plan.action] += 1;
      statements.push(...restoreItemStatements(db, actor, target, current.get(target.id), now, purged.get(target.id)));
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
