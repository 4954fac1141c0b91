import { createMiddleware } from "hono/factory";
import { isBookmark, type SessionStart } from "../db/client.ts";
import { ApiError } from "../lib/errors.ts";
import { setResponseHeaders } from "../lib/response-headers.ts";
import { createServices } from "../services/index.ts";
import type { AppEnv } from "../types.ts";

export const CONSISTENCY_TOKEN = "Consistency-Token";

/**
 * The token of a response that read nothing and was given no position: the oldest position there
 * is, so that sending it back asks for nothing.
 */
export const NO_POSITION = "00000000-00000000-00000000-00000000000000000000000000000000";

/** Where the request's D1 Session starts: at the client's token, else anywhere (a nearby replica). */
function sessionStart(token: string | undefined): SessionStart {
  if (token === undefined || token === NO_POSITION) return "first-unconstrained";
  if (!isBookmark(token)) {
    throw new ApiError(
      "invalid_request",
      `The '${CONSISTENCY_TOKEN}' header must be a token from an earlier response's '${CONSISTENCY_TOKEN}' header.`,
      CONSISTENCY_TOKEN,
      { [CONSISTENCY_TOKEN]: NO_POSITION },
    );
  }
  return token;
}

/**
 * Builds the request's services once, before anything else needs them: `c.get("db")` and the rest.
 * The database client runs in one D1 Session, opened at the `Consistency-Token` the client sent
 * (data at least that new) or unconstrained; the rate limit middleware catches it up to the key's
 * last write. Every response says where the data it read or wrote stands, in `Consistency-Token`.
 */
export const services = createMiddleware<AppEnv>(async (c, next) => {
  const { db, session, blobs, limiter, restorers, importers, keyMode } = createServices(
    c.env,
    sessionStart(c.req.header(CONSISTENCY_TOKEN)),
  );
  c.set("db", db);
  c.set("session", session);
  c.set("blobs", blobs);
  c.set("limiter", limiter);
  c.set("restorers", restorers);
  c.set("importers", importers);
  c.set("keyMode", keyMode);
  await next();
  setResponseHeaders(c, { [CONSISTENCY_TOKEN]: session.bookmark() ?? NO_POSITION });
});
