import {
  deleteWebhookEndpoint as deleteEndpoint,
  findWebhookEndpoint,
  insertWebhookEndpoint,
  listWebhookEndpoints as listCompanyEndpoints,
  rollWebhookSecret as roll,
  updateWebhookEndpoint as updateEndpoint,
} from "../../db/webhook-endpoints.ts";
import { notFound } from "../../domain/errors.ts";
import { assertWebhookUrl } from "../../domain/webhook-endpoints.ts";
import { paginate } from "../../lib/pagination.ts";
import { forgetWebhookEndpoints } from "../../middleware/dispatch-events.ts";
import type { AppRouteHandler } from "../../types.ts";
import type * as routes from "./webhook-endpoints.routes.ts";

const RESOURCE = "webhook endpoint";

export const listWebhookEndpoints: AppRouteHandler<typeof routes.listWebhookEndpoints> = async (c) => {
  const page = c.req.valid("query");
  const { rows, ...list } = await listCompanyEndpoints(c.get("db"), c.get("auth").companyId, page);
  return c.json(paginate(rows, list, page), 200);
};

// Which URLs are allowed depends on the key mode (test keys may reach a local receiver).

export const createWebhookEndpoint: AppRouteHandler<typeof routes.createWebhookEndpoint> = async (c) => {
  const body = c.req.valid("json");
  assertWebhookUrl(body.url, c.get("keyMode"));
  const endpoint = await insertWebhookEndpoint(c.get("db"), c.get("actor"), c.get("auth").plan, body);
  // This instance's next change dispatches at once (others see the endpoint within a second).
  forgetWebhookEndpoints(c.get("auth").companyId);
  return c.json(endpoint, 201);
};

export const getWebhookEndpoint: AppRouteHandler<typeof routes.getWebhookEndpoint> = async (c) => {
  const { id } = c.req.valid("param");
  const endpoint = await findWebhookEndpoint(c.get("db"), c.get("auth").companyId, id);
  if (!endpoint) throw notFound(RESOURCE, id);
  return c.json(endpoint, 200);
};

export const updateWebhookEndpoint: AppRouteHandler<typeof routes.updateWebhookEndpoint> = async (c) => {
  const { id } = c.req.valid("param");
  const body = c.req.valid("json");
  if (body.url !== undefined) assertWebhookUrl(body.url, c.get("keyMode"));
  const endpoint = await updateEndpoint(c.get("db"), c.get("actor"), id, body);
  if (!endpoint) throw notFound(RESOURCE, id);
  forgetWebhookEndpoints(c.get("auth").companyId);
  return c.json(endpoint, 200);
};

export const deleteWebhookEndpoint: AppRouteHandler<typeof routes.deleteWebhookEndpoint> = async (c) => {
  const { id } = c.req.valid("param");
  if (!(await deleteEndpoint(c.get("db"), c.get("actor"), id))) throw notFound(RESOURCE, id);
  forgetWebhookEndpoints(c.get("auth").companyId);
  return c.body(null, 204);
};

export const rollWebhookSecret: AppRouteHandler<typeof routes.rollWebhookSecret> = async (c) => {
  const { id } = c.req.valid("param");
  const { expires_in_hours: graceHours = 0 } = c.req.valid("json");
  const endpoint = await roll(c.get("db"), c.get("actor"), id, graceHours);
  if (!endpoint) throw notFound(RESOURCE, id);
  return c.json(endpoint, 200);
};
