import { createRouter } from "../../lib/create-app.ts";
import * as handlers from "./webhook-deliveries.handlers.ts";
import * as routes from "./webhook-deliveries.routes.ts";

export const webhookDeliveriesRouter = createRouter()
  .openapi(routes.listWebhookDeliveries, handlers.listWebhookDeliveries)
  .openapi(routes.getWebhookDelivery, handlers.getWebhookDelivery)
  .openapi(routes.retryWebhookDelivery, handlers.retryWebhookDelivery);
