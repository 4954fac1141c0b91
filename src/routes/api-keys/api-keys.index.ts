import { createRouter } from "../../lib/create-app.ts";
import * as handlers from "./api-keys.handlers.ts";
import * as routes from "./api-keys.routes.ts";

export const apiKeysRouter = createRouter()
  .openapi(routes.listApiKeys, handlers.listApiKeys)
  .openapi(routes.createApiKey, handlers.createApiKey)
  .openapi(routes.getApiKey, handlers.getApiKey)
  .openapi(routes.revokeApiKey, handlers.revokeApiKey)
  .openapi(routes.rollApiKey, handlers.rollApiKey);
