// Snapshots: list, take one, a snapshot's page, download, the dry run (restore preview), restore
// and its progress, delete. Each is the API's function (createSnapshot, previewSnapshotRestore,
// startRestore, deleteSnapshot): the same plan limits, checks, audit entries and events.
import { Hono, type Context } from "hono";
import { listSnapshots } from "../db/snapshots.ts";
import { DomainError } from "../domain/errors.ts";
import { CreateSnapshotBodySchema } from "../routes/snapshots/snapshots.schemas.ts";
import { createSnapshot, toSnapshot } from "../snapshots/create-snapshot.ts";
import { toRestore } from "../snapshots/restore.ts";
import { deleteSnapshot, findCompanySnapshot, findSnapshotRestore, openSnapshotBlob } from "../snapshots/snapshots.ts";
import { previewSnapshotRestore, startRestore } from "../snapshots/start-restore.ts";
import type { SnapshotRow } from "../db/schema.ts";
import { mayUse } from "./access.ts";
import { afterChange } from "./after-change.ts";
import { attempt, readForm, zodFieldErrors, type FieldErrors, type FormValues } from "./forms.ts";
import { allow } from "./guards.tsx";
import { ErrorPage } from "./pages/errors.tsx";
import { PreviewPage, RestorePage, SNAPSHOT_FORM_LABELS, SnapshotPage, SNAPSHOTS_PATH, SnapshotsPage } from "./pages/snapshots.tsx";
import { pageFromQuery } from "./paging.tsx";
import { page } from "./render.ts";
import { actorOf } from "./settings.routes.tsx";
import type { DashboardEnv } from "./types.ts";

type DashboardContext = Context<DashboardEnv>;
type Status = 200 | 201 | 400 | 404 | 409 | 429;

async function snapshotsPage(c: DashboardContext, extra: { values?: FormValues; errors?: FieldErrors; notice?: string } = {}, status: Status = 200) {
  const listPage = pageFromQuery(c.req.query());
  const list = await listSnapshots(c.get("db"), c.get("viewer").company.id, listPage);
  const canCreate = mayUse(c.get("viewer").user.role, ["POST", "/v1/snapshots"]);
  return page(
    c,
    <SnapshotsPage viewer={c.get("viewer")} snapshots={list.rows.map(toSnapshot)} total={list.total} hasMore={list.hasMore} page={listPage} canCreate={canCreate} {...extra} />,
    status,
  );
}

/** The company's snapshot named in the path, or undefined (another company's is no different from none). */
async function snapshotOf(c: DashboardContext): Promise<SnapshotRow | undefined> {
  try {
    return await findCompanySnapshot(c.get("db"), c.get("viewer").company.id, c.req.param("id")!);
  } catch (error) {
    if (error instanceof DomainError && error.code === "not_found") return undefined;
    throw error;
  }
}

const noSuchSnapshot = (c: DashboardContext) => page(c, <ErrorPage viewer={c.get("viewer")} title="No such snapshot" message="There is no such snapshot: it may have expired or been deleted." />, 404);

function snapshotPage(c: DashboardContext, snapshot: SnapshotRow, errors?: FieldErrors, status: Status = 200) {
  const role = c.get("viewer").user.role;
  const can = {
    download: mayUse(role, ["GET", "/v1/snapshots/:id/download"]),
    restore: mayUse(role, ["POST", "/v1/snapshots/:id/restore"]),
    delete: mayUse(role, ["DELETE", "/v1/snapshots/:id"]),
  };
  return page(c, <SnapshotPage viewer={c.get("viewer")} snapshot={toSnapshot(snapshot)} can={can} errors={errors} />, status);
}

