import { findApiKey, insertApiKey, listApiKeys as listCompanyKeys, revokeApiKey as revoke, rollApiKey as roll } from "../../db/api-keys.ts";
import { notFound } from "../../domain/errors.ts";
import { paginate } from "../../lib/pagination.ts";
import { forgetApiKey } from "../../middleware/authenticate.ts";
import type { AppRouteHandler } from "../../types.ts";
import type * as routes from "./api-keys.routes.ts";

export const listApiKeys: AppRouteHandler<typeof routes.listApiKeys> = async (c) => {
  const page = c.req.valid("query");
  const { rows, ...list } = await listCompanyKeys(c.get("db"), c.get("auth").companyId, page);
  return c.json(paginate(rows, list, page), 200);
};

export const createApiKey: AppRouteHandler<typeof routes.createApiKey> = async (c) => {
  const body = c.req.valid("json");
  const key = await insertApiKey(c.get("db"), c.get("actor"), {
    name: body.name,
    userId: body.user_id ?? c.get("auth").userId,
    role: body.role,
    expiresAt: body.expires_at,
    mode: c.get("keyMode"),
  });
  return c.json(key, 201);
};

export const getApiKey: AppRouteHandler<typeof routes.getApiKey> = async (c) => {
  const { id } = c.req.valid("param");
  const key = await findApiKey(c.get("db"), c.get("auth").companyId, id);
  if (!key) throw notFound("API key", id);
  return c.json(key, 200);
};

// Revoking and rolling drop the key from this isolate's authentication cache, so that it stops
// working here at once.

export const revokeApiKey: AppRouteHandler<typeof routes.revokeApiKey> = async (c) => {
  const { id } = c.req.valid("param");
  if (!(await revoke(c.get("db"), c.get("actor"), id))) throw notFound("API key", id);
  forgetApiKey(id);
  return c.body(null, 204);
};

export const rollApiKey: AppRouteHandler<typeof routes.rollApiKey> = async (c) => {
  const { id } = c.req.valid("param");
  const { expires_in_hours: graceHours = 0 } = c.req.valid("json");
  const key = await roll(c.get("db"), c.get("actor"), id, graceHours, c.get("keyMode"));
  if (!key) throw notFound("API key", id);
  forgetApiKey(id);
  return c.json(key, 201);
};
