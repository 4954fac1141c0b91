// Audit log: every change within the plan's retention, newest first, with the API's filters
// (action, item, user, since) and cursor paging. Entries a role may not read (users, keys,
// webhook endpoints for non-admins) are left out, as in the API's list.
import { AUDIT_ACTIONS } from "../../db/schema.ts";
import type { AuditEntry } from "../../domain/audit.ts";
import type { Page } from "../../lib/pagination.ts";
import type { FieldErrors, FormValues } from "../forms.ts";
import { AppPage, Field, FormError, formatTime, Select } from "../layout.tsx";
import { Pager } from "../paging.tsx";
import { DASHBOARD_PATH } from "../paths.ts";
import type { Viewer } from "../types.ts";

export const AUDIT_PATH = `${DASHBOARD_PATH}/audit-log`;

export const ACTION_OPTIONS = [["", "Any action"], ...AUDIT_ACTIONS.map((action) => [action, action] as const)] as const;

export interface AuditFiltersForm {
  action?: string;
  item_id?: string;
  user_id?: string;
  since?: string;
}

const RESOURCE_LINKS: Record<string, string> = { item: "inventory", order: "orders", snapshot: "snapshots" };

/** An entry's changes in a line: `field: from → to` for updates, else what happened. */
export function describeEntry(entry: AuditEntry): string {
  if (entry.action !== "update") {
    return { create: "Created", delete: "Deleted (to the trash)", restore: "Restored" }[entry.action];
  }
  const show = (value: unknown) => (value === null || value === undefined ? "—" : typeof value === "object" ? JSON.stringify(value) : String(value));
  return Object.entries(entry.changes)
    .map(([field, change]) => {
      const { from, to } = (change ?? {}) as { from?: unknown; to?: unknown };
      return `${field.replaceAll("_", " ")}: ${show(from)} → ${show(to)}`;
    })
    .join("; ");
}

export function AuditLogPage(props: {
  viewer: Viewer;
  entries: AuditEntry[];
  total: number;
  hasMore: boolean;
  page: Page;
  filters: AuditFiltersForm;
  userOptions: readonly (readonly [string, string])[];
  userNames: Map<string, string>;
  retentionDays: number | null;
  errors?: FieldErrors;
}) {
  const filtered = Object.values(props.filters).some(Boolean);
  const who = (entry: AuditEntry) =>
    entry.user_id === props.viewer.user.id ? "You" : (entry.user_id && props.userNames.get(entry.user_id)) ?? entry.user_id ?? "—";
  return (
    <AppPage
      viewer={props.viewer}
      title="Audit log"
      current={AUDIT_PATH}
      subtitle={props.retentionDays === null ? "Every change, kept for good on your plan." : `Every change of the last ${props.retentionDays} days (your plan's retention).`}
    >
      <FormError errors={props.errors} />
      <section class="card" aria-labelledby="audit-filters">
        <h2 id="audit-filters" class="sr-only">Filters</h2>
        <form class="inline-fields" method="get" action={AUDIT_PATH} role="search">
          <Select name="action" label="Action" options={ACTION_OPTIONS} values={props.filters as FormValues} />
          <Select name="user_id" label="By" options={props.userOptions} values={props.filters as FormValues} />
          <Field name="item_id" label="Item id" values={props.filters as FormValues} errors={props.errors} maxlength={64} hint="e.g. item_3hK9…" />
          <Field name="since" label="Since" type="date" values={props.filters as FormValues} errors={props.errors} hint="From 00:00 UTC that day." />
          <div class="form-actions field">
            <span class="sr-only">Filter</span>
            <button class="button" type="submit">Filter</button>
            {filtered && <a href={AUDIT_PATH}>Clear</a>}
          </div>
        </form>
      </section>
      <section class="card" aria-labelledby="audit-entries">
        <h2 id="audit-entries">{filtered ? `Matching entries (${props.total})` : `Entries (${props.total})`}</h2>
        {props.entries.length === 0 ? (
          <p class="muted">{filtered ? "No entry matches these filters." : "No changes yet."}</p>
        ) : (
          <div class="table-wrap" tabindex={0}>
            <table>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Action</th>
                  <th scope="col">Resource</th>
                  <th scope="col">What changed</th>
                  <th scope="col">By</th>
                </tr>
              </thead>
              <tbody>
                {props.entries.map((entry) => {
                  const area = RESOURCE_LINKS[entry.resource_type];
                  return (
                    <tr>
                      <td>{formatTime(entry.created_at)}</td>
                      <td>{entry.action}</td>
                      <td>
                        {entry.resource_type.replace("_", " ")}{" "}
                        {area && entry.action !== "delete" ? (
                          <a class="mono" href={`${DASHBOARD_PATH}/${area}/${entry.resource_id}`}>{entry.resource_id}</a>
                        ) : (
                          <span class="mono">{entry.resource_id}</span>
                        )}
                      </td>
                      <td class="wrap">{describeEntry(entry)}</td>
                      <td>
                        {who(entry)}
                        {entry.api_key_id && <span class="muted"> (API key)</span>}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
        <Pager path={AUDIT_PATH} filters={props.filters as Record<string, string | undefined>} page={props.page} rows={props.entries} hasMore={props.hasMore} label="Audit log" />
      </section>
    </AppPage>
  );
}
