import { paginate } from "../../lib/pagination.ts";
import { listSnapshots as listRows } from "../../db/snapshots.ts";
import { createSnapshot as takeSnapshot, toSnapshot } from "../../snapshots/create-snapshot.ts";
import { toRestore } from "../../snapshots/restore.ts";
import {
  deleteSnapshot as removeSnapshot,
  findCompanySnapshot,
  findSnapshotRestore,
  openSnapshotBlob,
} from "../../snapshots/snapshots.ts";
import { previewSnapshotRestore, startRestore } from "../../snapshots/start-restore.ts";
import type { AppRouteHandler } from "../../types.ts";
import type * as routes from "./snapshots.routes.ts";

export const createSnapshot: AppRouteHandler<typeof routes.createSnapshot> = async (c) => {
  const { plan, companyId } = c.get("auth");
  const note = c.req.valid("json")?.note ?? null;
  const row = await takeSnapshot(c.var, { type: "manual", plan, note, actor: c.get("actor"), companyId });
  return c.json(toSnapshot(row), 201);
};

export const listSnapshots: AppRouteHandler<typeof routes.listSnapshots> = async (c) => {
  const page = c.req.valid("query");
  const { rows, ...list } = await listRows(c.get("db"), c.get("auth").companyId, page);
  return c.json(paginate(rows.map(toSnapshot), list, page), 200);
};

export const getSnapshot: AppRouteHandler<typeof routes.getSnapshot> = async (c) => {
  const snapshot = await findCompanySnapshot(c.get("db"), c.get("auth").companyId, c.req.valid("param").id);
  return c.json(toSnapshot(snapshot), 200);
};

export const downloadSnapshot: AppRouteHandler<typeof routes.downloadSnapshot> = async (c) => {
  const snapshot = await findCompanySnapshot(c.get("db"), c.get("auth").companyId, c.req.valid("param").id);
  const object = await openSnapshotBlob(c.var, snapshot);
  return c.body(object.body, 200, {
    "Content-Type": "application/gzip",
    "Content-Length": String(object.size),
    "Content-Disposition": `attachment; filename="${snapshot.id}.ndjson.gz"`,
  });
};

export const deleteSnapshot: AppRouteHandler<typeof routes.deleteSnapshot> = async (c) => {
  const snapshot = await findCompanySnapshot(c.get("db"), c.get("auth").companyId, c.req.valid("param").id);
  await removeSnapshot(c.var, c.get("actor"), snapshot);
  return c.body(null, 204);
};

export const restoreSnapshot: AppRouteHandler<typeof routes.restoreSnapshot> = async (c) => {
  const snapshot = await findCompanySnapshot(c.get("db"), c.get("auth").companyId, c.req.valid("param").id);
  if (c.req.valid("query").dry_run) {
    const preview = await previewSnapshotRestore(c.var, snapshot);
    return c.json({ dry_run: true as const, snapshot_id: snapshot.id, ...preview }, 200);
  }
  const restore = await startRestore(c.var, c.get("actor"), c.get("auth").plan, snapshot);
  return c.json(toRestore(restore), restore.status === "complete" || restore.status === "failed" ? 200 : 202);
};

export const getRestore: AppRouteHandler<typeof routes.getRestore> = async (c) => {
  const { id, restore_id } = c.req.valid("param");
  const restore = await findSnapshotRestore(c.get("db"), c.get("auth").companyId, id, restore_id);
  return c.json(toRestore(restore), 200);
};
