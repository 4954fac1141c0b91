import { auditEntry, type Actor } from "../db/audit.ts";
import { runBatch } from "../db/client.ts";
import type { SnapshotRestoreRow, SnapshotRow } from "../db/schema.ts";
import { insertRestore, updateRestoreStatement } from "../db/snapshots.ts";
import { nowIso } from "../lib/clock.ts";
import { newId } from "../lib/ids.ts";
import { PLANS, type PlanName } from "../plans.ts";
import { DomainError } from "../domain/errors.ts";
import { planLimitExceeded } from "../domain/plan-limits.ts";
import { assertComplete } from "../domain/snapshots.ts";
import type { Services } from "../services/index.ts";
import { createSnapshot } from "./create-snapshot.ts";
import { markRestoreFailed, previewRestore, type RestorePreview } from "./restore.ts";
import { blobMatches } from "./snapshot-blob.ts";

/** Refuses snapshots that cannot be restored: not complete, or a blob that fails its checksum. */
async function checkRestorable({ blobs }: Pick<Services, "blobs">, snapshot: SnapshotRow): Promise<void> {
  assertComplete(snapshot, "restored");
  if (!(await blobMatches(blobs, snapshot.blobKey, snapshot.sha256!))) {
    throw new DomainError(
      "invalid_state",
      "This snapshot's stored data does not match its SHA-256 checksum; it cannot be restored. Nothing was changed.",
    );
  }
}

/** What restoring `snapshot` would change (a dry run), after the checks a restore makes; changes nothing. */
export async function previewSnapshotRestore(
  services: Pick<Services, "db" | "blobs">,
  snapshot: SnapshotRow,
): Promise<RestorePreview> {
  await checkRestorable(services, snapshot);
  return previewRestore(services, snapshot);
}

/**
 * Starts restoring `snapshot`: checks it, counts the restore against the plan's daily limit,
 * takes a `pre_restore` snapshot, then hands the work to the restore's Durable Object, which runs
 * the first step at once and the rest in the background. Answers the restore's row.
 */
export async function startRestore(
  services: Pick<Services, "db" | "blobs" | "restorers">,
  actor: Actor,
  plan: PlanName,
  snapshot: SnapshotRow,
): Promise<SnapshotRestoreRow> {
  await checkRestorable(services, snapshot);
  const { db } = services;
  const id = newId("rst");
  const now = nowIso();
  const inserted = await insertRestore(
    db,
    {
      id,
      companyId: actor.companyId,
      snapshotId: snapshot.id,
      status: "pending",
      userId: actor.userId,
      apiKeyId: actor.apiKeyId,
      requestId: actor.requestId,
      itemsTotal: snapshot.itemCount ?? 0,
      createdAt: now,
      updatedAt: now,
    },
    PLANS[plan].restoresPerDay,
  );
  if (!inserted) throw planLimitExceeded(`Your plan allows ${PLANS[plan].restoresPerDay} snapshot restores a day (UTC).`);

  let preRestore: SnapshotRow;
  try {
    preRestore = await createSnapshot(services, { type: "pre_restore", plan, actor, companyId: actor.companyId });
  } catch (error) {
    await markRestoreFailed(services, id, "The pre-restore snapshot could not be taken; nothing was changed.");
    throw error;
  }
  await runBatch(db, [
    updateRestoreStatement(db, id, { preRestoreSnapshotId: preRestore.id }),
    auditEntry(db, actor, {
      action: "restore",
      resourceType: "snapshot",
      resourceId: snapshot.id,
      changes: { restore_id: id, pre_restore_snapshot_id: preRestore.id },
      createdAt: now,
    }),
  ]);
  return services.restorers.getByName(id).start(id);
}
