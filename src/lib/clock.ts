// The one source of "now". Tests move time with `setClock` instead of sleeping.
let current: () => number = () => Date.now();

export function nowMs(): number {
  return current();
}

export function nowIso(): string {
  return new Date(current()).toISOString();
}

/** Replaces the clock (tests only); `setClock(null)` restores the real one. */
export function setClock(clock: (() => number) | null): void {
  current = clock ?? (() => Date.now());
}

export const MINUTE_MS = 60 * 1000;
export const DAY_MS = 24 * 60 * MINUTE_MS;
