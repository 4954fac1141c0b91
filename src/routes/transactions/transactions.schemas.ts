import { z } from "@hono/zod-openapi";
import { TRANSACTION_TYPES } from "../../db/schema.ts";
import { PaginationQuerySchema } from "../../lib/pagination.ts";
import { queryTimestamp } from "../../lib/query-params.ts";
import { text } from "../../lib/validation.ts";

export const ListTransactionsQuerySchema = PaginationQuerySchema.extend({
  item_id: text().max(64).optional(),
  type: z.enum(TRANSACTION_TYPES).optional(),
  since: queryTimestamp("Only transactions created at or after this time."),
  until: queryTimestamp("Only transactions created before this time."),
}).strict();

export const TransactionIdParamsSchema = z.object({
  id: z.string().openapi({ param: { name: "id", in: "path" }, example: "txn_8Hq2LmN4pR6sT9vW1xY3zA5b" }),
});
