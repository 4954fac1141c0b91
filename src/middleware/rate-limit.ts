import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { nowMs } from "../lib/clock.ts";
import { ApiError } from "../lib/errors.ts";
import { setResponseHeaders } from "../lib/response-headers.ts";
import { PLANS } from "../plans.ts";
import type { LimitDecision } from "../rate-limiter.ts";
import type { AppEnv } from "../types.ts";

/** Failed authentications allowed per client address and minute. */
export const FAILED_AUTH_PER_MINUTE = 30;

const seconds = (ms: number) => Math.max(0, Math.ceil(ms / 1000));

/** The seed's X-RateLimit-* headers and the IETF RateLimit-Policy / RateLimit fields. */
export function rateLimitHeaders(decision: LimitDecision, now: number): Record<string, string> {
  const { minute, day } = decision;
  const policies = [`"minute";q=${minute.limit};w=60`];
  if (day.limit !== null) policies.push(`"day";q=${day.limit};w=86400`);
  return {
    "X-RateLimit-Limit": String(minute.limit),
    "X-RateLimit-Remaining": String(minute.remaining),
    "X-RateLimit-Reset": String(minute.resetAt / 1000),
    "RateLimit-Policy": policies.join(", "),
    RateLimit: `"minute";r=${minute.remaining};t=${seconds(minute.resetAt - now)}`,
  };
}

function rejection(decision: LimitDecision, now: number, headers: Record<string, string>): ApiError {
  if (decision.exceeded === "day") {
    return new ApiError(
      "daily_quota_exceeded",
      `This API key has used its ${decision.day.limit} requests for today (UTC). The quota resets at 00:00 UTC.`,
      null,
      { ...headers, "Retry-After": String(seconds(decision.day.resetAt - now)) },
    );
  }
  return new ApiError(
    "rate_limit_exceeded",
    `Too many requests: this API key may make ${decision.minute.limit} requests a minute. Retry after the time in Retry-After.`,
    null,
    { ...headers, "Retry-After": String(seconds(decision.minute.resetAt - now)) },
  );
}

/** Methods that write nothing, so leave the key's bookmark as it is. */
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * The company's plan limits each key to so many requests a clock minute and a UTC day (one
 * limiter object per key, shared with the keys it was rolled from). Runs right after
 * authentication; a refused request goes no further, so it does no D1 work.
 *
 * The key's object also keeps the D1 bookmark of the key's latest write: the request's session
 * catches up to it before anything is read, and a request that may have written sends its
 * session's bookmark back before its response leaves, so the key's next request, wherever it
 * lands, reads data at least that new (read-your-writes without the client doing anything). An
 * object that has just started knows no bookmark: its requests read from the primary until one
 * of them has told it the primary's.
 */
export const rateLimit = createMiddleware<AppEnv>(async (c, next) => {
  const auth = c.get("auth");
  const plan = PLANS[auth.plan];
  const now = nowMs();
  const decision = await c.get("limiter").hit(auth.rateLimitId, now, {
    perMinute: plan.requestsPerMinute,
    perDay: plan.requestsPerDay,
  });
  if (!decision) return next();
  if (decision.readFromPrimary) c.get("session").readFromPrimary();
  else if (decision.bookmark !== null) c.get("session").catchUp(decision.bookmark);
  const headers = rateLimitHeaders(decision, now);
  if (!decision.allowed) throw rejection(decision, now, headers);
  await next();
  // A request sent to the primary tells an object without a bookmark where the primary stood
  // (once it has read there). Otherwise only a successful non-safe request moves the key's
  // bookmark on: a refused one (4xx) changed nothing, since changes are all-or-nothing batches run
  // after every check.
  const bookmark = decision.readFromPrimary
    ? c.get("session").primaryBookmark()
    : !SAFE_METHODS.has(c.req.method) && c.res.status < 400
      ? c.get("session").bookmark()
      : null;
  if (bookmark !== null) await c.get("limiter").recordBookmark(auth.rateLimitId, bookmark);
  setResponseHeaders(c, headers);
});

// Addresses known (in this isolate) to be over the limit, and until when: their further failures
// are refused without another Durable Object call.
const blockedAddresses = new Map<string, number>();

/**
 * Counts a failed authentication against the client address (`CF-Connecting-IP`). Answers the
 * error to send: the authentication error itself, or 429 once the address is over the limit.
 */
export async function limitFailedAuthentication(c: Context<AppEnv>, failure: ApiError): Promise<ApiError> {
  const address = c.req.header("CF-Connecting-IP") ?? "unknown";
  const now = nowMs();
  const blockedUntil = blockedAddresses.get(address);
  if (blockedUntil !== undefined && blockedUntil > now) {
    return tooManyFailures(blockedUntil, now);
  }
  blockedAddresses.delete(address);
  const decision = await c.get("limiter").hit(`ip:${address}`, now, { perMinute: FAILED_AUTH_PER_MINUTE, perDay: null });
  if (!decision || decision.allowed) return failure;
  blockedAddresses.set(address, decision.minute.resetAt);
  return tooManyFailures(decision.minute.resetAt, now);
}

function tooManyFailures(resetAt: number, now: number): ApiError {
  return new ApiError(
    "rate_limit_exceeded",
    `Too many failed authentication attempts from this address; retry after ${seconds(resetAt - now)} seconds.`,
    null,
    { "Retry-After": String(seconds(resetAt - now)) },
  );
}
