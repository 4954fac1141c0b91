// Signing in: field errors with the typed email kept, wrong passwords, one email in several
// companies, the attempt limits per account and per address, and the one-time set-password links.
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { DAY_MS, MINUTE_MS, setClock } from "../../src/lib/clock.ts";
import { PBKDF2_ITERATIONS } from "../../src/lib/passwords.ts";
import {
  Browser,
  dashboardCompany,
  fieldError,
  formError,
  givePassword,
  inputValue,
  passwordLink,
  TEST_PASSWORD,
} from "../helpers/dashboard.ts";
import { client } from "../helpers/http.ts";
import { uniqueEmail } from "../helpers/keys.ts";

afterEach(() => setClock(null));

describe("POST /dashboard/sign-in", () => {
  it("shows each field's error beside it and keeps the typed email, never the password", async () => {
    const browser = new Browser();
    const answer = await browser.signIn("not an email", "");
    expect(answer.status).toBe(400);
    expect(fieldError(answer.html, "email")).toBe("Email must be an email address such as ada@example.com.");
    expect(fieldError(answer.html, "password")).toBe("Password is required.");
    expect(inputValue(answer.html, "email")).toBe("not an email");
    expect(browser.cookie).toBeNull();

    const typed = await browser.signIn("nobody@example.com", "secret typed here");
    expect(typed.html).not.toContain("secret typed here");
  });

  it("refuses a wrong password and an unknown email alike, with the email kept", async () => {
    const co = await dashboardCompany();
    await givePassword(co.userId);
    for (const [email, password] of [[co.email, "wrong password"], [uniqueEmail("nobody"), TEST_PASSWORD]] as const) {
      const answer = await new Browser().signIn(email, password);
      expect(answer.status).toBe(401);
      expect(formError(answer.html)).toBe("That email and password do not match. Check both and try again.");
      expect(inputValue(answer.html, "email")).toBe(email);
    }
  });

  it("refuses a user who has not set a password yet", async () => {
    const co = await dashboardCompany();
    expect((await new Browser().signIn(co.email, "")).status).toBe(400);
    expect((await new Browser().signIn(co.email, "anything at all")).status).toBe(401);
  });

  it("matches the email case-insensitively", async () => {
    const co = await dashboardCompany();
    await givePassword(co.userId);
    expect((await new Browser().signIn(co.email.toUpperCase(), TEST_PASSWORD)).location).toBe("/dashboard");
  });

  it("stores the password as pbkdf2-sha256 with 100,000 iterations and a salt of its own per user", async () => {
    const a = await dashboardCompany();
    const b = await dashboardCompany();
    for (const co of [a, b]) {
      const token = await passwordLink(co, co.userId, "setup");
      await new Browser().post(`/dashboard/set-password/${token}`, { password: "the same password", confirm: "the same password" });
    }
    const { results } = await env.DB.prepare("SELECT password_hash FROM user_credentials WHERE user_id IN (?, ?)")
      .bind(a.userId, b.userId)
      .all<{ password_hash: string }>();
    expect(results).toHaveLength(2);
    const [first, second] = results.map((r) => r.password_hash.split("$"));
    for (const parts of [first!, second!]) {
      expect(parts[0]).toBe("pbkdf2-sha256");
      expect(parts[1]).toBe(String(PBKDF2_ITERATIONS));
      expect(PBKDF2_ITERATIONS).toBe(100_000);
      expect(atob(parts[2]!)).toHaveLength(16);
      expect(atob(parts[3]!)).toHaveLength(32);
    }
    expect(first![2]).not.toBe(second![2]);
    expect(first![3]).not.toBe(second![3]);
  });
});

