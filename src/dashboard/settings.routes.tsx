// Settings: API Keys and Users (admins), Plan (everyone). Each action calls the same db/domain
// function as its API route, so validation, audit entries (user_id set, api_key_id null) and the
// rules (a key's role at most its user's, the last admin key, the active-key limit) are the same.
import { Hono, type Context } from "hono";
import { insertApiKey, listApiKeys, revokeApiKey, rollApiKey } from "../db/api-keys.ts";
import { adminCounts, snapshotUseToday } from "../db/dashboard-overview.ts";
import { createInvitation, usersWithPassword } from "../db/dashboard-auth.ts";
import type { Actor } from "../db/audit.ts";
import { findUser, insertUser, listUsers, userNames } from "../db/users.ts";
import { MAX_ACTIVE_KEYS } from "../domain/api-keys.ts";
import { nowIso } from "../lib/clock.ts";
import { forgetApiKey } from "../middleware/authenticate.ts";
import { PLANS } from "../plans.ts";
import { CreateApiKeyBodySchema, RollApiKeyBodySchema } from "../routes/api-keys/api-keys.schemas.ts";
import { CreateUserBodySchema } from "../routes/users/users.schemas.ts";
import { mayUse } from "./access.ts";
import { attempt, readForm, zodFieldErrors, type FieldErrors, type FormValues } from "./forms.ts";
import { allow } from "./guards.tsx";
import { pageFromQuery } from "./paging.tsx";
import { ApiKeysPage, KEY_FORM_LABELS } from "./pages/api-keys.tsx";
import { PlanPage } from "./pages/plan.tsx";
import { USER_FORM_LABELS, UsersPage } from "./pages/users.tsx";
import { page } from "./render.ts";
import type { DashboardEnv } from "./types.ts";
import { setPasswordUrl } from "./paths.ts";

type DashboardContext = Context<DashboardEnv>;

