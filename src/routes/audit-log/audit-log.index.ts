import { createRoute } from "@hono/zod-openapi";
import { listAuditEntries } from "../../db/audit.ts";
import { createRouter } from "../../lib/create-app.ts";
import { openApiErrorResponses } from "../../lib/errors.ts";
import { bearerSecurity, jsonContent } from "../../lib/openapi.ts";
import { paginate, paginated } from "../../lib/pagination.ts";
import { PLANS } from "../../plans.ts";
import { hiddenResourceTypes } from "../../roles.ts";
import { AuditEntrySchema, ListAuditLogQuerySchema, toAuditEntry } from "./audit-log.schemas.ts";

const listAuditLog = createRoute({
  operationId: "listAuditLog",
  method: "get",
  path: "/v1/audit_log",
  tags: ["Audit log"],
  security: bearerSecurity,
  summary: "List audit log entries",
  description:
    "Every change, newest first, within your plan's retention (30 days, 365 days or unlimited). Entries about users and API keys are shown to admin keys only.",
  request: { query: ListAuditLogQuerySchema },
  responses: { 200: jsonContent(paginated(AuditEntrySchema), "A page of entries."), ...openApiErrorResponses },
});

export const auditLogRouter = createRouter().openapi(listAuditLog, async (c) => {
  const { action, item_id, user_id, since, ...page } = c.req.valid("query");
  const auth = c.get("auth");
  const { rows, total } = await listAuditEntries(
    c.var.db,
    auth.companyId,
    PLANS[auth.plan].auditRetentionDays,
    { action, itemId: item_id, userId: user_id, since, hiddenResourceTypes: hiddenResourceTypes(auth.role) },
    page,
  );
  return c.json(paginate(rows.map(toAuditEntry), total, page), 200);
});
