import { findOrder, listOrders as listOrderPage, transitionOrder, createOrder as insertOrder, updateDraftOrder } from "../../db/orders.ts";
import { receiveOrder as receiveStock } from "../../db/order-receipts.ts";
import { notFound } from "../../domain/errors.ts";
import { withEntryPath } from "../../lib/errors.ts";
import { paginate } from "../../lib/pagination.ts";
import type { AppRouteHandler } from "../../types.ts";
import type * as routes from "./orders.routes.ts";

/** Where an error about one line names it in the request body: `line_items[2].item_id`. */
const lineItem = (entry: number) => `line_items[${entry}]`;

export const listOrders: AppRouteHandler<typeof routes.listOrders> = async (c) => {
  const { status, item_id, supplier, ...page } = c.req.valid("query");
  const { rows, ...list } = await listOrderPage(c.get("db"), c.get("auth").companyId, { status, itemId: item_id, supplier }, page);
  return c.json(paginate(rows, list, page), 200);
};

export const createOrder: AppRouteHandler<typeof routes.createOrder> = async (c) => {
  const order = await withEntryPath(lineItem, () => insertOrder(c.get("db"), c.get("actor"), c.req.valid("json")));
  return c.json(order, 201);
};

export const getOrder: AppRouteHandler<typeof routes.getOrder> = async (c) => {
  const { id } = c.req.valid("param");
  const order = await findOrder(c.get("db"), c.get("auth").companyId, id);
  if (!order) throw notFound("order", id);
  return c.json(order, 200);
};

export const updateOrder: AppRouteHandler<typeof routes.updateOrder> = async (c) => {
  const { id } = c.req.valid("param");
  const order = await withEntryPath(lineItem, () => updateDraftOrder(c.get("db"), c.get("actor"), id, c.req.valid("json")));
  if (!order) throw notFound("order", id);
  return c.json(order, 200);
};

export const submitOrder: AppRouteHandler<typeof routes.submitOrder> = async (c) => {
  const { id } = c.req.valid("param");
  const order = await transitionOrder(c.get("db"), c.get("actor"), id, "submit");
  if (!order) throw notFound("order", id);
  return c.json(order, 200);
};

export const cancelOrder: AppRouteHandler<typeof routes.cancelOrder> = async (c) => {
  const { id } = c.req.valid("param");
  const order = await transitionOrder(c.get("db"), c.get("actor"), id, "cancel");
  if (!order) throw notFound("order", id);
  return c.json(order, 200);
};

export const receiveOrder: AppRouteHandler<typeof routes.receiveOrder> = async (c) => {
  const { id } = c.req.valid("param");
  const { line_items } = c.req.valid("json");
  const order = await withEntryPath(lineItem, () => receiveStock(c.get("db"), c.get("actor"), id, line_items));
  if (!order) throw notFound("order", id);
  return c.json(order, 200);
};
