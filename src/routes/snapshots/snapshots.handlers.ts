import { auditEntry } from "../../db/audit.ts";
import { runBatch } from "../../db/client.ts";
import { deleteSnapshotStatement, findRestore, findSnapshot, listSnapshots as listRows } from "../../db/snapshots.ts";
import { nowIso } from "../../lib/clock.ts";
import { notFound } from "../../domain/errors.ts";
import { ApiError } from "../../lib/errors.ts";
import { paginate } from "../../lib/pagination.ts";
import { createSnapshot as takeSnapshot, toSnapshot } from "../../snapshots/create-snapshot.ts";
import { planLimitExceeded } from "../../domain/plan-limits.ts";
import { previewRestore, toRestore } from "../../snapshots/restore.ts";
import { checkRestorable, startRestore } from "../../snapshots/start-restore.ts";
import { PLANS } from "../../plans.ts";
import type { AppRouteHandler } from "../../types.ts";
import type * as routes from "./snapshots.routes.ts";

export const createSnapshot: AppRouteHandler<typeof routes.createSnapshot> = async (c) => {
  const auth = c.get("auth");
  const note = c.req.valid("json")?.note ?? null;
  const row = await takeSnapshot(c.var, { type: "manual", plan: auth.plan, note, actor: c.var.actor, companyId: auth.companyId });
  if (!row) {
    throw planLimitExceeded(`Your plan allows ${PLANS[auth.plan].manualSnapshotsPerDay} manual snapshots a day (UTC).`);
  }
  return c.json(toSnapshot(row), 201);
};

export const listSnapshots: AppRouteHandler<typeof routes.listSnapshots> = async (c) => {
  const page = c.req.valid("query");
  const { rows, total } = await listRows(c.var.db, c.get("auth").companyId, page);
  return c.json(paginate(rows.map(toSnapshot), total, page), 200);
};

async function snapshotOf(c: Parameters<AppRouteHandler<typeof routes.getSnapshot>>[0], id: string) {
  const row = await findSnapshot(c.var.db, c.get("auth").companyId, id);
  if (!row) throw notFound("snapshot", id);
  return row;
}

export const getSnapshot: AppRouteHandler<typeof routes.getSnapshot> = async (c) => {
  return c.json(toSnapshot(await snapshotOf(c, c.req.valid("param").id)), 200);
};

export const downloadSnapshot: AppRouteHandler<typeof routes.downloadSnapshot> = async (c) => {
  const snapshot = await snapshotOf(c, c.req.valid("param").id);
  if (snapshot.status !== "complete") {
    throw new ApiError("invalid_state", `This snapshot is ${snapshot.status}; only complete snapshots can be downloaded.`);
  }
  const object = await c.var.blobs.get(snapshot.blobKey);
  if (!object) throw new ApiError("service_unavailable", "The snapshot's blob could not be read; try again.");
  return c.body(object.body, 200, {
    "Content-Type": "application/gzip",
    "Content-Length": String(object.size),
    "Content-Disposition": `attachment; filename="${snapshot.id}.ndjson.gz"`,
  });
};

export const deleteSnapshot: AppRouteHandler<typeof routes.deleteSnapshot> = async (c) => {
  const snapshot = await snapshotOf(c, c.req.valid("param").id);
  const { db } = c.var;
  await runBatch(db, [
    deleteSnapshotStatement(db, snapshot.id),
    auditEntry(db, c.var.actor, {
      action: "delete",
      resourceType: "snapshot",
      resourceId: snapshot.id,
      changes: toSnapshot(snapshot),
      createdAt: nowIso(),
    }),
  ]);
  await c.var.blobs.delete(snapshot.blobKey);
  return c.body(null, 204);
};

export const restoreSnapshot: AppRouteHandler<typeof routes.restoreSnapshot> = async (c) => {
  const snapshot = await snapshotOf(c, c.req.valid("param").id);
  const { dry_run } = c.req.valid("query");
  if (dry_run === "true" || dry_run === "1") {
    await checkRestorable(c.var, snapshot);
    const preview = await previewRestore(c.var, snapshot);
    return c.json({ dry_run: true as const, snapshot_id: snapshot.id, ...preview }, 200);
  }
  const restore = await startRestore(c.var, c.var.actor, c.get("auth").plan, snapshot);
  return c.json(toRestore(restore), restore.status === "complete" || restore.status === "failed" ? 200 : 202);
};

export const getRestore: AppRouteHandler<typeof routes.getRestore> = async (c) => {
  const { id, restore_id } = c.req.valid("param");
  const restore = await findRestore(c.var.db, restore_id);
  if (!restore || restore.companyId !== c.get("auth").companyId || restore.snapshotId !== id) {
    throw new ApiError("not_found", `No restore with id '${restore_id}' for this snapshot.`, "restore_id");
  }
  return c.json(toRestore(restore), 200);
};
