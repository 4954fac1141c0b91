import { DurableObject } from "cloudflare:workers";
import { DAY_MS, MINUTE_MS } from "./lib/clock.ts";

export interface Limits {
  perMinute: number;
  /** `null` is unlimited. */
  perDay: number | null;
}

export interface Window {
  limit: number | null;
  /** Requests left in the window after this one; `null` when unlimited. */
  remaining: number | null;
  /** Epoch milliseconds when the window ends. */
  resetAt: number;
}

export interface LimitDecision {
  allowed: boolean;
  /** Which window refused the request. */
  exceeded: "minute" | "day" | null;
  minute: Window;
  day: Window;
}

interface Counts {
  minuteStart: number;
  minuteCount: number;
  dayStart: number;
  dayCount: number;
}

const COUNTS_KEY = "counts";

/**
 * Fixed-window counters for one API key (or one client address): a minute aligned to the clock
 * minute and a day aligned to 00:00 UTC. A Durable Object handles one call at a time, so counting
 * is exact under concurrency. The counts are written on every request that is let through (one
 * small write) so that they survive the object being evicted; refused requests write nothing.
 */
export class RateLimiter extends DurableObject<Env> {
  #counts: Counts | undefined;

  /** Counts one request at `now` (epoch ms, from the caller's clock) unless a window is full. */
  hit(now: number, limits: Limits): LimitDecision {
    const minuteStart = now - (now % MINUTE_MS);
    const dayStart = now - (now % DAY_MS);
    const stored = (this.#counts ??= this.ctx.storage.kv.get<Counts>(COUNTS_KEY)) ?? {
      minuteStart,
      minuteCount: 0,
      dayStart,
      dayCount: 0,
    };
    const counts: Counts = {
      minuteStart,
      minuteCount: stored.minuteStart === minuteStart ? stored.minuteCount : 0,
      dayStart,
      dayCount: stored.dayStart === dayStart ? stored.dayCount : 0,
    };

    const exceeded =
      counts.minuteCount >= limits.perMinute
        ? "minute"
        : limits.perDay !== null && counts.dayCount >= limits.perDay
          ? "day"
          : null;
    if (exceeded === null) {
      counts.minuteCount += 1;
      counts.dayCount += 1;
      this.ctx.storage.kv.put(COUNTS_KEY, counts);
    }
    this.#counts = counts;

    return {
      allowed: exceeded === null,
      exceeded,
      minute: {
        limit: limits.perMinute,
        remaining: Math.max(0, limits.perMinute - counts.minuteCount),
        resetAt: minuteStart + MINUTE_MS,
      },
      day: {
        limit: limits.perDay,
        remaining: limits.perDay === null ? null : Math.max(0, limits.perDay - counts.dayCount),
        resetAt: dayStart + DAY_MS,
      },
    };
  }
}
