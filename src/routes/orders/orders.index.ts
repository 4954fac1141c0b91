import { createRouter } from "../../lib/create-app.ts";
import * as handlers from "./orders.handlers.ts";
import * as routes from "./orders.routes.ts";

export const ordersRouter = createRouter()
  .openapi(routes.listOrders, handlers.listOrders)
  .openapi(routes.createOrder, handlers.createOrder)
  .openapi(routes.getOrder, handlers.getOrder)
  .openapi(routes.updateOrder, handlers.updateOrder)
  .openapi(routes.submitOrder, handlers.submitOrder)
  .openapi(routes.cancelOrder, handlers.cancelOrder)
  .openapi(routes.receiveOrder, handlers.receiveOrder);
