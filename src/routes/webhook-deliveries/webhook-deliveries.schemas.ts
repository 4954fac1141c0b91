import { z } from "@hono/zod-openapi";
import { WEBHOOK_DELIVERY_STATUSES } from "../../db/schema.ts";
import { PaginationQuerySchema } from "../../lib/pagination.ts";
import { text } from "../../lib/validation.ts";

// The delivery object is in src/domain/webhook-deliveries.ts; these are the query and path.

export const ListWebhookDeliveriesQuerySchema = PaginationQuerySchema.extend({
  endpoint_id: text().max(64).optional().openapi({ description: "Only deliveries to this endpoint." }),
  event_id: text().max(64).optional().openapi({ description: "Only deliveries of this event." }),
  status: z.enum(WEBHOOK_DELIVERY_STATUSES).optional(),
}).strict();

export const WebhookDeliveryIdParamsSchema = z.object({
  id: z.string().openapi({ param: { name: "id", in: "path" }, example: "wd_3Hk8Lp2Qr6St0Uv4Wx8Yz2Ab" }),
});
