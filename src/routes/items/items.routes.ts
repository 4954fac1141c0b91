import { createAuthenticatedRoute, jsonContent as json } from "../../lib/openapi.ts";
import { paginated } from "../../lib/pagination.ts";
import { CreateItemBodySchema, ItemSchema, TrashedItemSchema, UpdateItemBodySchema } from "../../domain/items.ts";
import { ItemIdParamsSchema, ListItemsQuerySchema, ListTrashQuerySchema } from "./items.schemas.ts";

const tags = ["Items"];
const uniqueConflicts = ["sku_taken", "barcode_taken"] as const;
/** A change to an item that was read first gives up, safe to retry, if many requests change it at once. */
const busy = "service_unavailable";

export const listItems = createAuthenticatedRoute({
  operationId: "listItems",
  method: "get",
  path: "/v1/items",
  tags,
  summary: "List items",
  description: "Live items of your company, newest first, with optional search and filters.",
  request: { query: ListItemsQuerySchema },
  responses: { 200: json(paginated(ItemSchema), "A page of items.") },
});

export const createItem = createAuthenticatedRoute({
  operationId: "createItem",
  method: "post",
  path: "/v1/items",
  tags,
  summary: "Create an item",
  request: { body: { ...json(CreateItemBodySchema, "The new item."), required: true } },
  responses: {
    201: json(ItemSchema, "The created item."),
  },
  errors: uniqueConflicts,
});

export const getItem = createAuthenticatedRoute({
  operationId: "getItem",
  method: "get",
  path: "/v1/items/{id}",
  tags,
  summary: "Retrieve an item",
  request: { params: ItemIdParamsSchema },
  responses: { 200: json(ItemSchema, "The item.") },
});

export const updateItem = createAuthenticatedRoute({
  operationId: "updateItem",
  method: "patch",
  path: "/v1/items/{id}",
  tags,
  summary: "Update an item",
  description:
    "Only the fields sent change; `null` clears `location`, `barcode` or `reorder_point`.",
  request: {
    params: ItemIdParamsSchema,
    body: { ...json(UpdateItemBodySchema, "The fields to change."), required: true },
  },
  responses: {
    200: json(ItemSchema, "The updated item."),
  },
  errors: [...uniqueConflicts, busy],
});

export const deleteItem = createAuthenticatedRoute({
  operationId: "deleteItem",
  method: "delete",
  path: "/v1/items/{id}",
  tags,
  summary: "Delete an item",
  description: "Moves the item to the trash, from where it can be restored for 30 days.",
  request: { params: ItemIdParamsSchema },
  responses: { 204: { description: "Moved to the trash; empty body." } },
  errors: [busy],
});

export const restoreItem = createAuthenticatedRoute({
  operationId: "restoreItem",
  method: "post",
  path: "/v1/items/{id}/restore",
  tags,
  summary: "Restore a trashed item",
  request: { params: ItemIdParamsSchema },
  responses: {
    200: json(ItemSchema, "The restored item."),
  },
  errors: [...uniqueConflicts, busy],
});

export const listTrash = createAuthenticatedRoute({
  operationId: "listTrash",
  method: "get",
  path: "/v1/trash",
  tags,
  summary: "List trashed items",
  description: "Deleted items that can still be restored, most recently deleted first.",
  request: { query: ListTrashQuerySchema },
  responses: {
    200: json(paginated(TrashedItemSchema), "A page of trashed items."),
  },
});