describe("one email, several companies", () => {
  async function sharedEmail() {
    const email = uniqueEmail("shared");
    const north = await dashboardCompany("professional", email);
    const south = await dashboardCompany("starter", email);
    const third = await dashboardCompany("starter", email);
    await givePassword(north.userId, "north and south password");
    await givePassword(south.userId, "north and south password");
    await givePassword(third.userId, "another password entirely");
    return { email, north, south, third };
  }

  it("signs into every company whose user's password matches, and the person picks one", async () => {
    const { email, north, south, third } = await sharedEmail();
    const browser = new Browser();
    const answer = await browser.signIn(email, "north and south password");
    expect([answer.status, answer.location]).toEqual([303, "/dashboard/choose-company"]);
    expect((await browser.get("/dashboard")).location).toBe("/dashboard/choose-company");

    const choose = await browser.get("/dashboard/choose-company");
    expect(choose.status).toBe(200);
    expect(choose.html).toContain(`value="${north.userId}"`);
    expect(choose.html).toContain(`value="${south.userId}"`);
    expect(choose.html).not.toContain(third.userId);

    // A user the password did not open cannot be chosen.
    const forced = await browser.post("/dashboard/choose-company", { user_id: third.userId });
    expect(forced.status).toBe(400);
    expect((await browser.get("/dashboard")).location).toBe("/dashboard/choose-company");

    expect((await browser.post("/dashboard/choose-company", { user_id: south.userId })).location).toBe("/dashboard");
    const home = await browser.get("/dashboard");
    expect(home.status).toBe(200);
    expect(home.html).toContain(`<h1>Co ${email}</h1>`);
    expect(home.html).toContain("Starter plan");
    expect(home.html).toContain(`href="/dashboard/choose-company">Switch company</a>`);

    // And switch later.
    await browser.post("/dashboard/choose-company", { user_id: north.userId });
    expect((await browser.get("/dashboard")).html).toContain("Professional plan");
  });

  it("with the other password, signs into that one company directly", async () => {
    const { email } = await sharedEmail();
    const browser = new Browser();
    expect((await browser.signIn(email, "another password entirely")).location).toBe("/dashboard");
    const home = await browser.get("/dashboard");
    expect(home.html).toContain("Starter plan");
    expect(home.html).not.toContain("Switch company");
    expect((await browser.get("/dashboard/choose-company")).html).not.toContain("Professional");
  });
});

describe("attempt limits", () => {
  it("allows 10 attempts a minute per account, then refuses even the right password with a clear message", async () => {
    const co = await dashboardCompany();
    await givePassword(co.userId);
    const now = Date.parse("2031-05-05T10:00:10.000Z");
    setClock(() => now);
    for (let i = 0; i < 10; i++) {
      // From different addresses: the account's own count is what stops them.
      expect((await new Browser().signIn(co.email, `wrong ${i}`)).status).toBe(401);
    }
    const limited = await new Browser().signIn(co.email, TEST_PASSWORD);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("Retry-After")).toBe("50");
    expect(formError(limited.html)).toBe("Too many sign-in attempts for this account. Wait 50 seconds and try again.");
    expect(inputValue(limited.html, "email")).toBe(co.email);

    // Another account is not affected; the next minute this one works again.
    const other = await dashboardCompany();
    await givePassword(other.userId);
    expect((await new Browser().signIn(other.email, TEST_PASSWORD)).status).toBe(303);
    setClock(() => now + MINUTE_MS);
    expect((await new Browser().signIn(co.email, TEST_PASSWORD)).status).toBe(303);
  });

  it("allows 200 attempts a day per account", async () => {
    const co = await dashboardCompany();
    await givePassword(co.userId);
    const day = Date.parse("2031-05-06T00:00:00.000Z");
    for (let i = 0; i < 200; i++) {
      setClock(() => day + Math.floor(i / 10) * MINUTE_MS);
      await new Browser().signIn(co.email, "wrong");
    }
    setClock(() => day + 30 * MINUTE_MS);
    const limited = await new Browser().signIn(co.email, TEST_PASSWORD);
    expect(limited.status).toBe(429);
    expect(formError(limited.html)).toMatch(/^Too many sign-in attempts for this account\. Wait \d+ minutes and try again\.$/);
    setClock(() => day + DAY_MS);
    expect((await new Browser().signIn(co.email, TEST_PASSWORD)).status).toBe(303);
  }, 120_000);

  it("allows 30 attempts a minute per address, whatever the accounts", async () => {
    const co = await dashboardCompany();
    await givePassword(co.userId);
    setClock(() => Date.parse("2031-05-07T10:00:00.000Z"));
    const browser = new Browser("198.51.100.77");
    for (let i = 0; i < 30; i++) await browser.signIn(uniqueEmail("guess"), "wrong");
    const limited = await browser.signIn(co.email, TEST_PASSWORD);
    expect(limited.status).toBe(429);
    expect(formError(limited.html)).toBe("Too many sign-in attempts for your network address. Wait 60 seconds and try again.");
    expect((await new Browser("198.51.100.78").signIn(co.email, TEST_PASSWORD)).status).toBe(303);
  }, 60_000);
});

