import { auditEntry, type Actor } from "../db/audit.ts";
import { runBatch } from "../db/client.ts";
import { snapshotEvent } from "../db/events.ts";
import type { SnapshotRow } from "../db/schema.ts";
import {
  completeSnapshotStatement,
  countLiveItems,
  failSnapshot,
  findSnapshot,
  insertSnapshot,
  liveItemPages,
} from "../db/snapshots.ts";
import { planLimitExceeded } from "../domain/plan-limits.ts";
import { DAY_MS, nowIso, nowMs } from "../lib/clock.ts";
import { newId } from "../lib/ids.ts";
import { PLANS, type PlanName } from "../plans.ts";
import { SNAPSHOT_FORMAT, SNAPSHOT_FORMAT_VERSION, writeSnapshotBlob } from "./snapshot-blob.ts";
import type { Services } from "../services/index.ts";

export interface SnapshotRequest {
  type: SnapshotRow["type"];
  plan: PlanName;
  note?: string | null;
  /** `null` for the daily job's automatic snapshots. */
  actor: Actor | null;
  companyId: string;
}

/** The public snapshot object. */
export function toSnapshot(row: SnapshotRow) {
  return {
    id: row.id,
    type: row.type,
    status: row.status,
    item_count: row.itemCount,
    size_bytes: row.sizeBytes,
    sha256: row.sha256,
    note: row.note,
    created_by: row.createdBy,
    created_at: row.createdAt,
    completed_at: row.completedAt,
    expires_at: row.expiresAt,
  };
}

/**
 * Takes a snapshot: a pending row (counted against the plan's daily limit for manual snapshots,
 * `plan_limit_exceeded` once it is used up), the company's live items streamed page by page into
 * R2, then the row completed together with its audit entry. A failure marks the row `failed` and
 * removes the partial blob.
 */
export async function createSnapshot(
  { db, blobs }: Pick<Services, "db" | "blobs">,
  request: SnapshotRequest,
): Promise<SnapshotRow> {
  const plan = PLANS[request.plan];
  const id = newId("snap");
  const createdAt = nowIso();
  const blobKey = `${request.companyId}/${id}.ndjson.gz`;
  const actor: Actor = request.actor ?? { companyId: request.companyId, userId: null, apiKeyId: null, requestId: null };
  const inserted = await insertSnapshot(
    db,
    {
      id,
      companyId: request.companyId,
      type: request.type,
      status: "pending",
      note: request.note ?? null,
      createdBy: request.actor?.userId ?? null,
      blobKey,
      createdAt,
      expiresAt: new Date(nowMs() + plan.snapshotRetentionDays * DAY_MS).toISOString(),
    },
    request.type === "manual" ? plan.manualSnapshotsPerDay : undefined,
  );
  if (!inserted) throw planLimitExceeded(`Your plan allows ${plan.manualSnapshotsPerDay} manual snapshots a day (UTC).`);

  try {
    const blob = await writeSnapshotBlob(
      blobs,
      blobKey,
      {
        format: SNAPSHOT_FORMAT,
        version: SNAPSHOT_FORMAT_VERSION,
        snapshot_id: id,
        company_id: request.companyId,
        created_at: createdAt,
        item_count: await countLiveItems(db, request.companyId),
      },
      liveItemPages(db, request.companyId),
    );
    const completedAt = nowIso();
    const complete = completeSnapshotStatement(db, id, { ...blob, completedAt });
    const row = (await findSnapshot(db, request.companyId, id))!;
    const done: SnapshotRow = { ...row, status: "complete", ...blob, completedAt };
    await runBatch(db, [
      complete,
      auditEntry(db, actor, {
        action: "create",
        resourceType: "snapshot",
        resourceId: id,
        changes: toSnapshot(done),
        createdAt: completedAt,
      }),
      snapshotEvent(actor, "snapshot.completed", id, completedAt),
    ]);
    return done;
  } catch (error) {
    console.error(JSON.stringify({ event: "snapshot_failed", snapshot_id: id, error: String(error) }));
    await failSnapshot(db, actor, id, "The snapshot could not be written.", nowIso());
    await blobs.delete(blobKey).catch(() => {});
    throw error;
  }
}
