import { z } from "@hono/zod-openapi";
import { PaginationQuerySchema } from "../../lib/pagination.ts";
import { queryBoolean } from "../../lib/query-params.ts";
import { text } from "../../lib/validation.ts";

export const ListItemsQuerySchema = PaginationQuerySchema.extend({
  // Tabs and newlines around a pasted search are trimmed, not refused.
  search: text({ multiline: true }).max(100).optional().openapi({
    description: "Word-prefix match on name, prefix match on SKU, exact or prefix match on barcode.",
  }),
  location: text().max(100).optional().openapi({ description: "Exact location, case-insensitive." }),
  low_stock: queryBoolean("`true`: reorder_point set and quantity below it; `false`: the others."),
}).strict();

export const ListTrashQuerySchema = PaginationQuerySchema.strict();

export const ItemIdParamsSchema = z.object({
  id: z.string().openapi({ param: { name: "id", in: "path" }, example: "item_3hK9pQ2vX8mN4rT6wY1zB5cD" }),
});
