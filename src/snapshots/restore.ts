// Restoring a snapshot: make the live items equal to the snapshot's. Work is done in steps, each
// well inside the Workers and D1 limits, and each step commits its changes together with the
// restore's progress (one D1 batch), so a step that dies is simply run again.
import type { SQLWrapper } from "drizzle-orm";
import type { Actor } from "../db/audit.ts";
import { runBatch, type Database } from "../db/client.ts";
import { restoreEvent } from "../db/events.ts";
import { changeItemStatements, currentItem, ledgerBalances, type ItemChangeRecord } from "../db/item-states.ts";
import { trashStatements } from "../db/items.ts";
import type { ItemRow, SnapshotRestoreRow, SnapshotRow } from "../db/schema.ts";
import { findRestore, findSnapshot, itemPage, itemPages, updateRestoreStatement } from "../db/snapshots.ts";
import { DomainError } from "../domain/errors.ts";
import { planItem, type ItemAction } from "../domain/item-plan.ts";
import { itemChanges, toItem, type PublicItem } from "../domain/items.ts";
import { addSnapshotKeys, emptySnapshotKeys, parkedState, type SnapshotKeys } from "../domain/restore-plan.ts";
import { applyItemChunk, inChunks, APPLY_CHUNK } from "../items/apply-items.ts";
import { nowIso } from "../lib/clock.ts";
import { stepBudget } from "../lib/step-budget.ts";
import type { Services } from "../services/index.ts";
import { readSnapshotBlob } from "./snapshot-blob.ts";

/** Live items the trash phase walks per page. */
export const TRASH_PAGE = 200;
/**
 * D1 calls a step may make, well under 1,000 an invocation: a page or chunk where nothing differs
 * costs one (its read), one that changes something three (its read, a look-up of purged items'
 * ledgers, its batch). A step also ends after its time budget.
 */
const CALLS_PER_STEP = 400;
const SAMPLE_SIZE = 10;

/** A restore's changes: quantity differences are `restore` ledger rows, every change a `restore` entry. */
const RESTORE_RECORD: ItemChangeRecord = {
  movementType: "restore",
  auditActions: { create: "restore", update: "restore", restore: "restore" },
};

function isItemLine(line: Record<string, unknown>): boolean {
  return typeof line.id === "string" && typeof line.sku === "string" && typeof line.quantity === "number";
}

/** The snapshot's items, without the header line, after the first `skip` (not parsed). */
async function* snapshotItems(bucket: R2Bucket, snapshot: SnapshotRow, skip = 0): AsyncGenerator<PublicItem> {
  for await (const line of readSnapshotBlob(bucket, snapshot.blobKey, skip)) {
    if (isItemLine(line)) yield line as unknown as PublicItem;
  }
}

async function snapshotKeys(bucket: R2Bucket, snapshot: SnapshotRow): Promise<SnapshotKeys> {
  const keys = emptySnapshotKeys();
  for await (const item of snapshotItems(bucket, snapshot)) addSnapshotKeys(keys, item);
  return keys;
}

/** For a live item of the trash phase: to the trash if the snapshot lacks it, else park what it must give up. */
function trashPhaseStatements(db: Database, actor: Actor, row: ItemRow, keys: SnapshotKeys, now: string): SQLWrapper[] {
  if (!keys.ids.has(row.id)) return trashStatements(db, actor, row, now);
  const parked = parkedState(row, keys);
  if (!parked) return [];
  return changeItemStatements(db, actor, row, parked, itemChanges(toItem(row), parked), RESTORE_RECORD, now);
}

export interface RestorePreview {
  items_to_update: number;
  items_to_restore: number;
  items_to_create: number;
  items_to_trash: number;
  quantity_changes: number;
  sample: { item_id: string; action: ItemAction | "trash"; changes: Record<string, unknown> }[];
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
  for await (const page of itemPages(db, snapshot.companyId, "all")) {
    for (const row of page) current.set(row.id, row);
  }
  const purged: Pick<PublicItem, "id" | "quantity">[] = [];
  for await (const target of snapshotItems(blobs, snapshot)) {
    const row = current.get(target.id);
    current.delete(target.id);
    const plan = planItem(target, row && currentItem(row));
    if (!plan) continue;
    preview[`items_to_${plan.action}`] += 1;
    if (!row) purged.push({ id: target.id, quantity: target.quantity });
    else if (target.quantity !== row.quantity) preview.quantity_changes += 1;
    if (preview.sample.length < SAMPLE_SIZE) preview.sample.push({ item_id: target.id, ...plan });
  }
  const balances = await ledgerBalances(db, snapshot.companyId, purged.map((item) => item.id));
  preview.quantity_changes += purged.filter((item) => item.quantity !== (balances.get(item.id) ?? 0)).length;
  // What is left is not in the snapshot: its live items would go to the trash.
  for (const row of current.values()) {
    if (row.deletedAt !== null) continue;
    preview.items_to_trash += 1;
    if (preview.sample.length < SAMPLE_SIZE) preview.sample.push({ item_id: row.id, action: "trash", changes: toItem(row) });
  }
  return preview;
}

