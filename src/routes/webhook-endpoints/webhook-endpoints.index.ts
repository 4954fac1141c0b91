import { createRouter } from "../../lib/create-app.ts";
import * as handlers from "./webhook-endpoints.handlers.ts";
import * as routes from "./webhook-endpoints.routes.ts";

export const webhookEndpointsRouter = createRouter()
  .openapi(routes.listWebhookEndpoints, handlers.listWebhookEndpoints)
  .openapi(routes.createWebhookEndpoint, handlers.createWebhookEndpoint)
  .openapi(routes.getWebhookEndpoint, handlers.getWebhookEndpoint)
  .openapi(routes.updateWebhookEndpoint, handlers.updateWebhookEndpoint)
  .openapi(routes.deleteWebhookEndpoint, handlers.deleteWebhookEndpoint)
  .openapi(routes.rollWebhookSecret, handlers.rollWebhookSecret);
