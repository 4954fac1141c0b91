import { z } from "@hono/zod-openapi";
import { AUDIT_ACTIONS } from "../../db/schema.ts";
import { PaginationQuerySchema } from "../../lib/pagination.ts";
import { queryTimestamp } from "../../lib/query-params.ts";
import { text } from "../../lib/validation.ts";

export const ListAuditLogQuerySchema = PaginationQuerySchema.extend({
  action: z.enum(AUDIT_ACTIONS).optional(),
  item_id: text().max(64).optional(),
  user_id: text().max(64).optional(),
  since: queryTimestamp("Only entries created at or after this time."),
}).strict();
