// The dashboard's sign-in rules apart from storage: how long sessions and set-password links
// last, what a password must be, how many sign-in attempts are allowed, and when a session ends.
import { DAY_MS, MINUTE_MS } from "../lib/clock.ts";

const HOUR_MS = 60 * MINUTE_MS;

/** A session ends after 12 hours without a request, and 7 days after sign-in whatever happens. */
export const SESSION_IDLE_MS = 12 * HOUR_MS;
export const SESSION_MAX_MS = 7 * DAY_MS;
/** `last_seen_at` is written at most this often per session. */
export const SESSION_TOUCH_INTERVAL_MS = MINUTE_MS;

/** A provisioned admin's set-password link lasts a day; an invitation a week. Both work once. */
export const SETUP_LINK_TTL_MS = DAY_MS;
export const INVITATION_TTL_MS = 7 * DAY_MS;
export const PASSWORD_TOKEN_TTL_MS = { setup: SETUP_LINK_TTL_MS, invitation: INVITATION_TTL_MS } as const;

/**
 * Sign-in attempts (failed or not: the count must be checked before the password is) allowed per
 * account (email) and per client address. Ten a minute lets a person mistype; an attacker gets
 * at most 200 guesses a day at one account.
 */
export const SIGN_IN_LIMITS = {
  account: { perMinute: 10, perDay: 200 },
  address: { perMinute: 30, perDay: null },
} as const;

/** At most this many users with one email are tried at sign-in (each costs a PBKDF2). */
export const MAX_SIGN_IN_CANDIDATES = 20;

export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 200;

export type SessionState = "active" | "idle" | "expired";

/** Whether a session still works at `now` (epoch ms). ISO timestamps in, as stored. */
export function sessionState(session: { lastSeenAt: string; expiresAt: string }, now: number): SessionState {
  if (Date.parse(session.expiresAt) <= now) return "expired";
  if (Date.parse(session.lastSeenAt) + SESSION_IDLE_MS <= now) return "idle";
  return "active";
}

export function isSessionTouchDue(lastSeenAt: string, now: number): boolean {
  return Date.parse(lastSeenAt) + SESSION_TOUCH_INTERVAL_MS <= now;
}
