import {
  findLiveItem,
  insertItem,
  listLiveItems,
  listTrashedItems,
  restoreTrashedItem,
  trashItem,
  updateLiveItem,
} from "../../db/items.ts";
import { notFound } from "../../domain/errors.ts";
import { toItem, toTrashedItem } from "../../domain/items.ts";
import { paginate } from "../../lib/pagination.ts";
import type { AppRouteHandler } from "../../types.ts";
import type * as routes from "./items.routes.ts";

export const listItems: AppRouteHandler<typeof routes.listItems> = async (c) => {
  const { search, location, low_stock: lowStock, ...page } = c.req.valid("query");
  const { rows, ...list } = await listLiveItems(
    c.get("db"),
    c.get("auth").companyId,
    { search, location, lowStock },
    page,
  );
  return c.json(paginate(rows.map(toItem), list, page), 200);
};

export const createItem: AppRouteHandler<typeof routes.createItem> = async (c) => {
  const item = await insertItem(c.get("db"), c.get("actor"), c.req.valid("json"));
  return c.json(item, 201);
};

export const getItem: AppRouteHandler<typeof routes.getItem> = async (c) => {
  const { id } = c.req.valid("param");
  const row = await findLiveItem(c.get("db"), c.get("auth").companyId, id);
  if (!row) throw notFound("item", id);
  return c.json(toItem(row), 200);
};

export const updateItem: AppRouteHandler<typeof routes.updateItem> = async (c) => {
  const { id } = c.req.valid("param");
  const item = await updateLiveItem(c.get("db"), c.get("actor"), id, c.req.valid("json"));
  if (!item) throw notFound("item", id);
  return c.json(item, 200);
};

export const deleteItem: AppRouteHandler<typeof routes.deleteItem> = async (c) => {
  const { id } = c.req.valid("param");
  if (!(await trashItem(c.get("db"), c.get("actor"), id))) throw notFound("item", id);
  return c.body(null, 204);
};

export const restoreItem: AppRouteHandler<typeof routes.restoreItem> = async (c) => {
  const { id } = c.req.valid("param");
  const item = await restoreTrashedItem(c.get("db"), c.get("actor"), id);
  if (!item) throw notFound("trashed item", id);
  return c.json(item, 200);
};

export const listTrash: AppRouteHandler<typeof routes.listTrash> = async (c) => {
  const page = c.req.valid("query");
  const { rows, ...list } = await listTrashedItems(c.get("db"), c.get("auth").companyId, page);
  return c.json(paginate(rows.map(toTrashedItem), list, page), 200);
};
