// Sessions: the cookie, idle and absolute expiry (injected clock), sign-out, and a new password
// ending the user's other sessions.
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { SESSION_IDLE_MS, SESSION_MAX_MS } from "../../src/domain/dashboard-auth.ts";
import { MINUTE_MS, setClock } from "../../src/lib/clock.ts";
import { sha256Hex } from "../../src/lib/sha256.ts";
import { Browser, dashboardCompany, passwordLink, signedIn, SESSION_COOKIE, TEST_PASSWORD } from "../helpers/dashboard.ts";

afterEach(() => setClock(null));

let now = Date.parse("2031-03-01T08:00:00.000Z");
function at(ms: number) {
  setClock(() => ms);
}

async function storedSessions(userId: string) {
  const { results } = await env.DB.prepare(
    "SELECT token_hash, user_id, created_at, last_seen_at, expires_at FROM dashboard_sessions WHERE EXISTS (SELECT 1 FROM json_each(user_ids) WHERE value = ?)",
  )
    .bind(userId)
    .all<{ token_hash: string; user_id: string; created_at: string; last_seen_at: string; expires_at: string }>();
  return results;
}

describe("the session cookie", () => {
  it("is a random token, HttpOnly, Secure, SameSite=Lax, for the whole host; D1 keeps only its SHA-256", async () => {
    const co = await dashboardCompany();
    const browser = await signedIn(co);
    expect(browser.cookie).toMatch(/^[0-9A-Za-z]{43}$/);
    const again = new Browser();
    const answer = await again.signIn(co.email, TEST_PASSWORD);
    const setCookie = answer.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`))!;
    expect(setCookie).toMatch(/; HttpOnly/);
    expect(setCookie).toMatch(/; Secure/);
    expect(setCookie).toMatch(/; SameSite=Lax/);
    expect(setCookie).toMatch(/; Path=\//);
    expect(setCookie).not.toMatch(/Domain=/i);
    expect(setCookie).toMatch(/Max-Age=604800/);
    expect(answer.location).toBe("/dashboard");

    const sessions = await storedSessions(co.userId);
    expect(sessions.map((s) => s.token_hash).sort()).toEqual([await sha256Hex(browser.cookie!), await sha256Hex(again.cookie!)].sort());
    expect(JSON.stringify(sessions)).not.toContain(browser.cookie!);
  });

  it("without it, or with an unknown or malformed one, every page sends the browser to sign in", async () => {
    for (const cookie of [null, "x".repeat(43), "not a token"]) {
      const browser = new Browser();
      browser.cookie = cookie;
      for (const path of ["/dashboard", "/dashboard/settings/api-keys", "/dashboard/settings/users", "/dashboard/settings/plan", "/dashboard/choose-company"]) {
        const answer = await browser.get(path);
        expect([answer.status, answer.location], path).toEqual([303, "/dashboard/sign-in"]);
      }
    }
  });
});

describe("expiry", () => {
  it("ends a session after 12 hours without a request, and says so", async () => {
    const co = await dashboardCompany();
    at(now);
    const browser = await signedIn(co);
    at(now + SESSION_IDLE_MS - MINUTE_MS);
    expect((await browser.get("/dashboard")).status).toBe(200);
    // That request counted: 12 hours from it, minus a minute, the session still works.
    const seen = now + SESSION_IDLE_MS - MINUTE_MS;
    at(seen + SESSION_IDLE_MS - MINUTE_MS);
    expect((await browser.get("/dashboard")).status).toBe(200);
    const last = seen + SESSION_IDLE_MS - MINUTE_MS;
    at(last + SESSION_IDLE_MS);
    const ended = await browser.get("/dashboard");
    expect([ended.status, ended.location]).toEqual([303, "/dashboard/sign-in?reason=session-ended"]);
    expect(browser.cookie).toBeNull();
    expect(await storedSessions(co.userId)).toEqual([]);
    const page = await browser.get("/dashboard/sign-in?reason=session-ended");
    expect(page.html).toContain("Your session ended. Sign in again to continue.");
  });

  it("ends a session 7 days after sign-in even when it is used all the time", async () => {
    const co = await dashboardCompany();
    at(now);
    const browser = await signedIn(co);
    const [session] = await storedSessions(co.userId);
    expect(session!.expires_at).toBe(new Date(now + SESSION_MAX_MS).toISOString());
    let t = now;
    while (t + 11 * 60 * MINUTE_MS < now + SESSION_MAX_MS) {
      t += 11 * 60 * MINUTE_MS;
      at(t);
      expect((await browser.get("/dashboard")).status, new Date(t).toISOString()).toBe(200);
    }
    at(now + SESSION_MAX_MS);
    const ended = await browser.get("/dashboard");
    expect([ended.status, ended.location]).toEqual([303, "/dashboard/sign-in?reason=session-ended"]);
  });

  it("writes last_seen_at at most once a minute", async () => {
    const co = await dashboardCompany();
    at(now);
    const browser = await signedIn(co);
    at(now + 30_000);
    await browser.get("/dashboard");
    expect((await storedSessions(co.userId))[0]!.last_seen_at).toBe(new Date(now).toISOString());
    at(now + 61_000);
    await browser.get("/dashboard");
    expect((await storedSessions(co.userId))[0]!.last_seen_at).toBe(new Date(now + 61_000).toISOString());
  });
});

describe("signing out", () => {
  it("ends the session: the same cookie opens nothing afterwards", async () => {
    const co = await dashboardCompany();
    const browser = await signedIn(co);
    const token = browser.cookie;
    const out = await browser.post("/dashboard/sign-out");
    expect([out.status, out.location]).toEqual([303, "/dashboard/sign-in?reason=signed-out"]);
    expect(out.headers.getSetCookie().join()).toMatch(new RegExp(`${SESSION_COOKIE}=; Max-Age=0`));
    expect(await storedSessions(co.userId)).toEqual([]);

    const replay = new Browser();
    replay.cookie = token;
    const closed = await replay.get("/dashboard/settings/api-keys");
    expect([closed.status, closed.location]).toEqual([303, "/dashboard/sign-in"]);
  });

  it("ends only that session", async () => {
    const co = await dashboardCompany();
    const first = await signedIn(co);
    const second = new Browser();
    await second.signIn(co.email, TEST_PASSWORD);
    await first.post("/dashboard/sign-out");
    expect((await second.get("/dashboard")).status).toBe(200);
  });
});

describe("a new password", () => {
  it("ends every other session of the user and signs this browser in", async () => {
    const co = await dashboardCompany();
    const laptop = await signedIn(co);
    const phone = new Browser();
    await phone.signIn(co.email, TEST_PASSWORD);
    expect((await storedSessions(co.userId)).length).toBe(2);

    const token = await passwordLink(co, co.userId, "invitation");
    const reset = new Browser();
    const answer = await reset.post(`/dashboard/set-password/${token}`, { password: "a brand new password", confirm: "a brand new password" });
    expect([answer.status, answer.location]).toEqual([303, "/dashboard"]);
    expect((await reset.get("/dashboard")).status).toBe(200);

    for (const old of [laptop, phone]) expect((await old.get("/dashboard")).location).toBe("/dashboard/sign-in");
    expect((await storedSessions(co.userId)).map((s) => s.token_hash)).toEqual([await sha256Hex(reset.cookie!)]);
    expect((await new Browser().signIn(co.email, TEST_PASSWORD)).status).toBe(401);
    expect((await new Browser().signIn(co.email, "a brand new password")).status).toBe(303);
  });
});
