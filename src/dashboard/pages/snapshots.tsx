// Snapshots: the list (create with a note, cursor paging), a snapshot's page (download, dry run,
// delete), the dry run's diff (what a restore would change, changing nothing) with the button
// that restores, and a restore's progress (the bundled script polls it; without script, a link).
import type { RestorePreview } from "../../snapshots/restore.ts";
import type { toRestore } from "../../snapshots/restore.ts";
import type { toSnapshot } from "../../snapshots/create-snapshot.ts";
import type { Page } from "../../lib/pagination.ts";
import type { FieldErrors, FormValues } from "../forms.ts";
import { AppPage, Field, FormError, formatTime, Notice } from "../layout.tsx";
import { Pager } from "../paging.tsx";
import { DASHBOARD_PATH } from "../paths.ts";
import type { Viewer } from "../types.ts";

export const SNAPSHOTS_PATH = `${DASHBOARD_PATH}/snapshots`;
export const SNAPSHOT_FORM_LABELS = { note: "Note" };

export type Snapshot = ReturnType<typeof toSnapshot>;
export type Restore = ReturnType<typeof toRestore>;

const NOTICES: Record<string, string> = {
  created: "The snapshot is taken.",
  deleted: "The snapshot is deleted.",
};

const TYPE_LABELS: Record<Snapshot["type"], string> = { manual: "Manual", automatic: "Daily", pre_restore: "Before a restore" };

export function SnapshotStatus({ status }: { status: Snapshot["status"] | Restore["status"] }) {
  const kind = status === "complete" ? "badge badge-ok" : status === "failed" ? "badge badge-danger" : "badge badge-accent";
  return <span class={kind}>{status}</span>;
}

