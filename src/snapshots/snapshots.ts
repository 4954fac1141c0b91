// A company's snapshots and restores as the routes reach them (found or not_found, downloaded,
// deleted), and the daily job's deletion of expired ones. Taking a snapshot is create-snapshot.ts;
// restoring one, start-restore.ts.
import { auditEntry, type Actor } from "../db/audit.ts";
import { runBatch } from "../db/client.ts";
import type { SnapshotRestoreRow, SnapshotRow } from "../db/schema.ts";
import { deleteSnapshotsByIds, deleteSnapshotStatement, expiredSnapshots, findRestore, findSnapshot } from "../db/snapshots.ts";
import { DomainError, notFound } from "../domain/errors.ts";
import { assertComplete } from "../domain/snapshots.ts";
import { nowIso } from "../lib/clock.ts";
import type { Services } from "../services/index.ts";
import { toSnapshot } from "./create-snapshot.ts";

/** The company's snapshot `id`; other companies' snapshots are not found, like missing ones. */
export async function findCompanySnapshot(db: Services["db"], companyId: string, id: string): Promise<SnapshotRow> {
  const snapshot = await findSnapshot(db, companyId, id);
  if (!snapshot) throw notFound("snapshot", id);
  return snapshot;
}

/** A restore of the company's snapshot `snapshotId`. */
export async function findSnapshotRestore(
  db: Services["db"],
  companyId: string,
  snapshotId: string,
  restoreId: string,
): Promise<SnapshotRestoreRow> {
  const restore = await findRestore(db, restoreId);
  if (!restore || restore.companyId !== companyId || restore.snapshotId !== snapshotId) {
    throw new DomainError("not_found", `No restore with id '${restoreId}' for this snapshot.`, { field: "restore_id" });
  }
  return restore;
}

/** The blob of a complete snapshot, to download as it is stored. */
export async function openSnapshotBlob({ blobs }: Pick<Services, "blobs">, snapshot: SnapshotRow): Promise<R2ObjectBody> {
  assertComplete(snapshot, "downloaded");
  const object = await blobs.get(snapshot.blobKey);
  if (!object) throw new DomainError("unavailable", "The snapshot's blob could not be read; try again.");
  return object;
}

/** Deletes the snapshot's row (with its audit entry), then its blob. */
export async function deleteSnapshot({ db, blobs }: Pick<Services, "db" | "blobs">, actor: Actor, snapshot: SnapshotRow): Promise<void> {
  await runBatch(db, [
    deleteSnapshotStatement(db, snapshot.id),
    auditEntry(db, actor, {
      action: "delete",
      resourceType: "snapshot",
      resourceId: snapshot.id,
      changes: toSnapshot(snapshot),
      createdAt: nowIso(),
    }),
  ]);
  await blobs.delete(snapshot.blobKey);
}

/** Deletes up to `limit` snapshots past their expiry, blobs first, then rows; answers how many. */
export async function deleteExpiredSnapshots({ db, blobs }: Pick<Services, "db" | "blobs">, limit: number): Promise<number> {
  const expired = await expiredSnapshots(db, nowIso(), limit);
  if (expired.length > 0) await blobs.delete(expired.map((s) => s.blobKey));
  await deleteSnapshotsByIds(db, expired.map((s) => s.id));
  return expired.length;
}
