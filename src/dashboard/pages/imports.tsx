// Imports: upload a CSV (dry run, on_error), the list of imports, and an import's page with its
// progress (polled by the bundled script like a restore's), counts, first errors and the errors CSV.
import type { PublicImport } from "../../domain/imports.ts";
import { IMPORT_COLUMNS } from "../../domain/imports.ts";
import type { Page } from "../../lib/pagination.ts";
import type { FieldErrors, FormValues } from "../forms.ts";
import { AppPage, FormError, formatTime, Select } from "../layout.tsx";
import { Pager } from "../paging.tsx";
import { DASHBOARD_PATH } from "../paths.ts";
import type { Viewer } from "../types.ts";

export const IMPORTS_PATH = `${DASHBOARD_PATH}/imports`;
/** The dashboard reads an upload whole; larger files go through the API or `npm run import`. */
export const MAX_DASHBOARD_UPLOAD_BYTES = 10 * 1024 * 1024;

const ON_ERROR_OPTIONS = [
  ["fail", "Stop at the first bad row (nothing is changed)"],
  ["skip", "Skip bad rows, import the others"],
] as const;

const DRY_RUN_OPTIONS = [
  ["false", "Import"],
  ["true", "Dry run: check the file, change nothing"],
] as const;

export function ImportStatus({ status }: { status: PublicImport["status"] }) {
  const kind = status === "complete" ? "badge badge-ok" : status === "failed" ? "badge badge-danger" : "badge badge-accent";
  return <span class={kind}>{status}</span>;
}

export function ImportsPage(props: {
  viewer: Viewer;
  imports: PublicImport[];
  total: number;
  hasMore: boolean;
  page: Page;
  canUpload: boolean;
  values?: FormValues;
  errors?: FieldErrors;
}) {
  const fileError = props.errors?.file;
  return (
    <AppPage viewer={props.viewer} title="Imports" current={IMPORTS_PATH} subtitle="Create and update items from a CSV file, or take a stocktake.">
      <FormError errors={props.errors} />
      {props.canUpload && (
        <section class="card" aria-labelledby="upload">
          <h2 id="upload">Upload a CSV file</h2>
          <form class="inline-fields" method="post" action={IMPORTS_PATH} enctype="multipart/form-data" novalidate>
            <div class="field">
              <label for="field-file">CSV file</label>
              <input id="field-file" name="file" type="file" accept=".csv,text/csv" aria-invalid={fileError ? "true" : undefined} aria-describedby={`field-file-hint${fileError ? " field-file-error" : ""}`} />
              <p class="hint" id="field-file-hint">Columns: {IMPORT_COLUMNS.join(", ")} (sku required). At most 10 MiB here.</p>
              {fileError && <p class="field-error" id="field-file-error">{fileError}</p>}
            </div>
            <Select name="dry_run" label="Mode" options={DRY_RUN_OPTIONS} values={props.values} />
            <Select name="on_error" label="Bad rows" options={ON_ERROR_OPTIONS} values={props.values} />
            <div class="form-actions field">
              <span class="sr-only">Upload</span>
              <button class="button" type="submit">Upload</button>
            </div>
          </form>
        </section>
      )}
      <section class="card" aria-labelledby="imports">
        <h2 id="imports">Imports ({props.total})</h2>
        {props.imports.length === 0 ? (
          <p class="muted">No imports yet.</p>
        ) : (
          <div class="table-wrap" tabindex={0}>
            <table>
              <thead>
                <tr>
                  <th scope="col">Started</th>
                  <th scope="col">Status</th>
                  <th scope="col" class="num">Rows</th>
                  <th scope="col" class="num">Created</th>
                  <th scope="col" class="num">Updated</th>
                  <th scope="col" class="num">Errors</th>
                </tr>
              </thead>
              <tbody>
                {props.imports.map((entry) => (
                  <tr>
                    <td>
                      <a href={`${IMPORTS_PATH}/${entry.id}`}>{formatTime(entry.created_at)}</a>
                      {entry.dry_run && <span class="badge">dry run</span>}
                    </td>
                    <td>
                      <ImportStatus status={entry.status} />
                    </td>
                    <td class="num">{entry.rows_total}</td>
                    <td class="num">{entry.items_created}</td>
                    <td class="num">{entry.items_updated}</td>
                    <td class="num">{entry.errors_count}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <Pager path={IMPORTS_PATH} filters={{}} page={props.page} rows={props.imports} hasMore={props.hasMore} label="Imports" />
      </section>
    </AppPage>
  );
}

export function ImportPage(props: { viewer: Viewer; entry: PublicImport; path: string }) {
  const { entry } = props;
  const done = entry.status === "complete" || entry.status === "failed";
  const percent = entry.rows_total ? Math.min(100, Math.round((entry.rows_processed / entry.rows_total) * 100)) : done ? 100 : 0;
  return (
    <AppPage viewer={props.viewer} title={entry.dry_run ? "Import (dry run)" : "Import"} current={IMPORTS_PATH} subtitle={<a href={IMPORTS_PATH}>← Imports</a>}>
      <section class="card" id="import-progress" aria-labelledby="import-progress-title" data-progress="" data-done={done ? "true" : "false"} aria-live="polite">
        <h2 id="import-progress-title">
          Status <ImportStatus status={entry.status} />
        </h2>
        <div class="meter" role="progressbar" aria-label="Import progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent}>
          <span class={`w-${Math.round(percent / 5) * 5}`}></span>
        </div>
        <p>
          {entry.rows_processed} of {entry.rows_total} rows processed{entry.dry_run ? " (a dry run: nothing is changed)" : ""}; bad rows: {entry.on_error === "skip" ? "skipped" : "stop the import"}.
        </p>
        <dl class="facts">
          <dt>Items created</dt>
          <dd>{entry.items_created}</dd>
          <dt>Items updated</dt>
          <dd>{entry.items_updated}</dd>
          <dt>Unchanged</dt>
          <dd>{entry.items_unchanged}</dd>
          <dt>Quantity changes</dt>
          <dd>{entry.quantity_changes}</dd>
          <dt>Errors</dt>
          <dd>{entry.errors_count}</dd>
        </dl>
        {!done && (
          <p class="hint">
            Still running. <a href={props.path}>Reload to see its progress</a>.
          </p>
        )}
      </section>
      <section class="card" aria-labelledby="import-errors">
        <h2 id="import-errors">Errors</h2>
        {entry.errors.length === 0 ? (
          <p class="muted">No errors.</p>
        ) : (
          <>
            <p>
              <a class="button button-secondary button-small" href={`${props.path}/errors`} download>Download the errors (CSV)</a>
              {entry.errors_count > entry.errors.length && <span class="muted"> The first {entry.errors.length} of {entry.errors_count} are shown.</span>}
            </p>
            <div class="table-wrap" tabindex={0}>
              <table>
                <thead>
                  <tr>
                    <th scope="col" class="num">Row</th>
                    <th scope="col">Column</th>
                    <th scope="col">Message</th>
                  </tr>
                </thead>
                <tbody>
                  {entry.errors.map((error) => (
                    <tr>
                      <td class="num">{error.row}</td>
                      <td class="mono">{error.column ?? "—"}</td>
                      <td class="wrap">{error.message}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </section>
    </AppPage>
  );
}
