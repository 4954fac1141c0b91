import { AuditEntrySchema } from "../../domain/audit.ts";
import { createAuthenticatedRoute, jsonContent as json } from "../../lib/openapi.ts";
import { paginated } from "../../lib/pagination.ts";
import { ListAuditLogQuerySchema } from "./audit-log.schemas.ts";

export const listAuditLog = createAuthenticatedRoute({
  operationId: "listAuditLog",
  method: "get",
  path: "/v1/audit_log",
  tags: ["Audit log"],
  summary: "List audit log entries",
  description:
    "Every change, newest first, within your plan's retention (30 days, 365 days or unlimited). Entries about users and API keys are shown to admin keys only.",
  request: { query: ListAuditLogQuerySchema },
  responses: { 200: json(paginated(AuditEntrySchema), "A page of entries.") },
});