/** Who a dashboard change is recorded as: the signed-in user, with no API key. */
export function actorOf(c: DashboardContext): Actor {
  return { companyId: c.get("viewer").company.id, userId: c.get("viewer").user.id, apiKeyId: null, requestId: c.get("requestId") };
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

async function keysPage(
  c: DashboardContext,
  extra: { values?: FormValues; errors?: FieldErrors; created?: { name: string; secret: string; rolled: boolean }; notice?: string } = {},
  status: 200 | 201 | 400 | 404 | 409 | 429 = 200,
) {
  const { id: companyId } = c.get("viewer").company;
  const listPage = pageFromQuery(c.req.query());
  const keys = await listApiKeys(c.get("db"), companyId, listPage);
  const names = await userNames(c.get("db"), companyId, keys.rows.map((key) => key.user_id));
  return page(
    c,
    <ApiKeysPage viewer={c.get("viewer")} keys={keys.rows} total={keys.total} hasMore={keys.hasMore} page={listPage} userNames={names} {...extra} />,
    status,
  );
}

async function usersPage(
  c: DashboardContext,
  extra: { values?: FormValues; errors?: FieldErrors; invitation?: { name: string; email: string; url: string; expiresAt: string } } = {},
  status: 200 | 201 | 400 | 404 | 409 = 200,
) {
  const { id: companyId } = c.get("viewer").company;
  const listPage = pageFromQuery(c.req.query());
  const [users, withPassword] = await Promise.all([listUsers(c.get("db"), companyId, listPage), usersWithPassword(c.get("db"), companyId)]);
  return page(
    c,
    <UsersPage viewer={c.get("viewer")} users={users.rows} total={users.total} hasMore={users.hasMore} page={listPage} withPassword={withPassword} {...extra} />,
    status,
  );
}

const origin = (c: DashboardContext) => new URL(c.req.url).origin;

export const settingsRoutes = new Hono<DashboardEnv>()
  .get("/settings/api-keys", allow(["GET", "/v1/api_keys"]), (c) => keysPage(c, { notice: c.req.query("notice") }))
  .post("/settings/api-keys", allow(["POST", "/v1/api_keys"]), async (c) => {
    const form = await readForm(c);
    const values = { name: form.name ?? "", role: form.role ?? "", expires_at: form.expires_at ?? "" };
    const date = values.expires_at.trim();
    if (date !== "" && !DATE.test(date)) {
      return keysPage(c, { values, errors: { expires_at: "Expiry date must be a date such as 2030-01-15." } }, 400);
    }
    const parsed = CreateApiKeyBodySchema.safeParse({ name: values.name, role: values.role, expires_at: date ? `${date}T00:00:00Z` : null });
    if (!parsed.success) {
      const errors = zodFieldErrors(parsed.error, KEY_FORM_LABELS);
      if (errors.expires_at) errors.expires_at = "Expiry date must be in the future.";
      return keysPage(c, { values, errors }, 400);
    }
    const result = await attempt(
      () =>
        insertApiKey(c.get("db"), actorOf(c), {
          name: parsed.data.name,
          userId: c.get("viewer").user.id,
          role: parsed.data.role,
          expiresAt: parsed.data.expires_at,
          mode: c.get("keyMode"),
        }),
      KEY_FORM_LABELS,
    );
    if (!result.ok) return keysPage(c, { values, errors: result.errors }, result.status as 400);
    return keysPage(c, { created: { name: result.value.name, secret: result.value.secret, rolled: false } }, 201);
  })
  .post("/settings/api-keys/:id/roll", allow(["POST", "/v1/api_keys/:id/roll"]), async (c) => {
    const id = c.req.param("id");
    const form = await readForm(c);
    const parsed = RollApiKeyBodySchema.safeParse({ expires_in_hours: Number(form.expires_in_hours ?? "0") });
    if (!parsed.success) return keysPage(c, { errors: { "": "Choose one of the grace periods offered." } }, 400);
    const result = await attempt(() => rollApiKey(c.get("db"), actorOf(c), id, parsed.data.expires_in_hours ?? 0, c.get("keyMode")), {});
    if (!result.ok) return keysPage(c, { errors: result.errors }, result.status as 409);
    if (!result.value) return keysPage(c, { errors: { "": "There is no such key." } }, 404);
    forgetApiKey(id);
    return keysPage(c, { created: { name: result.value.name, secret: result.value.secret, rolled: true } }, 201);
  })
  .post("/settings/api-keys/:id/revoke", allow(["DELETE", "/v1/api_keys/:id"]), async (c) => {
    const id = c.req.param("id");
    const result = await attempt(() => revokeApiKey(c.get("db"), actorOf(c), id), {});
    if (!result.ok) return keysPage(c, { errors: result.errors }, result.status as 409);
    if (!result.value) return keysPage(c, { errors: { "": "There is no such key." } }, 404);
    forgetApiKey(id);
    return c.redirect(`${c.req.path.replace(/\/[^/]+\/revoke$/, "")}?notice=revoked`, 303);
  })
  .get("/settings/users", allow(["GET", "/v1/users"]), (c) => usersPage(c))
  .post("/settings/users", allow(["POST", "/v1/users"]), async (c) => {
    const form = await readForm(c);
    const values = { name: form.name ?? "", email: form.email ?? "", role: form.role ?? "" };
    const parsed = CreateUserBodySchema.safeParse(values);
    if (!parsed.success) return usersPage(c, { values, errors: zodFieldErrors(parsed.error, USER_FORM_LABELS) }, 400);
    const result = await attempt(() => insertUser(c.get("db"), actorOf(c), parsed.data), USER_FORM_LABELS);
    if (!result.ok) return usersPage(c, { values, errors: result.errors }, result.status as 409);
    const { user, invitation } = result.value;
    const url = setPasswordUrl(origin(c), invitation.token);
    return usersPage(c, { invitation: { name: user.name, email: user.email, url, expiresAt: invitation.expiresAt } }, 201);
  })
  .post("/settings/users/:id/invitation", allow(["POST", "/v1/users/:id/invitation"]), async (c) => {
    const id = c.req.param("id");
    const { id: companyId } = c.get("viewer").company;
    const user = await findUser(c.get("db"), companyId, id);
    const invitation = user && (await createInvitation(c.get("db"), companyId, id));
    if (!user || !invitation) return usersPage(c, { errors: { "": "There is no such user." } }, 404);
    const url = setPasswordUrl(origin(c), invitation.token);
    return usersPage(c, { invitation: { name: user.name, email: user.email, url, expiresAt: invitation.expiresAt } }, 201);
  })
  .get("/settings/plan", allow(["GET", "/v1/items"]), async (c) => {
    const { viewer } = c.var;
    const plan = PLANS[viewer.company.plan];
    const isAdmin = mayUse(viewer.user.role, ["GET", "/v1/api_keys"]);
    const [today, admin] = await Promise.all([
      snapshotUseToday(c.get("db"), viewer.company.id),
      isAdmin ? adminCounts(c.get("db"), viewer.company.id, nowIso()) : Promise.resolve(undefined),
    ]);
    const use = {
      ...today,
      admin: admin && { activeKeys: admin.activeKeys, maxActiveKeys: MAX_ACTIVE_KEYS, webhookEndpoints: admin.webhookEndpoints },
    };
    return page(c, <PlanPage viewer={viewer} plan={plan} use={use} />);
  });

