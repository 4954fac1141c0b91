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

/**
 * Fixed-window counters for one API key (or one client address): a minute aligned to the clock
 * minute and a day aligned to 00:00 UTC. A Durable Object handles one call at a time and `hit`
 * never awaits, so counting in memory is exact under concurrency.
 *
 * No answer waits on a storage write, and a key writes at most about once a second: a request let
 * through writes the counts (unconfirmed, so that the answer does not wait for it) when they were
 * last written `FLUSH_MS` ago or longer; otherwise an alarm set for `FLUSH_MS` after that write
 * writes the latest counts. A key that makes a request a second or fewer (most of them) costs one
 * write a request and no alarm; a busy one two writes a second at most. An eviction loses at most
 * the counts of the last second; refused requests write nothing.
 */
export class RateLimiter extends DurableObject<Env> {
  #counts: Counts | undefined;
  /** Requests were let through since the last write. */
  #unwritten = false;
  /** The time of the counts last written, by the callers' clock (never, after a start). */
  #writtenAt = Number.NEGATIVE_INFINITY;
  /** The latest time a caller counted a request at. */
  #latest = Number.NEGATIVE_INFINITY;
  /** An alarm is set to write the counts. */
  #alarmSet = false;

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
    this.#counts = counts;
    if (exceeded === null) {
      counts.minuteCount += 1;
      counts.dayCount += 1;
      this.#unwritten = true;
      this.#latest = Math.max(this.#latest, now);
      this.#persist(now);
    }

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

  /**
   * Writes the counts of a request counted at `now`, or, when the last write is under FLUSH_MS
   * older, leaves them to an alarm at FLUSH_MS after that write.
   */
  #persist(now: number): void {
    const sinceWrite = now - this.#writtenAt;
    if (sinceWrite >= FLUSH_MS) {
      this.#write(now);
    } else if (!this.#alarmSet) {
      this.#alarmSet = true;
      void this.ctx.storage.setAlarm(Date.now() + FLUSH_MS - Math.max(0, sinceWrite), { allowUnconfirmed: true });
    }
  }

  #write(countedAt: number): void {
    this.#unwritten = false;
    this.#writtenAt = countedAt;
    void this.ctx.storage.put(COUNTS_KEY, this.#counts, { allowUnconfirmed: true });
  }

  /** Writes the counts let through since the last write (after an eviction there are none). */
  override alarm(): void {
    this.#alarmSet = false;
    if (this.#unwritten && this.#counts !== undefined) this.#write(this.#latest);
  }

  // Read-your-writes: the D1 bookmark of the key's latest write, handed to each of the key's
  // requests with its count, so that a request reads data at least as new as that write. It is
  // kept in memory only: an object that has just started cannot know whether the one before it
  // saw a newer write than any it could have stored, so until it is told a bookmark it sends its
  // requests to the primary (which has every write), and the first of them tells it where that is.
  #bookmark: string | null = null;

  /**
   * `hit`, with the key's latest write's D1 bookmark, or `readFromPrimary` when this object does not
   * know it (it has not been told one since it started): still one call a request.
   */
  hitWithBookmark(now: number, limits: Limits): LimitDecision & { bookmark: string | null; readFromPrimary: boolean } {
    const decision = this.hit(now, limits);
    return { ...decision, bookmark: this.#bookmark, readFromPrimary: this.#bookmark === null };
  }

  /** Keeps `bookmark` (a D1 bookmark after a write, or from the primary) unless the kept one is newer; they sort by age. */
  recordBookmark(bookmark: string): void {
    if (this.#bookmark !== null && bookmark <= this.#bookmark) return;
    this.#bookmark = bookmark;
  }
}
