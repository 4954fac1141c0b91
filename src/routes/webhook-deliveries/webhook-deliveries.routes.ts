import { WebhookDeliverySchema, WebhookDeliveryWithAttemptsSchema } from "../../domain/webhook-deliveries.ts";
import { createAuthenticatedRoute, jsonContent as json } from "../../lib/openapi.ts";
import { paginated } from "../../lib/pagination.ts";
import { ListWebhookDeliveriesQuerySchema, WebhookDeliveryIdParamsSchema } from "./webhook-deliveries.schemas.ts";

const tags = ["Webhook deliveries"];
// Every webhook route is for admin keys only: the `authorize` middleware refuses other roles first.

export const listWebhookDeliveries = createAuthenticatedRoute({
  operationId: "listWebhookDeliveries",
  method: "get",
  path: "/v1/webhook_deliveries",
  tags,
  summary: "List webhook deliveries",
  description:
    "Each event to each subscribed endpoint, newest first, with its state. Kept as long as their event (30 days). Admin keys only.",
  request: { query: ListWebhookDeliveriesQuerySchema },
  responses: { 200: json(paginated(WebhookDeliverySchema), "A page of deliveries.") },
});

export const getWebhookDelivery = createAuthenticatedRoute({
  operationId: "getWebhookDelivery",
  method: "get",
  path: "/v1/webhook_deliveries/{id}",
  tags,
  summary: "Retrieve a webhook delivery",
  description: "The delivery with its attempts. Admin keys only.",
  request: { params: WebhookDeliveryIdParamsSchema },
  responses: { 200: json(WebhookDeliveryWithAttemptsSchema, "The delivery.") },
});

export const retryWebhookDelivery = createAuthenticatedRoute({
  operationId: "retryWebhookDelivery",
  method: "post",
  path: "/v1/webhook_deliveries/{id}/retry",
  tags,
  summary: "Send a webhook delivery again now",
  description:
    "Whatever its status: it becomes `pending` and its next attempt is made at once (one attempt; a failed delivery gets no new 3-day series). Its endpoint must exist and be enabled. Admin keys only.",
  request: { params: WebhookDeliveryIdParamsSchema },
  responses: { 200: json(WebhookDeliveryWithAttemptsSchema, "The delivery, pending.") },
  errors: ["invalid_state"],
  errorNotes: { invalid_state: "its endpoint was deleted or is disabled, or its event is no longer kept" },
});