export const snapshotsRoutes = new Hono<DashboardEnv>()
  .get("/snapshots", allow(["GET", "/v1/snapshots"]), (c) => snapshotsPage(c, { notice: c.req.query("notice") }))
  .post("/snapshots", allow(["POST", "/v1/snapshots"]), async (c) => {
    const values = { note: (await readForm(c)).note ?? "" };
    const parsed = CreateSnapshotBodySchema.safeParse({ note: values.note.trim() === "" ? null : values.note });
    if (!parsed.success) return snapshotsPage(c, { values, errors: zodFieldErrors(parsed.error, SNAPSHOT_FORM_LABELS) }, 400);
    const { viewer } = c.var;
    const result = await attempt(
      () => createSnapshot(c.var, { type: "manual", plan: viewer.company.plan, note: parsed.data.note ?? null, actor: actorOf(c), companyId: viewer.company.id }),
      SNAPSHOT_FORM_LABELS,
    );
    if (!result.ok) return snapshotsPage(c, { values, errors: result.errors }, result.status as Status);
    afterChange(c);
    return c.redirect(`${SNAPSHOTS_PATH}?notice=created`, 303);
  })
  .get("/snapshots/:id", allow(["GET", "/v1/snapshots/:id"]), async (c) => {
    const snapshot = await snapshotOf(c);
    return snapshot ? snapshotPage(c, snapshot) : noSuchSnapshot(c);
  })
  .get("/snapshots/:id/download", allow(["GET", "/v1/snapshots/:id/download"]), async (c) => {
    const snapshot = await snapshotOf(c);
    if (!snapshot) return noSuchSnapshot(c);
    const result = await attempt(() => openSnapshotBlob(c.var, snapshot), {});
    if (!result.ok) return snapshotPage(c, snapshot, result.errors, result.status as Status);
    return c.body(result.value.body, 200, {
      "Content-Type": "application/gzip",
      "Content-Length": String(result.value.size),
      "Content-Disposition": `attachment; filename="${snapshot.id}.ndjson.gz"`,
    });
  })
  .get("/snapshots/:id/preview", allow(["POST", "/v1/snapshots/:id/restore"]), async (c) => {
    const snapshot = await snapshotOf(c);
    if (!snapshot) return noSuchSnapshot(c);
    const result = await attempt(() => previewSnapshotRestore(c.var, snapshot), {});
    if (!result.ok) return snapshotPage(c, snapshot, result.errors, result.status as Status);
    return page(c, <PreviewPage viewer={c.get("viewer")} snapshot={toSnapshot(snapshot)} preview={result.value} />);
  })
  .post("/snapshots/:id/restore", allow(["POST", "/v1/snapshots/:id/restore"]), async (c) => {
    const snapshot = await snapshotOf(c);
    if (!snapshot) return noSuchSnapshot(c);
    const result = await attempt(() => startRestore(c.var, actorOf(c), c.get("viewer").company.plan, snapshot), {});
    if (!result.ok) return snapshotPage(c, snapshot, result.errors, result.status as Status);
    afterChange(c);
    return c.redirect(`${SNAPSHOTS_PATH}/${snapshot.id}/restores/${result.value.id}`, 303);
  })
  .get("/snapshots/:id/restores/:restoreId", allow(["GET", "/v1/snapshots/:id/restores/:restore_id"]), async (c) => {
    const snapshot = await snapshotOf(c);
    if (!snapshot) return noSuchSnapshot(c);
    const result = await attempt(() => findSnapshotRestore(c.get("db"), c.get("viewer").company.id, snapshot.id, c.req.param("restoreId")), {});
    if (!result.ok) return page(c, <ErrorPage viewer={c.get("viewer")} title="No such restore" message="There is no such restore of this snapshot." />, 404);
    return page(c, <RestorePage viewer={c.get("viewer")} snapshot={toSnapshot(snapshot)} restore={toRestore(result.value)} path={c.req.path} />);
  })
  .post("/snapshots/:id/delete", allow(["DELETE", "/v1/snapshots/:id"]), async (c) => {
    const snapshot = await snapshotOf(c);
    if (!snapshot) return noSuchSnapshot(c);
    const result = await attempt(() => deleteSnapshot(c.var, actorOf(c), snapshot), {});
    if (!result.ok) return snapshotPage(c, snapshot, result.errors, result.status as Status);
    afterChange(c);
    return c.redirect(`${SNAPSHOTS_PATH}?notice=deleted`, 303);
  });
