import { listAuditEntries } from "../../db/audit.ts";
import { toAuditEntry } from "../../domain/audit.ts";
import { paginate } from "../../lib/pagination.ts";
import { PLANS } from "../../plans.ts";
import { hiddenResourceTypes } from "../../roles.ts";
import type { AppRouteHandler } from "../../types.ts";
import type * as routes from "./audit-log.routes.ts";

/** The company's entries within its plan's retention, without those the caller's role may not see. */
export const listAuditLog: AppRouteHandler<typeof routes.listAuditLog> = async (c) => {
  const { action, item_id, user_id, since, ...page } = c.req.valid("query");
  const auth = c.get("auth");
  const { rows, ...list } = await listAuditEntries(
    c.get("db"),
    auth.companyId,
    PLANS[auth.plan].auditRetentionDays,
    { action, itemId: item_id, userId: user_id, since, hiddenResourceTypes: hiddenResourceTypes(auth.role) },
    page,
  );
  return c.json(paginate(rows.map(toAuditEntry), list, page), 200);
};
