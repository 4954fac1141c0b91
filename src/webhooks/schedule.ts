// When a webhook delivery is attempted again after a failed attempt (API.md §14: exponential
// backoff, the first retry within a minute, for 3 days), in one table. The consumer enqueues each
// next attempt as a message of its own, delayed by this table (docs/webhooks.md says why, rather
// than Queues' `message.retry`).

const MINUTE_S = 60;
const HOUR_S = 60 * MINUTE_S;

/**
 * When each attempt is due, in seconds after the first: attempt 1 at once, attempt 2 30 s later,
 * …, attempt 12 three days after the first. Each step is at most 12 hours, the longest delay a
 * Queues message may have.
 */
export const ATTEMPT_OFFSETS_S = [
  0,
  30,
  5 * MINUTE_S,
  30 * MINUTE_S,
  2 * HOUR_S,
  6 * HOUR_S,
  12 * HOUR_S,
  24 * HOUR_S,
  36 * HOUR_S,
  48 * HOUR_S,
  60 * HOUR_S,
  72 * HOUR_S,
] as const;

/** The longest `delaySeconds` a Queues message may have (12 hours). */
export const MAX_QUEUE_DELAY_S = 12 * HOUR_S;

/** How long the deliveries keep being retried, and how long an endpoint may fail before it is disabled. */
export const RETRY_PERIOD_MS = ATTEMPT_OFFSETS_S.at(-1)! * 1000;

export const MAX_ATTEMPTS = ATTEMPT_OFFSETS_S.length;

/**
 * Seconds from the failed attempt number `attempt` (1 = the first) to the next one, or null when
 * that was the last: the delivery has then failed. An attempt past the table (a manual retry of a
 * failed delivery) gets no further retry either.
 */
export function delayAfterAttempt(attempt: number): number | null {
  if (attempt < 1 || attempt >= MAX_ATTEMPTS) return null;
  return ATTEMPT_OFFSETS_S[attempt]! - ATTEMPT_OFFSETS_S[attempt - 1]!;
}
