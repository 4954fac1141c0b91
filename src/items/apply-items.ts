// Setting many items to given states, a chunk at a time: each chunk is read, planned and written
// as one D1 batch (the items, their ledger rows and audit entries, and the caller's progress), so
// that a chunk is applied entirely or not at all and a chunk run again changes nothing twice.
// Restores use it; so can anything else that writes items in bulk (an import).
import type { SQLWrapper } from "drizzle-orm";
import type { Actor } from "../db/audit.ts";
import { isConstraintFailure } from "../db/batch-guard.ts";
import type { Database } from "../db/client.ts";
import {
  changeItemStatements,
  createItemsStatements,
  currentItem,
  IDS_PER_STATEMENT,
  itemRowsByIds,
  ledgerBalances,
  newItemState,
  type ItemChangeRecord,
  type NewItemState,
} from "../db/item-states.ts";
import { conflictFrom } from "../db/items.ts";
import { planItem, type ItemAction, type ItemTarget } from "../domain/item-plan.ts";
import { nowIso } from "../lib/clock.ts";

export type { ItemChangeRecord } from "../db/item-states.ts";
export type { ItemTarget } from "../domain/item-plan.ts";

/** The most targets a chunk may hold: the chunk's ids are read in one statement. */
export const APPLY_CHUNK = IDS_PER_STATEMENT;

/** Times a chunk is read again when a user changed one of its items in between. */
const CHUNK_ATTEMPTS = 5;

/**
 * How many items of a chunk were created, updated and brought back (items already equal are not
 * counted), and how many ledger rows their quantity differences wrote.
 */
export type ApplyCounts = Record<ItemAction, number> & { quantityChanges: number };

/**
 * Runs a chunk's statements as one D1 batch together with the caller's progress (a step's cursor
 * and counts). It must throw when the batch fails, so that the chunk is read again and retried.
 */
export type CommitChunk = (statements: SQLWrapper[], counts: ApplyCounts) => Promise<void>;

/**
 * Sets the items of `targets` (at most APPLY_CHUNK) to their states, recording quantity
 * differences and changes as `record` says, in one batch through `commit`. The chunk is read again
 * and retried when an item changed in between; a SKU or barcode held by another live item is
 * thrown as `sku_taken` / `barcode_taken`, since trying again would not help.
 */
export async function applyItemChunk(
  db: Database,
  actor: Actor,
  targets: ItemTarget[],
  record: ItemChangeRecord,
  commit: CommitChunk,
): Promise<ApplyCounts> {
  const ids = targets.flatMap((target) => (target.id === undefined ? [] : [target.id]));
  for (let attempt = 1; ; attempt++) {
    const rows = await itemRowsByIds(db, actor.companyId, ids);
    const balances = await ledgerBalances(db, actor.companyId, ids.filter((id) => !rows.has(id)));
    const now = nowIso();
    const counts: ApplyCounts = { update: 0, restore: 0, create: 0, quantityChanges: 0 };
    const statements: SQLWrapper[] = [];
    const creates: NewItemState[] = [];
    for (const target of targets) {
      const current = target.id === undefined ? undefined : rows.get(target.id);
      const plan = planItem(target, current && currentItem(current));
      if (!plan) continue;
      counts[plan.action] += 1;
      const balance = target.id === undefined ? 0 : (balances.get(target.id) ?? 0);
      const quantityChanges = current
        ? target.quantity !== undefined && target.quantity !== current.quantity
        : (target.quantity ?? 0) !== balance;
      if (quantityChanges) counts.quantityChanges += 1;
      if (current) statements.push(...changeItemStatements(db, actor, current, target, plan.changes, record, now));
      else creates.push(newItemState(target, balance));
    }
    // The chunk's new items together, after the changes (which may free a SKU a new item takes).
    statements.push(...createItemsStatements(actor, creates, record, now));
    try {
      await commit(statements, counts);
      return counts;
    } catch (error) {
      const conflict = conflictFrom(error);
      if (conflict !== error) throw conflict;
      if (attempt >= CHUNK_ATTEMPTS || !isConstraintFailure(error)) throw error;
    }
  }
}

/** `source` in chunks of `size` (the last may be shorter). */
export async function* inChunks<T>(source: AsyncIterable<T>, size = APPLY_CHUNK): AsyncGenerator<T[]> {
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