describe("set-password links", () => {
  it("work once: the second use, or a concurrent one, finds the link used", async () => {
    const co = await dashboardCompany();
    const page = await new Browser().get(`/dashboard/set-password/${co.setupToken}`);
    expect(page.status).toBe(200);
    expect(page.html).toContain(`value="${co.email}"`);
    const form = { password: "my first password", confirm: "my first password" };
    const results = await Promise.all([1, 2, 3].map(() => new Browser().post(`/dashboard/set-password/${co.setupToken}`, form)));
    expect(results.map((r) => r.status).sort()).toEqual([303, 404, 404]);
    const again = await new Browser().get(`/dashboard/set-password/${co.setupToken}`);
    expect(again.status).toBe(404);
    expect(again.html).toContain("This link no longer works");
    const { results: rows } = await env.DB.prepare("SELECT used_at FROM password_tokens WHERE user_id = ?").bind(co.userId).all();
    expect(rows).toEqual([{ used_at: expect.any(String) }]);
  });

  it("a provisioned admin's link lasts 24 hours, an invitation 7 days", async () => {
    const co = await dashboardCompany();
    const start = Date.now();
    const invitation = await passwordLink(co, co.userId, "invitation");
    setClock(() => start + DAY_MS - MINUTE_MS);
    expect((await new Browser().get(`/dashboard/set-password/${co.setupToken}`)).status).toBe(200);
    setClock(() => start + DAY_MS + MINUTE_MS);
    expect((await new Browser().get(`/dashboard/set-password/${co.setupToken}`)).status).toBe(404);
    const form = { password: "too late for this", confirm: "too late for this" };
    expect((await new Browser().post(`/dashboard/set-password/${co.setupToken}`, form)).status).toBe(404);
    setClock(() => start + 7 * DAY_MS - MINUTE_MS);
    expect((await new Browser().get(`/dashboard/set-password/${invitation}`)).status).toBe(200);
    setClock(() => start + 7 * DAY_MS + MINUTE_MS);
    expect((await new Browser().get(`/dashboard/set-password/${invitation}`)).status).toBe(404);
  });

  it("refuse a short password or a mismatch beside the field, and leave the link usable", async () => {
    const co = await dashboardCompany();
    const path = `/dashboard/set-password/${co.setupToken}`;
    const short = await new Browser().post(path, { password: "short", confirm: "short" });
    expect(short.status).toBe(400);
    expect(fieldError(short.html, "password")).toBe("The password must be at least 10 characters long.");
    const mismatch = await new Browser().post(path, { password: "long enough password", confirm: "long enough passw0rd" });
    expect(fieldError(mismatch.html, "confirm")).toBe("The repeated password does not match the password.");
    expect(mismatch.html).not.toContain("long enough password");
    expect((await new Browser().post(path, { password: "long enough password", confirm: "long enough password" })).status).toBe(303);
  });

  it("unknown or malformed tokens answer the same page", async () => {
    for (const token of ["x".repeat(43), "short", "../../etc"]) {
      const answer = await new Browser().get(`/dashboard/set-password/${token}`);
      expect(answer.status).toBe(404);
    }
  });

  it("an invitation from the API sets that user's password only, and signs them into their company", async () => {
    const co = await dashboardCompany();
    const created = await client(co.apiKey).post("/v1/users", { name: "Mo", email: uniqueEmail("mo"), role: "read_only" });
    const token = created.body.invitation_url.split("/").at(-1);
    const browser = new Browser();
    await browser.post(`/dashboard/set-password/${token}`, { password: "mo's own password", confirm: "mo's own password" });
    const home = await browser.get("/dashboard");
    expect(home.html).toContain("signed in as Mo (read only)");
    const { results } = await env.DB.prepare("SELECT user_id FROM user_credentials WHERE user_id IN (?, ?)").bind(co.userId, created.body.id).all();
    expect(results).toEqual([{ user_id: created.body.id }]);
  });
});
