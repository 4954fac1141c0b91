import { z } from "@hono/zod-openapi";
import { ORDER_STATUSES } from "../../domain/order-status.ts";
import { PaginationQuerySchema } from "../../lib/pagination.ts";
import { text } from "../../lib/validation.ts";

// The order object and the request bodies are in src/domain/orders.ts; these are the query and path.

export const ListOrdersQuerySchema = PaginationQuerySchema.extend({
  status: z.enum(ORDER_STATUSES).optional(),
  item_id: text().max(64).optional().openapi({ description: "Only orders with a line for this item." }),
  supplier: text().max(200).optional().openapi({ description: "Exact supplier name, case-insensitive." }),
}).strict();

export const OrderIdParamsSchema = z.object({
  id: z.string().openapi({ param: { name: "id", in: "path" }, example: "po_7Ab3Cd5Ef7Gh9Ij1Kl3Mn5Op" }),
});
