import { createMiddleware } from "hono/factory";
import { CreateOrderBodySchema, OrderSchema, ReceiveOrderBodySchema, UpdateOrderBodySchema } from "../../domain/orders.ts";
import { createAuthenticatedRoute, jsonContent as json } from "../../lib/openapi.ts";
import { paginated } from "../../lib/pagination.ts";
import type { AppEnv } from "../../types.ts";
import { ListOrdersQuerySchema, OrderIdParamsSchema } from "./orders.schemas.ts";

const tags = ["Purchase orders"];
const params = OrderIdParamsSchema;
/**
 * A change to an order that was read first: refused in the wrong status, and given up (safe to
 * retry) when many requests change the order at once.
 */
const change = {
  errors: ["invalid_state", "service_unavailable"],
  errorNotes: { invalid_state: "the order's status does not allow this; the message names it" },
} as const;

/**
 * For a POST whose body is optional: an empty body sent with `Content-Type: application/json`
 * counts as no body, instead of as malformed JSON.
 */
const emptyBodyIsNoBody = createMiddleware<AppEnv>(async (c, next) => {
  if (c.req.header("Content-Type") !== undefined && (await c.req.text()) === "") {
    const headers = new Headers(c.req.raw.headers);
    headers.delete("Content-Type");
    c.req.raw = new Request(c.req.raw.url, { method: c.req.method, headers });
  }
  await next();
});

export const listOrders = createAuthenticatedRoute({
  operationId: "listOrders",
  method: "get",
  path: "/v1/orders",
  tags,
  summary: "List purchase orders",
  description: "Your company's orders, newest first, each with its line items.",
  request: { query: ListOrdersQuerySchema },
  responses: { 200: json(paginated(OrderSchema), "A page of orders.") },
});

export const createOrder = createAuthenticatedRoute({
  operationId: "createOrder",
  method: "post",
  path: "/v1/orders",
  tags,
  summary: "Create a purchase order",
  description:
    "1–100 line items, each a live item of your company at most once. The order gets the next number (`PO-000001`, …).",
  request: { body: { ...json(CreateOrderBodySchema, "The new order."), required: true } },
  responses: { 201: json(OrderSchema, "The created order.") },
});

export const getOrder = createAuthenticatedRoute({
  operationId: "getOrder",
  method: "get",
  path: "/v1/orders/{id}",
  tags,
  summary: "Retrieve a purchase order",
  request: { params },
  responses: { 200: json(OrderSchema, "The order.") },
});

export const updateOrder = createAuthenticatedRoute({
  operationId: "updateOrder",
  method: "patch",
  path: "/v1/orders/{id}",
  tags,
  summary: "Update a draft order",
  description: "Only drafts can be edited. Only the fields sent change; `line_items` replaces all lines.",
  request: { params, body: { ...json(UpdateOrderBodySchema, "The fields to change."), required: true } },
  responses: { 200: json(OrderSchema, "The updated order.") },
  ...change,
});

export const submitOrder = createAuthenticatedRoute({
  operationId: "submitOrder",
  method: "post",
  path: "/v1/orders/{id}/submit",
  tags,
  summary: "Submit a draft order",
  request: { params },
  responses: { 200: json(OrderSchema, "The submitted order.") },
  ...change,
});

export const cancelOrder = createAuthenticatedRoute({
  operationId: "cancelOrder",
  method: "post",
  path: "/v1/orders/{id}/cancel",
  tags,
  summary: "Cancel an order",
  description: "Only a draft or a submitted order (nothing received yet) can be cancelled.",
  request: { params },
  responses: { 200: json(OrderSchema, "The cancelled order.") },
  ...change,
});

export const receiveOrder = createAuthenticatedRoute({
  operationId: "receiveOrder",
  method: "post",
  path: "/v1/orders/{id}/receive",
  tags,
  summary: "Receive stock against an order",
  description:
    "Adds the received quantities to the items as `receive` transactions with `order_id`, and moves the order to `partially_received` or `received`, in one atomic step. Without a body (or with no `line_items`) everything outstanding is received. More than is outstanding, or an item in the trash: `409 invalid_state`, and nothing changes.",
  middleware: [emptyBodyIsNoBody] as const,
  request: { params, body: { ...json(ReceiveOrderBodySchema, "The quantities that arrived."), required: false } },
  responses: { 200: json(OrderSchema, "The order after receiving.") },
  errors: ["invalid_state"],
  errorNotes: {
    invalid_state: "the order is not receivable in its status, more than is outstanding, an item is in the trash, or stock would pass its maximum",
  },
});
