import { DAY_MS, nowMs } from "../lib/clock.ts";
import { DomainError } from "./errors.ts";

/** A per-plan daily limit used up: retryable at the next 00:00 UTC, when the daily counts start over. */
export function planLimitExceeded(message: string): DomainError {
  const now = nowMs();
  return new DomainError("plan_limit_exceeded", `${message} Retry after 00:00 UTC.`, {
    retryAt: now - (now % DAY_MS) + DAY_MS,
  });
}
