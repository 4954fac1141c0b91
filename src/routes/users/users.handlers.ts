import { createInvitation as newInvitation } from "../../db/dashboard-auth.ts";
import { findUser, insertUser, listUsers as listCompanyUsers } from "../../db/users.ts";
import { setPasswordUrl } from "../../dashboard/paths.ts";
import { notFound } from "../../domain/errors.ts";
import { paginate } from "../../lib/pagination.ts";
import type { AppRouteHandler } from "../../types.ts";
import type * as routes from "./users.routes.ts";

export const listUsers: AppRouteHandler<typeof routes.listUsers> = async (c) => {
  const page = c.req.valid("query");
  const { rows, ...list } = await listCompanyUsers(c.get("db"), c.get("auth").companyId, page);
  return c.json(paginate(rows, list, page), 200);
};

export const createUser: AppRouteHandler<typeof routes.createUser> = async (c) => {
  const { user, invitation } = await insertUser(c.get("db"), c.get("actor"), c.req.valid("json"));
  const url = setPasswordUrl(new URL(c.req.url).origin, invitation.token);
  return c.json({ ...user, invitation_url: url, invitation_expires_at: invitation.expiresAt }, 201);
};

export const getUser: AppRouteHandler<typeof routes.getUser> = async (c) => {
  const { id } = c.req.valid("param");
  const user = await findUser(c.get("db"), c.get("auth").companyId, id);
  if (!user) throw notFound("user", id);
  return c.json(user, 200);
};

// The links point at this request's origin: the dashboard is served by the same Worker.
export const createInvitation: AppRouteHandler<typeof routes.createInvitation> = async (c) => {
  const { id } = c.req.valid("param");
  const invitation = await newInvitation(c.get("db"), c.get("auth").companyId, id);
  if (!invitation) throw notFound("user", id);
  const url = setPasswordUrl(new URL(c.req.url).origin, invitation.token);
  return c.json({ user_id: id, invitation_url: url, expires_at: invitation.expiresAt }, 201);
};
