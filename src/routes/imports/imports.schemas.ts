import { z } from "@hono/zod-openapi";
import { PaginationQuerySchema } from "../../lib/pagination.ts";
import { queryBoolean } from "../../lib/query-params.ts";

export const CreateImportQuerySchema = z.strictObject({
  dry_run: queryBoolean("`true`: validate and report what would change, changing nothing."),
  on_error: z
    .enum(["fail", "skip"])
    .optional()
    .openapi({ description: "`fail` (default): one invalid row fails the import and nothing changes; `skip`: the valid rows are applied." }),
});

export const ListImportsQuerySchema = PaginationQuerySchema.strict();

export const ImportIdParamsSchema = z.object({
  id: z.string().openapi({ param: { name: "id", in: "path" }, example: "imp_4Fg6Hj8Kl1Mn3Pq5Rs7Tu9Vw" }),
});
