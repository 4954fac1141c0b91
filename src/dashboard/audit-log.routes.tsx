// Audit log: the API's list (listAuditEntries with the plan's retention and the role's hidden
// resource types) with its filters; read-only for every role.
import { Hono } from "hono";
import { listAuditEntries } from "../db/audit.ts";
import { listUsers } from "../db/users.ts";
import { AUDIT_ACTIONS } from "../db/schema.ts";
import { toAuditEntry } from "../domain/audit.ts";
import { PLANS } from "../plans.ts";
import { hiddenResourceTypes } from "../roles.ts";
import { mayUse } from "./access.ts";
import type { FieldErrors } from "./forms.ts";
import { allow } from "./guards.tsx";
import { AuditLogPage, type AuditFiltersForm } from "./pages/audit-log.tsx";
import { pageFromQuery } from "./paging.tsx";
import { page } from "./render.ts";
import type { DashboardEnv } from "./types.ts";

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const ID = /^[A-Za-z0-9_]{1,64}$/;

export const auditLogRoutes = new Hono<DashboardEnv>().get("/audit-log", allow(["GET", "/v1/audit_log"]), async (c) => {
  const { viewer } = c.var;
  const query = c.req.query();
  const filters: AuditFiltersForm = {
    action: AUDIT_ACTIONS.includes(query.action as (typeof AUDIT_ACTIONS)[number]) ? query.action : undefined,
    item_id: query.item_id?.trim() || undefined,
    user_id: query.user_id?.trim() || undefined,
    since: query.since?.trim() || undefined,
  };
  const errors: FieldErrors = {};
  if (filters.item_id && !ID.test(filters.item_id)) errors.item_id = "Item id must be an id such as item_3hK9pQ2vX8mN4rT6wY1zB5cD.";
  if (filters.since && (!DATE.test(filters.since) || Number.isNaN(Date.parse(filters.since)))) errors.since = "Since must be a date such as 2030-01-15.";
  const isAdmin = mayUse(viewer.user.role, ["GET", "/v1/users"]);
  const users = isAdmin ? (await listUsers(c.get("db"), viewer.company.id, { limit: 100, offset: 0 })).rows : [];
  const userNames = new Map(users.map((user) => [user.id, user.name]));
  const userOptions = [
    ["", "Anyone"] as const,
    [viewer.user.id, "Me"] as const,
    ...users.filter((user) => user.id !== viewer.user.id).map((user) => [user.id, user.name] as const),
  ];
  const retentionDays = PLANS[viewer.company.plan].auditRetentionDays;
  const listPage = pageFromQuery(query);
  const shown = { viewer, filters, page: listPage, userOptions, userNames, retentionDays };
  if (Object.keys(errors).length > 0) {
    return page(c, <AuditLogPage {...shown} entries={[]} total={0} hasMore={false} errors={errors} />, 400);
  }
  const list = await listAuditEntries(
    c.get("db"),
    viewer.company.id,
    retentionDays,
    {
      action: filters.action as (typeof AUDIT_ACTIONS)[number] | undefined,
      itemId: filters.item_id,
      userId: filters.user_id,
      since: filters.since ? `${filters.since}T00:00:00.000Z` : undefined,
      hiddenResourceTypes: hiddenResourceTypes(viewer.user.role),
    },
    listPage,
  );
  return page(c, <AuditLogPage {...shown} entries={list.rows.map(toAuditEntry)} total={list.total} hasMore={list.hasMore} />);
});
