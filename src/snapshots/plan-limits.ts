import { DAY_MS, nowMs } from "../lib/clock.ts";
import { ApiError } from "../lib/errors.ts";

/** `429 plan_limit_exceeded`, retryable at the next 00:00 UTC when the daily counts start over. */
export function planLimitExceeded(message: string): ApiError {
  const now = nowMs();
  const retryAfter = Math.ceil((DAY_MS - (now % DAY_MS)) / 1000);
  return new ApiError("plan_limit_exceeded", `${message} Retry after 00:00 UTC.`, null, {
    "Retry-After": String(retryAfter),
  });
}
