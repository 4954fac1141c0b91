// Settings → API Keys: the company's keys with when each was last used; create (name, role,
// expiry), roll with a grace period, revoke. A new key's secret is shown once, with a copy button.
import { keyState, MAX_ROLL_GRACE_HOURS, type ApiKey } from "../../domain/api-keys.ts";
import { ROLES } from "../../db/schema.ts";
import { nowIso } from "../../lib/clock.ts";
import type { Page } from "../../lib/pagination.ts";
import type { FieldErrors, FormValues } from "../forms.ts";
import { AppPage, Field, FormError, formatTime, Notice, roleLabel, Select, ShownOnce } from "../layout.tsx";
import { Pager } from "../paging.tsx";
import { DASHBOARD_PATH } from "../paths.ts";
import type { Viewer } from "../types.ts";

export const API_KEYS_PATH = `${DASHBOARD_PATH}/settings/api-keys`;

export const KEY_FORM_LABELS = { name: "Name", role: "Role", expires_at: "Expiry date" };

export const ROLE_OPTIONS = ROLES.map((role) => [role, roleLabel(role)] as const);

/** How long the old key keeps working after a roll. */
export const GRACE_OPTIONS = [
  ["0", "Old key stops now"],
  ["1", "Old key: 1 more hour"],
  ["24", "Old key: 1 more day"],
  ["72", "Old key: 3 more days"],
  [String(MAX_ROLL_GRACE_HOURS), "Old key: 7 more days"],
] as const;

const NOTICES: Record<string, string> = {
  revoked: "The key is revoked: it stops working at once.",
};

function StateBadge({ apiKey }: { apiKey: ApiKey }) {
  const state = keyState({ revokedAt: apiKey.revoked_at, expiresAt: apiKey.expires_at }, nowIso());
  if (state === "revoked") return <span class="badge badge-danger">Revoked</span>;
  if (state === "expired") return <span class="badge badge-warn">Expired</span>;
  return apiKey.expires_at ? <span class="badge badge-accent">Expires {apiKey.expires_at.slice(0, 10)}</span> : <span class="badge badge-ok">Active</span>;
}

export function ApiKeysPage(props: {
  viewer: Viewer;
  keys: ApiKey[];
  total: number;
  hasMore: boolean;
  page: Page;
  userNames: Map<string, string>;
  values?: FormValues;
  errors?: FieldErrors;
  created?: { name: string; secret: string; rolled: boolean };
  notice?: string;
}) {
  const notice = props.notice ? NOTICES[props.notice] : undefined;
  return (
    <AppPage
      viewer={props.viewer}
      title="API Keys"
      current={API_KEYS_PATH}
      subtitle="Keys let your programs use the API as one of your users. Only admins see this page."
    >
      {props.created && (
        <ShownOnce id="new-secret" label={props.created.rolled ? `New secret for “${props.created.name}”` : `Your new API key “${props.created.name}”`} value={props.created.secret}>
          <p>Copy it now: it is shown this once and never again. Send it as “Authorization: Bearer …”.</p>
        </ShownOnce>
      )}
      {notice && (
        <Notice kind="ok">
          <p>{notice}</p>
        </Notice>
      )}
      <FormError errors={props.errors} />
      <section class="card" aria-labelledby="create-key">
        <h2 id="create-key">Create a key</h2>
        <form class="inline-fields" method="post" action={API_KEYS_PATH} novalidate>
          <Field name="name" label="Name" required maxlength={100} values={props.values} errors={props.errors} hint="Where it is used, e.g. “Warehouse scanner”." />
          <Select name="role" label="Role" options={ROLE_OPTIONS} selected="read_only" values={props.values} errors={props.errors} hint="At most your own role." />
          <Field name="expires_at" label="Expiry date" type="date" values={props.values} errors={props.errors} hint="Optional; at 00:00 UTC that day." />
          <div class="form-actions field">
            <span class="sr-only">Create</span>
            <button class="button" type="submit">Create key</button>
          </div>
        </form>
      </section>
      <section class="card" aria-labelledby="keys">
        <h2 id="keys">Keys ({props.total})</h2>
        {props.keys.length === 0 ? (
          <p class="muted">No keys yet.</p>
        ) : (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Key</th>
                  <th scope="col">Role</th>
                  <th scope="col">User</th>
                  <th scope="col">Created</th>
                  <th scope="col">Last used</th>
                  <th scope="col">Status</th>
                  <th scope="col"><span class="sr-only">Actions</span></th>
                </tr>
              </thead>
              <tbody>
                {props.keys.map((key) => {
                  const working = keyState({ revokedAt: key.revoked_at, expiresAt: key.expires_at }, nowIso()) === "working";
                  return (
                    <tr>
                      <td>{key.name}</td>
                      <td class="mono">…{key.last4}</td>
                      <td>{roleLabel(key.role)}</td>
                      <td>{props.userNames.get(key.user_id) ?? key.user_id}</td>
                      <td>{formatTime(key.created_at)}</td>
                      <td>{key.last_used_at ? formatTime(key.last_used_at) : <span class="muted">Never</span>}</td>
                      <td>
                        <StateBadge apiKey={key} />
                      </td>
                      <td class="actions">
                        {working && (
                          <>
                            <form method="post" action={`${API_KEYS_PATH}/${key.id}/roll`}>
                              <label class="sr-only" for={`grace-${key.id}`}>Grace period for {key.name}</label>
                              <select id={`grace-${key.id}`} name="expires_in_hours">
                                {GRACE_OPTIONS.map(([value, label]) => (
                                  <option value={value}>{label}</option>
                                ))}
                              </select>
                              <button class="button button-secondary button-small" type="submit" aria-label={`Roll ${key.name}`}>Roll</button>
                            </form>
                            <form method="post" action={`${API_KEYS_PATH}/${key.id}/revoke`}>
                              <button class="button button-danger button-small" type="submit" aria-label={`Revoke ${key.name}`}>Revoke</button>
                            </form>
                          </>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
        <Pager path={API_KEYS_PATH} filters={{}} page={props.page} rows={props.keys} hasMore={props.hasMore} label="API keys" />
      </section>
    </AppPage>
  );
}
