// A browser as the dashboard's server-side tests need one: a cookie jar for the session, forms
// posted as a browser posts them (same origin), and a few readers of the HTML answered.
import { env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { expect } from "vitest";
import { newPasswordToken, provisionCompany } from "../../src/db/provisioning.ts";
import { hashPassword } from "../../src/lib/passwords.ts";
import type { PlanName } from "../../src/plans.ts";
import { BASE, REQUEST_ID } from "./http.ts";
import { run, type TestCompany } from "./factories.ts";
import { uniqueEmail } from "./keys.ts";

export const SESSION_COOKIE = "__Host-dashboard_session";

export interface Page {
  status: number;
  headers: Headers;
  html: string;
  location: string | null;
}

export class Browser {
  cookie: string | null = null;
  address: string;

  constructor(address = `203.0.113.${Math.floor(Math.random() * 250) + 1}`) {
    this.address = address;
  }

  async request(method: string, path: string, options: { form?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<Page> {
    const headers: Record<string, string> = { "CF-Connecting-IP": this.address, ...options.headers };
    if (this.cookie) headers.Cookie = `${SESSION_COOKIE}=${this.cookie}`;
    let body: string | undefined;
    if (options.form) {
      body = new URLSearchParams(options.form).toString();
      headers["Content-Type"] = "application/x-www-form-urlencoded";
    }
    // As a browser's form: same origin, unless the test says otherwise ("" leaves a header out).
    if (method !== "GET" && !("Origin" in headers) && !("Sec-Fetch-Site" in headers)) headers.Origin = BASE;
    for (const [name, value] of Object.entries(headers)) if (value === "") delete headers[name];
    const response = await exports.default.fetch(new Request(`${BASE}${path}`, { method, headers, body, redirect: "manual" }));
    for (const setCookie of response.headers.getSetCookie()) {
      const match = new RegExp(`^${SESSION_COOKIE.replace(/[$]/g, "\\$")}=([^;]*)`).exec(setCookie);
      if (!match) continue;
      this.cookie = match[1] && !/Max-Age=0/i.test(setCookie) ? match[1] : null;
    }
    return { status: response.status, headers: response.headers, html: await response.text(), location: response.headers.get("Location") };
  }

  get(path: string) {
    return this.request("GET", path);
  }

  post(path: string, form: Record<string, string> = {}, headers?: Record<string, string>) {
    return this.request("POST", path, { form, headers });
  }

  async signIn(email: string, password: string): Promise<Page> {
    return this.post("/dashboard/sign-in", { email, password });
  }
}

/** The text of the field error shown beside `name`, or null. */
export function fieldError(html: string, name: string): string | null {
  const match = new RegExp(`<p class="field-error" id="field-${name}-error">([^<]*)</p>`).exec(html);
  return match ? decode(match[1]!) : null;
}

/** The value an input shows (what was typed is kept). */
export function inputValue(html: string, name: string): string | null {
  const match = new RegExp(`<input id="field-${name}" name="${name}"[^>]*?value="([^"]*)"`).exec(html);
  return match ? decode(match[1]!) : null;
}

/** The value of the shown-once input (`new-secret`, `invitation-url`). */
export function shownOnce(html: string, id: string): string | null {
  const match = new RegExp(`<input id="${id}" type="text" readonly="" value="([^"]*)"`).exec(html);
  return match ? decode(match[1]!) : null;
}

export function formError(html: string): string | null {
  const match = /<div class="notice notice-error" role="alert"><strong>[^<]*<\/strong><p>([^<]*)<\/p>/.exec(html);
  return match ? decode(match[1]!) : null;
}

function decode(text: string): string {
  return text.replaceAll("&quot;", '"').replaceAll("&#39;", "'").replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&amp;", "&");
}

export const TEST_PASSWORD = "correct horse battery";

/** Gives a user a password directly (as a set-password link would), for tests about signing in. */
export async function givePassword(userId: string, password = TEST_PASSWORD): Promise<void> {
  await env.DB.prepare("INSERT OR REPLACE INTO user_credentials (user_id, password_hash, updated_at) VALUES (?, ?, ?)")
    .bind(userId, await hashPassword(password), new Date().toISOString())
    .run();
}

/** A new set-password link token for a user. */
export async function passwordLink(company: TestCompany, userId: string, purpose: "setup" | "invitation" = "invitation") {
  const link = await newPasswordToken({ companyId: company.companyId, userId, purpose });
  await run([link.statement]);
  return link.token;
}

/** A signed-in browser for the company's admin (or another user given a password). */
export async function signedIn(company: DashboardCompany, options: { userId?: string; email?: string } = {}) {
  const userId = options.userId ?? company.userId;
  await givePassword(userId);
  const browser = new Browser();
  const answer = await browser.signIn(options.email ?? company.email, TEST_PASSWORD);
  expect(answer.status, answer.html).toBe(303);
  return browser;
}

export function expectRequestId(page: Page): void {
  expect(page.headers.get("Request-Id")).toMatch(REQUEST_ID);
}

export type DashboardCompany = TestCompany & { email: string; setupToken: string };

/**
 * A company as `npm run provision` makes it, its admin with an email no other test's admin has
 * (emails shared between companies are what multi-company sign-in is about).
 */
export async function dashboardCompany(plan: PlanName = "professional", email = uniqueEmail("admin")): Promise<DashboardCompany> {
  const company = await provisionCompany({ name: `Co ${email}`, plan, mode: "test", email });
  await run(company.statements);
  return company;
}
