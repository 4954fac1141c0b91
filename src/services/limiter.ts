// The rate limiter behind an interface: the middleware asks "may this request go ahead?" and does
// not know that the answer comes from a Durable Object per key.
import type { LimitDecision, Limits, RateLimiter } from "../rate-limiter.ts";

export interface Limiter {
  /**
   * Counts one request in the named counter, answering the decision and the bookmark kept by
   * `recordBookmark`, or `readFromPrimary` when the counter does not know it (it has just started).
   * Answers null when the counter cannot be reached: the request is then served (fail open) and
   * the failure logged.
   */
  hit(name: string, now: number, limits: Limits): Promise<(LimitDecision & { bookmark: string | null; readFromPrimary: boolean }) | null>;
  /**
   * Keeps the D1 bookmark of a write made under the named counter (a key), which later `hit`s of
   * it answer, so that the key's later requests read at least that new. Failures are logged.
   */
  recordBookmark(name: string, bookmark: string): Promise<void>;
}

/**
 * One `RateLimiter` Durable Object per name, called by RPC: the request's one DO call (two for a
 * change, which hands over its bookmark). Made per request, so each name's stub is made once.
 */
export function durableObjectLimiter(namespace: DurableObjectNamespace<RateLimiter>): Limiter {
  const stubs = new Map<string, DurableObjectStub<RateLimiter>>();
  const stub = (name: string) => {
    let found = stubs.get(name);
    if (!found) stubs.set(name, (found = namespace.getByName(name)));
    return found;
  };
  return {
    async hit(name, now, limits) {
      try {
        return await stub(name).hitWithBookmark(now, limits);
      } catch (error) {
        console.error(JSON.stringify({ event: "rate_limiter_unavailable", limiter: name, error: String(error) }));
        return null;
      }
    },
    async recordBookmark(name, bookmark) {
      try {
        await stub(name).recordBookmark(bookmark);
      } catch (error) {
        console.error(JSON.stringify({ event: "bookmark_not_recorded", limiter: name, error: String(error) }));
      }
    },
  };
}
