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
/** How long counts may stay unwritten: at most this much is lost if the object is evicted. */
export const FLUSH_MS = 1_000;
const BOOKMARK_KEY = "bookmark";

/**
 * Fixed-window counters for one API key (or one client address): a minute aligned to the clock
 * minute and a day aligned to 00:00 UTC. A Durable Object handles one call at a time and `hit`
 * never awaits, so counting in memory is exact under concurrency. No answer waits on a storage
 * write: the first request let through after a write sets an alarm `FLUSH_MS` ahead, and the alarm
 * writes the latest counts (unconfirmed, so it holds up no answer either). An eviction loses at
 * most the counts of that last second; refused requests write nothing.
 */
export class RateLimiter extends DurableObject<Env> {
  #counts: Counts | undefined;
  /** Requests were let through since the last write, and an alarm is set to write them. */
  #unwritten = false;

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
      if (!this.#unwritten) {
        this.#unwritten = true;
        void this.ctx.storage.setAlarm(Date.now() + FLUSH_MS, { allowUnconfirmed: true });
      }
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

  /** Writes the counts let through since the last write (after an eviction there are none). */
  override alarm(): void {
    if (!this.#unwritten || this.#counts === undefined) return;
    this.#unwritten = false;
    void this.ctx.storage.put(COUNTS_KEY, this.#counts, { allowUnconfirmed: true });
  }

  // Read-your-writes: the D1 bookmark of the key's latest write, handed to each of the key's
  // requests with its count, so that a request reads data at least as new as that write.
  #bookmark: string | null | undefined;

  /** `hit`, and the key's latest write's D1 bookmark (null before any): still one call a request. */
  hitWithBookmark(now: number, limits: Limits): LimitDecision & { bookmark: string | null } {
    const decision = this.hit(now, limits);
    return { ...decision, bookmark: this.#keptBookmark() };
  }

  /**
   * Keeps `bookmark` (the D1 bookmark after a write) unless the kept one is newer; they sort by
   * age. The key's next `hit` sees it at once (in memory); the stored copy, for after an eviction,
   * is written unconfirmed so that the write's answer does not wait on it.
   */
  recordBookmark(bookmark: string): void {
    const kept = this.#keptBookmark();
    if (kept !== null && bookmark <= kept) return;
    this.#bookmark = bookmark;
    void this.ctx.storage.put(BOOKMARK_KEY, bookmark, { allowUnconfirmed: true });
  }

  /** Read from storage once per object life (null, none yet, is remembered too). */
  #keptBookmark(): string | null {
    if (this.#bookmark === undefined) this.#bookmark = this.ctx.storage.kv.get<string>(BOOKMARK_KEY) ?? null;
    return this.#bookmark;
  }
}