/**
 * Runs the restore for up to `budgetMs`, then answers its row: `complete`, `failed`, or still
 * `running` (call again to continue). Phase `trash` first moves live items that the snapshot does
 * not hold to the trash and parks SKUs and barcodes that the snapshot gives to another item
 * (freeing them); phase `apply` then walks the snapshot's items in chunks and makes each item
 * equal to it.
 */
export async function runRestoreStep(
  services: Pick<Services, "db" | "blobs">,
  restoreId: string,
  budgetMs: number,
): Promise<SnapshotRestoreRow> {
  const { db, blobs } = services;
  const mayContinue = stepBudget(budgetMs, CALLS_PER_STEP);
  let restore = (await findRestore(db, restoreId))!;
  if (restore.status === "complete" || restore.status === "failed") return restore;
  const snapshot = (await findSnapshot(db, restore.companyId, restore.snapshotId))!;
  const actor: Actor = {
    companyId: restore.companyId,
    userId: restore.userId,
    apiKeyId: restore.apiKeyId,
    requestId: restore.requestId,
  };
  // Progress of pages and chunks that changed nothing is not written on its own: it goes with the
  // next batch, or is written when the step ends. A step that dies before then runs those pages
  // and chunks again, which changes nothing.
  let unsaved: Partial<SnapshotRestoreRow> = {};
  const save = async (statements: SQLWrapper[], progress: Partial<SnapshotRestoreRow>, force = false, after: SQLWrapper[] = []) => {
    const changes: Partial<SnapshotRestoreRow> = { ...unsaved, status: "running", ...progress, updatedAt: nowIso() };
    if (statements.length === 0 && !force) {
      unsaved = changes;
    } else {
      await runBatch(db, [...statements, updateRestoreStatement(db, restoreId, changes), ...after]);
      mayContinue.spend(2);
      unsaved = {};
    }
    restore = { ...restore, ...changes };
  };
  const saveUnsaved = async () => {
    if (Object.keys(unsaved).length > 0) await save([], {}, true);
  };

  try {
    if (restore.phase === "trash") {
      const keys = await snapshotKeys(blobs, snapshot);
      while (restore.phase === "trash" && mayContinue()) {
        const page = await itemPage(db, restore.companyId, "live", restore.cursor, TRASH_PAGE);
        const now = nowIso();
        const itemsTrashed = restore.itemsTrashed + page.filter((row) => !keys.ids.has(row.id)).length;
        await save(
          page.flatMap((row) => trashPhaseStatements(db, actor, row, keys, now)),
          page.length < TRASH_PAGE ? { phase: "apply", cursor: 0, itemsTrashed } : { cursor: page.at(-1)!.seq, itemsTrashed },
        );
      }
    }

    if (restore.phase === "apply") {
      // The lines before the cursor were applied by earlier steps: they are passed over unparsed.
      let line = restore.cursor;
      for await (const chunk of inChunks(snapshotItems(blobs, snapshot, restore.cursor), APPLY_CHUNK)) {
        line += chunk.length;
        if (!mayContinue()) {
          await saveUnsaved();
          return restore;
        }
        await applyItemChunk(db, actor, chunk, RESTORE_RECORD, (statements, counts) =>
          save(statements, {
            cursor: line,
            itemsProcessed: line,
            itemsUpdated: restore.itemsUpdated + counts.update,
            itemsRestored: restore.itemsRestored + counts.restore,
            itemsCreated: restore.itemsCreated + counts.create,
          }),
        );
      }
      const completedAt = nowIso();
      await save([], { status: "complete", completedAt }, true, [restoreEvent(actor, "snapshot_restore.completed", restoreId, completedAt)]);
    }
    await saveUnsaved();
    return restore;
  } catch (error) {
    // A conflict in the data (a SKU now held by an item the snapshot does not know) will not go
    // away by trying again: the restore stops and says where. Anything else is thrown, to be
    // retried by the caller.
    if (!(error instanceof DomainError)) throw error;
    await saveUnsaved();
    return markRestoreFailed(services, restoreId, `Stopped after ${restore.itemsProcessed} items: ${error.message}`);
  }
}

export async function markRestoreFailed({ db }: Pick<Services, "db">, restoreId: string, message: string): Promise<SnapshotRestoreRow> {
  console.error(JSON.stringify({ event: "restore_failed", restore_id: restoreId, error: message }));
  const now = nowIso();
  const { companyId, userId, apiKeyId, requestId } = (await findRestore(db, restoreId))!;
  await runBatch(db, [
    updateRestoreStatement(db, restoreId, { status: "failed", error: message, updatedAt: now, completedAt: now }),
    restoreEvent({ companyId, userId, apiKeyId, requestId }, "snapshot_restore.failed", restoreId, now),
  ]);
  return (await findRestore(db, restoreId))!;
}

/** The public restore object. */
export function toRestore(row: SnapshotRestoreRow) {
  return {
    id: row.id,
    dry_run: false as const,
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
