// Settings → Users: the company's users (and whether each has set a password); invite one with
// name, email and role, which shows their one-time invitation link; a new link for a user.
import type { User } from "../../domain/users.ts";
import type { Page } from "../../lib/pagination.ts";
import type { FieldErrors, FormValues } from "../forms.ts";
import { AppPage, Field, FormError, formatTime, roleLabel, Select, ShownOnce } from "../layout.tsx";
import { Pager } from "../paging.tsx";
import { DASHBOARD_PATH } from "../paths.ts";
import type { Viewer } from "../types.ts";
import { ROLE_OPTIONS } from "./api-keys.tsx";

export const USERS_PATH = `${DASHBOARD_PATH}/settings/users`;

export const USER_FORM_LABELS = { name: "Name", email: "Email", role: "Role" };

export function UsersPage(props: {
  viewer: Viewer;
  users: User[];
  total: number;
  hasMore: boolean;
  page: Page;
  withPassword: Set<string>;
  values?: FormValues;
  errors?: FieldErrors;
  invitation?: { name: string; email: string; url: string; expiresAt: string };
}) {
  return (
    <AppPage viewer={props.viewer} title="Users" current={USERS_PATH} subtitle="The people of your company, and what each may do. Only admins see this page.">
      {props.invitation && (
        <ShownOnce id="invitation-url" label={`Invitation link for ${props.invitation.name}`} value={props.invitation.url}>
          <p>
            Send it to {props.invitation.email}: it works once, until {formatTime(props.invitation.expiresAt)}, and is shown
            only now. Whoever opens it sets the password for this user.
          </p>
        </ShownOnce>
      )}
      <FormError errors={props.errors} />
      <section class="card" aria-labelledby="invite">
        <h2 id="invite">Invite a user</h2>
        <form class="inline-fields" method="post" action={USERS_PATH} novalidate>
          <Field name="name" label="Name" required maxlength={200} values={props.values} errors={props.errors} />
          <Field name="email" label="Email" type="email" required values={props.values} errors={props.errors} />
          <Select
            name="role"
            label="Role"
            options={ROLE_OPTIONS}
            selected="member"
            values={props.values}
            errors={props.errors}
            hint="Admin: everything. Member: inventory. Read only: sees."
          />
          <div class="form-actions field">
            <button class="button" type="submit">Invite</button>
          </div>
        </form>
      </section>
      <section class="card" aria-labelledby="user-list">
        <h2 id="user-list">Users ({props.total})</h2>
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Dashboard</th>
                <th scope="col">Added</th>
                <th scope="col"><span class="sr-only">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              {props.users.map((user) => (
                <tr>
                  <td>
                    {user.name}
                    {user.id === props.viewer.user.id && <span class="muted"> (you)</span>}
                  </td>
                  <td>{user.email}</td>
                  <td>{roleLabel(user.role)}</td>
                  <td>{props.withPassword.has(user.id) ? <span class="badge badge-ok">Password set</span> : <span class="badge">Invited</span>}</td>
                  <td>{formatTime(user.created_at)}</td>
                  <td class="actions">
                    <form method="post" action={`${USERS_PATH}/${user.id}/invitation`}>
                      <button class="button button-secondary button-small" type="submit">
                        New link<span class="sr-only"> for {user.name}</span>
                      </button>
                    </form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <Pager path={USERS_PATH} filters={{}} page={props.page} rows={props.users} hasMore={props.hasMore} label="Users" />
      </section>
    </AppPage>
  );
}
