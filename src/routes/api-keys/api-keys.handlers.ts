import { findApiKey, insertApiKey, listApiKeys as listCompanyKeys, revokeApiKey as revoke, rollApiKey as roll } from "../../db/api-keys.ts";
import { database } from "../../db/client.ts";
import { actorOf } from "../../lib/actor.ts";
import type { ApiKeyMode } from "../../lib/api-key-format.ts";
import { notFound } from "../../lib/errors.ts";
import { paginate } from "../../lib/pagination.ts";
import { forgetApiKey } from "../../middleware/authenticate.ts";
import type { AppRouteHandler } from "../../types.ts";
import type * as routes from "./api-keys.routes.ts";

/** `sk_live_` keys from the deployed Worker, `sk_test_` in local development and tests. */
function keyMode(env: Env): ApiKeyMode {
  const mode: string = env.API_KEY_MODE;
  return mode === "test" ? "test" : "live";
}

export const listApiKeys: AppRouteHandler<typeof routes.listApiKeys> = async (c) => {
  const page = c.req.valid("query");
  const { rows, total } = await listCompanyKeys(database(c.env.DB), c.get("auth").companyId, page);
  return c.json(paginate(rows, total, page), 200);
};

export const createApiKey: AppRouteHandler<typeof routes.createApiKey> = async (c) => {
  const body = c.req.valid("json");
  const key = await insertApiKey(database(c.env.DB), actorOf(c), {
    name: body.name,
    userId: body.user_id ?? c.get("auth").userId,
    role: body.role,
    expiresAt: body.expires_at,
    mode: keyMode(c.env),
  });
  return c.json(key, 201);
};

export const getApiKey: AppRouteHandler<typeof routes.getApiKey> = async (c) => {
  const { id } = c.req.valid("param");
  const key = await findApiKey(database(c.env.DB), c.get("auth").companyId, id);
  if (!key) throw notFound("API key", id);
  return c.json(key, 200);
};

export const revokeApiKey: AppRouteHandler<typeof routes.revokeApiKey> = async (c) => {
  const { id } = c.req.valid("param");
  if (!(await revoke(database(c.env.DB), actorOf(c), id))) throw notFound("API key", id);
  forgetApiKey(id);
  return c.body(null, 204);
};

export const rollApiKey: AppRouteHandler<typeof routes.rollApiKey> = async (c) => {
  const { id } = c.req.valid("param");
  const { expires_in_hours: graceHours = 0 } = c.req.valid("json");
  const key = await roll(database(c.env.DB), actorOf(c), id, graceHours, keyMode(c.env));
  if (!key) throw notFound("API key", id);
  forgetApiKey(id);
  return c.json(key, 201);
};