function bytes(size: number | null): string {
  if (size === null) return "—";
  if (size < 1024) return `${size} B`;
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(1)} KB`;
  return `${(size / 1024 / 1024).toFixed(1)} MB`;
}

function NoticeOf({ notice }: { notice?: string }) {
  return notice && NOTICES[notice] ? (
    <Notice kind="ok">
      <p>{NOTICES[notice]}</p>
    </Notice>
  ) : null;
}

export function SnapshotsPage(props: {
  viewer: Viewer;
  snapshots: Snapshot[];
  total: number;
  hasMore: boolean;
  page: Page;
  canCreate: boolean;
  values?: FormValues;
  errors?: FieldErrors;
  notice?: string;
}) {
  return (
    <AppPage viewer={props.viewer} title="Snapshots" current={SNAPSHOTS_PATH} subtitle="Point-in-time copies of all your items, to download or restore.">
      <NoticeOf notice={props.notice} />
      <FormError errors={props.errors} />
      {props.canCreate && (
        <section class="card" aria-labelledby="new-snapshot">
          <h2 id="new-snapshot">Take a snapshot</h2>
          <form class="inline-fields" method="post" action={SNAPSHOTS_PATH} novalidate>
            <Field name="note" label="Note" maxlength={500} values={props.values} errors={props.errors} hint="Optional, e.g. “Before the stocktake”." />
            <div class="form-actions field">
              <span class="sr-only">Take</span>
              <button class="button" type="submit">Take snapshot</button>
            </div>
          </form>
        </section>
      )}
      <section class="card" aria-labelledby="snapshots">
        <h2 id="snapshots">Snapshots ({props.total})</h2>
        {props.snapshots.length === 0 ? (
          <p class="muted">No snapshots yet.</p>
        ) : (
          <div class="table-wrap" tabindex={0}>
            <table>
              <thead>
                <tr>
                  <th scope="col">Taken</th>
                  <th scope="col">Type</th>
                  <th scope="col">Status</th>
                  <th scope="col" class="num">Items</th>
                  <th scope="col" class="num">Size</th>
                  <th scope="col">Note</th>
                  <th scope="col">Expires</th>
                </tr>
              </thead>
              <tbody>
                {props.snapshots.map((snapshot) => (
                  <tr>
                    <td>
                      <a href={`${SNAPSHOTS_PATH}/${snapshot.id}`}>{formatTime(snapshot.created_at)}</a>
                    </td>
                    <td>{TYPE_LABELS[snapshot.type]}</td>
                    <td>
                      <SnapshotStatus status={snapshot.status} />
                    </td>
                    <td class="num">{snapshot.item_count ?? "—"}</td>
                    <td class="num">{bytes(snapshot.size_bytes)}</td>
                    <td>{snapshot.note ?? <span class="muted">—</span>}</td>
                    <td>{snapshot.expires_at ? snapshot.expires_at.slice(0, 10) : <span class="muted">Never</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <Pager path={SNAPSHOTS_PATH} filters={{}} page={props.page} rows={props.snapshots} hasMore={props.hasMore} label="Snapshots" />
      </section>
    </AppPage>
  );
}

export function SnapshotPage(props: {
  viewer: Viewer;
  snapshot: Snapshot;
  can: { download: boolean; restore: boolean; delete: boolean };
  errors?: FieldErrors;
}) {
  const { snapshot, can } = props;
  const path = `${SNAPSHOTS_PATH}/${snapshot.id}`;
  const complete = snapshot.status === "complete";
  return (
    <AppPage viewer={props.viewer} title={`Snapshot of ${formatTime(snapshot.created_at)}`} current={SNAPSHOTS_PATH} subtitle={<a href={SNAPSHOTS_PATH}>← Snapshots</a>} actions={<SnapshotStatus status={snapshot.status} />}>
      <FormError errors={props.errors} />
      <section class="card" aria-labelledby="snapshot-facts">
        <h2 id="snapshot-facts">Snapshot</h2>
        <dl class="facts">
          <dt>Type</dt>
          <dd>{TYPE_LABELS[snapshot.type]}</dd>
          <dt>Items</dt>
          <dd>{snapshot.item_count ?? "—"}</dd>
          <dt>Size</dt>
          <dd>{bytes(snapshot.size_bytes)}</dd>
          <dt>SHA-256</dt>
          <dd class="mono wrap-any">{snapshot.sha256 ?? "—"}</dd>
          <dt>Note</dt>
          <dd>{snapshot.note ?? "—"}</dd>
          <dt>Expires</dt>
          <dd>{snapshot.expires_at ? formatTime(snapshot.expires_at) : "Never"}</dd>
        </dl>
        <div class="form-actions actions-row">
          {complete && can.download && <a class="button button-secondary" href={`${path}/download`} download>Download (.ndjson.gz)</a>}
          {complete && can.restore && <a class="button" href={`${path}/preview`}>Preview a restore (dry run)</a>}
          {can.delete && (
            <form method="post" action={`${path}/delete`}>
              <button class="button button-danger" type="submit">Delete snapshot</button>
            </form>
          )}
        </div>
      </section>
    </AppPage>
  );
}

export function PreviewPage(props: { viewer: Viewer; snapshot: Snapshot; preview: RestorePreview; errors?: FieldErrors }) {
  const { snapshot, preview } = props;
  const path = `${SNAPSHOTS_PATH}/${snapshot.id}`;
  const nothing = preview.items_to_update + preview.items_to_restore + preview.items_to_create + preview.items_to_trash === 0;
  return (
    <AppPage viewer={props.viewer} title="Restore preview" current={SNAPSHOTS_PATH} subtitle={<a href={path}>← Snapshot of {formatTime(snapshot.created_at)}</a>}>
      <FormError errors={props.errors} />
      <Notice kind="info" title="Dry run: nothing has changed.">
        <p>This is what restoring the snapshot would do to your items now.</p>
      </Notice>
      <div class="stats" id="restore-diff">
        <div class="stat"><p class="stat-label">Updated</p><p class="stat-value">{preview.items_to_update}</p></div>
        <div class="stat"><p class="stat-label">Back from the trash</p><p class="stat-value">{preview.items_to_restore}</p></div>
        <div class="stat"><p class="stat-label">Created again</p><p class="stat-value">{preview.items_to_create}</p></div>
        <div class="stat"><p class="stat-label">To the trash</p><p class="stat-value">{preview.items_to_trash}</p></div>
        <div class="stat"><p class="stat-label">Quantity changes</p><p class="stat-value">{preview.quantity_changes}</p><p class="stat-note">recorded as restore transactions</p></div>
      </div>
      {preview.sample.length > 0 && (
        <section class="card" aria-labelledby="restore-sample">
          <h2 id="restore-sample">Examples ({preview.sample.length})</h2>
          <div class="table-wrap" tabindex={0}>
            <table>
              <thead>
                <tr>
                  <th scope="col">Item</th>
                  <th scope="col">What happens</th>
                  <th scope="col">Changes</th>
                </tr>
              </thead>
              <tbody>
                {preview.sample.map((entry) => (
                  <tr>
                    <td class="mono">{entry.item_id}</td>
                    <td>{entry.action}</td>
                    <td class="wrap">
                      {Object.entries(entry.changes)
                        .map(([field, change]) => {
                          const c = change as { from?: unknown; to?: unknown } | null;
                          return c && typeof c === "object" && "to" in c ? `${field}: ${c.from ?? "—"} → ${c.to ?? "—"}` : field;
                        })
                        .join("; ")}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
      <section class="card" aria-labelledby="restore-now">
        <h2 id="restore-now">Restore</h2>
        <p>{nothing ? "Your items already match this snapshot; a restore would change nothing." : "A snapshot of your items as they are now is taken first, so a restore can itself be undone."}</p>
        <form method="post" action={`${path}/restore`}>
          <button class="button" type="submit">Restore this snapshot</button>
        </form>
      </section>
    </AppPage>
  );
}

export function RestoreProgress({ restore, path }: { restore: Restore; path: string }) {
  const done = restore.status === "complete" || restore.status === "failed";
  const percent = restore.items_total ? Math.min(100, Math.round((restore.items_processed / restore.items_total) * 100)) : done ? 100 : 0;
  const step = Math.round(percent / 5) * 5;
  return (
    <section class="card" id="restore-progress" aria-labelledby="restore-progress-title" data-restore-progress="" data-done={done ? "true" : "false"} aria-live="polite">
      <h2 id="restore-progress-title">
        Restore <SnapshotStatus status={restore.status} />
      </h2>
      <div class="meter" role="progressbar" aria-label="Restore progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent}>
        <span class={`w-${step}`}></span>
      </div>
      <p>
        {restore.items_processed} of {restore.items_total ?? "?"} items processed ({restore.phase === "trash" ? "moving items created since to the trash" : "applying the snapshot"}).
      </p>
      <dl class="facts">
        <dt>Updated</dt>
        <dd>{restore.items_updated}</dd>
        <dt>Back from the trash</dt>
        <dd>{restore.items_restored}</dd>
        <dt>Created again</dt>
        <dd>{restore.items_created}</dd>
        <dt>To the trash</dt>
        <dd>{restore.items_trashed}</dd>
        {restore.pre_restore_snapshot_id && (
          <>
            <dt>Undo</dt>
            <dd>
              <a href={`${SNAPSHOTS_PATH}/${restore.pre_restore_snapshot_id}`}>The snapshot taken before this restore</a>
            </dd>
          </>
        )}
      </dl>
      {restore.error && <p class="field-error">{restore.error}</p>}
      {!done && (
        <p class="hint">
          Still running. <a href={path}>Reload to see its progress</a>.
        </p>
      )}
      {restore.status === "complete" && <p>Done at {formatTime(restore.completed_at)}. <a href={`${DASHBOARD_PATH}/inventory`}>See the inventory</a>.</p>}
    </section>
  );
}

export function RestorePage(props: { viewer: Viewer; snapshot: Snapshot; restore: Restore; path: string }) {
  return (
    <AppPage viewer={props.viewer} title="Restoring a snapshot" current={SNAPSHOTS_PATH} subtitle={<a href={`${SNAPSHOTS_PATH}/${props.snapshot.id}`}>← Snapshot of {formatTime(props.snapshot.created_at)}</a>}>
      <RestoreProgress restore={props.restore} path={props.path} />
    </AppPage>
  );
}
