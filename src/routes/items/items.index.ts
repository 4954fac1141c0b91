import { createRouter } from "../../lib/create-app.ts";
import * as handlers from "./items.handlers.ts";
import * as routes from "./items.routes.ts";

export const itemsRouter = createRouter()
  .openapi(routes.listItems, handlers.listItems)
  .openapi(routes.createItem, handlers.createItem)
  .openapi(routes.getItem, handlers.getItem)
  .openapi(routes.updateItem, handlers.updateItem)
  .openapi(routes.deleteItem, handlers.deleteItem)
  .openapi(routes.restoreItem, handlers.restoreItem)
  .openapi(routes.listTrash, handlers.listTrash);
