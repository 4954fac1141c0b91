import { createRouter } from "../../lib/create-app.ts";
import * as handlers from "./exports.handlers.ts";
import * as routes from "./exports.routes.ts";

/** Registered before the items and transactions routers, so that `/v1/items/export` is not taken for an item id. */
export const exportsRouter = createRouter()
  .openapi(routes.exportItems, handlers.exportItems)
  .openapi(routes.exportTransactions, handlers.exportTransactions);
