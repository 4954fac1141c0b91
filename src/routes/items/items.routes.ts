import { createRoute } from "@hono/zod-openapi";
import { conflictResponse, openApiErrorResponses } from "../../lib/errors.ts";
import { bearerSecurity, jsonContent } from "../../lib/openapi.ts";
import { paginated } from "../../lib/pagination.ts";
import {
  CreateItemBodySchema,
  ItemIdParamsSchema,
  ItemSchema,
  ListItemsQuerySchema,
  ListTrashQuerySchema,
  TrashedItemSchema,
  UpdateItemBodySchema,
} from "./items.schemas.ts";

const tags = ["Items"];
const security = bearerSecurity;
const json = jsonContent;
const uniqueConflicts = conflictResponse("`sku_taken` or `barcode_taken`.");

export const listItems = createRoute({
  operationId: "listItems",
  method: "get",
  path: "/v1/items",
  tags,
  security,
  summary: "List items",
  description: "Live items of your company, newest first, with optional search and filters.",
  request: { query: ListItemsQuerySchema },
  responses: { 200: json(paginated(ItemSchema), "A page of items."), ...openApiErrorResponses },
});

export const createItem = createRoute({
  operationId: "createItem",
  method: "post",
  path: "/v1/items",
  tags,
  security,
  summary: "Create an item",
  request: { body: { ...json(CreateItemBodySchema, "The new item."), required: true } },
  responses: {
    201: json(ItemSchema, "The created item."),
    ...openApiErrorResponses,
    ...uniqueConflicts,
  },
});

export const getItem = createRoute({
  operationId: "getItem",
  method: "get",
  path: "/v1/items/{id}",
  tags,
  security,
  summary: "Retrieve an item",
  request: { params: ItemIdParamsSchema },
  responses: { 200: json(ItemSchema, "The item."), ...openApiErrorResponses },
});

export const updateItem = createRoute({
  operationId: "updateItem",
  method: "patch",
  path: "/v1/items/{id}",
  tags,
  security,
  summary: "Update an item",
  description:
    "Only the fields sent change; `null` clears `location`, `barcode` or `reorder_point`.",
  request: {
    params: ItemIdParamsSchema,
    body: { ...json(UpdateItemBodySchema, "The fields to change."), required: true },
  },
  responses: {
    200: json(ItemSchema, "The updated item."),
    ...openApiErrorResponses,
    ...uniqueConflicts,
  },
});

export const deleteItem = createRoute({
  operationId: "deleteItem",
  method: "delete",
  path: "/v1/items/{id}",
  tags,
  security,
  summary: "Delete an item",
  description: "Moves the item to the trash, from where it can be restored for 30 days.",
  request: { params: ItemIdParamsSchema },
  responses: { 204: { description: "Moved to the trash; empty body." }, ...openApiErrorResponses },
});

export const restoreItem = createRoute({
  operationId: "restoreItem",
  method: "post",
  path: "/v1/items/{id}/restore",
  tags,
  security,
  summary: "Restore a trashed item",
  request: { params: ItemIdParamsSchema },
  responses: {
    200: json(ItemSchema, "The restored item."),
    ...openApiErrorResponses,
    ...uniqueConflicts,
  },
});

export const listTrash = createRoute({
  operationId: "listTrash",
  method: "get",
  path: "/v1/trash",
  tags,
  security,
  summary: "List trashed items",
  description: "Deleted items that can still be restored, most recently deleted first.",
  request: { query: ListTrashQuerySchema },
  responses: {
    200: json(paginated(TrashedItemSchema), "A page of trashed items."),
    ...openApiErrorResponses,
  },
});
