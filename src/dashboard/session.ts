// Signing in and out, and the session every signed-in page runs in. The browser holds a random
// token in an HttpOnly, Secure, SameSite=Lax cookie; D1 holds only its SHA-256.
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import { deleteSession, findSession, signInCandidates, touchSession, createSession } from "../db/dashboard-auth.ts";
import {
  SESSION_MAX_MS,
  SESSION_TOUCH_INTERVAL_MS,
  SIGN_IN_LIMITS,
  isSessionTouchDue,
  sessionState,
} from "../domain/dashboard-auth.ts";
import { foldCase } from "../lib/case-fold.ts";
import { nowMs } from "../lib/clock.ts";
import { UNMATCHABLE_PASSWORD_HASH, verifyPassword } from "../lib/passwords.ts";
import { hashSecretToken, isWellFormedToken, newSecretToken } from "../lib/secret-token.ts";
import { sha256Hex } from "../lib/sha256.ts";
import { DASHBOARD_PATH } from "./paths.ts";
import type { DashboardEnv } from "./types.ts";

/**
 * `__Host-`: the browser only accepts it Secure, from this host, for the whole site, so no other
 * subdomain can plant or widen it. Chromium and Firefox treat http://127.0.0.1 and localhost as
 * secure, so the same cookie works under `npm run dev`.
 */
export const SESSION_COOKIE = "__Host-dashboard_session";

export function setSessionCookie(c: Context, token: string): void {
  setCookie(c, SESSION_COOKIE, token, {
    path: "/",
    httpOnly: true,
    secure: true,
    sameSite: "Lax",
    maxAge: SESSION_MAX_MS / 1000,
  });
}

export function clearSessionCookie(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { path: "/", secure: true, httpOnly: true, sameSite: "Lax" });
}

/** The hash of the session token the browser sent, if it sent one that is well formed. */
export async function presentedSessionHash(c: Context): Promise<string | undefined> {
  const token = getCookie(c, SESSION_COOKIE);
  return token && isWellFormedToken(token) ? hashSecretToken(token) : undefined;
}

/** Starts a session for the users whose password matched; answers the token for the cookie. */
export async function startSession(c: Context<DashboardEnv>, userIds: string[]): Promise<void> {
  const { token, hash } = await newSecretToken();
  await createSession(c.get("db"), { tokenHash: hash, userIds, userId: userIds.length === 1 ? userIds[0]! : null }, nowMs());
  setSessionCookie(c, token);
}

export type SignInResult =
  | { outcome: "signed_in"; userIds: string[] }
  | { outcome: "wrong" }
  | { outcome: "limited"; retryAfterSeconds: number; scope: "account" | "address" };

/**
 * Checks an email and password. Every attempt counts, before the password is checked (so a
 * limited attempt learns nothing), against the account (the case-folded email, hashed) and the
 * client address. The password is tried against every user with that email that has one: the
 * person is signed in as each whose password matches. An email with no such user costs one
 * PBKDF2 all the same, so that the time does not tell which emails exist.
 */
export async function checkSignIn(c: Context<DashboardEnv>, email: string, password: string): Promise<SignInResult> {
  const now = nowMs();
  const emailKey = foldCase(email);
  const address = c.req.header("CF-Connecting-IP") ?? "unknown";
  const checks = [
    ["account", `dashboard-sign-in:account:${await sha256Hex(emailKey)}`, SIGN_IN_LIMITS.account],
    ["address", `dashboard-sign-in:address:${address}`, SIGN_IN_LIMITS.address],
  ] as const;
  for (const [scope, name, limits] of checks) {
    const decision = await c.get("limiter").hit(name, now, limits);
    if (decision && !decision.allowed) {
      const window = decision.exceeded === "day" ? decision.day : decision.minute;
      return { outcome: "limited", scope, retryAfterSeconds: Math.max(1, Math.ceil((window.resetAt - now) / 1000)) };
    }
  }
  const candidates = await signInCandidates(c.get("db"), emailKey);
  if (candidates.length === 0) {
    await verifyPassword(password, UNMATCHABLE_PASSWORD_HASH);
    return { outcome: "wrong" };
  }
  const matched: string[] = [];
  for (const candidate of candidates) {
    if (await verifyPassword(password, candidate.passwordHash)) matched.push(candidate.userId);
  }
  return matched.length > 0 ? { outcome: "signed_in", userIds: matched } : { outcome: "wrong" };
}

export async function signOut(c: Context<DashboardEnv>): Promise<void> {
  const hash = await presentedSessionHash(c);
  if (hash) await deleteSession(c.get("db"), hash);
  clearSessionCookie(c);
}

const signInPage = (reason?: string) => `${DASHBOARD_PATH}/sign-in${reason ? `?reason=${reason}` : ""}`;

/**
 * Loads the session of a signed-in page: no valid session → the sign-in page (the cookie
 * cleared, with why when it ended); a session without a chosen company → choosing one. Sets
 * `sessionHash`, and `viewer` once a company is chosen. `needsCompany: false` for the page that
 * chooses it.
 */
export function requireSession(options: { needsCompany: boolean }) {
  return createMiddleware<DashboardEnv>(async (c, next) => {
    const hash = await presentedSessionHash(c);
    const found = hash ? await findSession(c.get("db"), hash) : undefined;
    if (!hash || !found) {
      if (getCookie(c, SESSION_COOKIE) !== undefined) clearSessionCookie(c);
      return c.redirect(signInPage(), 303);
    }
    const now = nowMs();
    const state = sessionState(found.session, now);
    if (state !== "active") {
      await deleteSession(c.get("db"), hash);
      clearSessionCookie(c);
      return c.redirect(signInPage("session-ended"), 303);
    }
    if (isSessionTouchDue(found.session.lastSeenAt, now)) {
      await touchSession(c.get("db"), hash, now, SESSION_TOUCH_INTERVAL_MS);
    }
    c.set("sessionHash", hash);
    c.set("sessionUserIds", found.session.userIds);
    if (found.user && found.company) {
      c.set("viewer", {
        sessionHash: hash,
        sessionUserIds: found.session.userIds,
        user: found.user,
        company: found.company,
      });
    } else if (options.needsCompany) {
      return c.redirect(`${DASHBOARD_PATH}/choose-company`, 303);
    }
    await next();
  });
}
