import { findEvent, listEvents as listEventRows } from "../../db/events.ts";
import { notFound } from "../../domain/errors.ts";
import { toEvent } from "../../events/to-event.ts";
import { paginate } from "../../lib/pagination.ts";
import { PLANS } from "../../plans.ts";
import type { AppRouteHandler } from "../../types.ts";
import type * as routes from "./events.routes.ts";

export const listEvents: AppRouteHandler<typeof routes.listEvents> = async (c) => {
  const { type, since, ...page } = c.req.valid("query");
  const auth = c.get("auth");
  const { rows, ...list } = await listEventRows(c.get("db"), auth.companyId, PLANS[auth.plan].eventRetentionDays, { type, since }, page);
  return c.json(paginate(rows.map(toEvent), list, page), 200);
};

export const getEvent: AppRouteHandler<typeof routes.getEvent> = async (c) => {
  const { id } = c.req.valid("param");
  const auth = c.get("auth");
  const row = await findEvent(c.get("db"), auth.companyId, id, PLANS[auth.plan].eventRetentionDays);
  if (!row) throw notFound("event", id);
  return c.json(toEvent(row), 200);
};
