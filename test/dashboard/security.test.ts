// The dashboard's security rules: same-origin for unsafe requests (CSRF), the headers of every
// page, long-cached assets, roles exactly as the API's, and no dashboard route in the OpenAPI document.
import { describe, expect, it } from "vitest";
import { CONTENT_SECURITY_POLICY } from "../../src/dashboard/security.ts";
import { STYLESHEET_URL, SCRIPT_URL } from "../../src/dashboard/assets.ts";
import { Browser, dashboardCompany, givePassword, signedIn, TEST_PASSWORD, type DashboardCompany } from "../helpers/dashboard.ts";
import { client } from "../helpers/http.ts";
import { openApiDocument } from "../helpers/openapi.ts";

async function userWithRole(co: DashboardCompany, role: "member" | "read_only") {
  const email = `${role}.${co.email}`;
  const created = await client(co.apiKey).post("/v1/users", { name: `A ${role}`, email, role });
  expect(created.status).toBe(201);
  await givePassword(created.body.id);
  const browser = new Browser();
  expect((await browser.signIn(email, TEST_PASSWORD)).location).toBe("/dashboard");
  return browser;
}

async function keyCount(co: DashboardCompany) {
  return (await client(co.apiKey).get("/v1/api_keys")).body.pagination.total as number;
}

describe("CSRF: unsafe requests must come from the dashboard's own origin", () => {
  const refusals: [string, Record<string, string>][] = [
    ["another origin", { Origin: "https://evil.example" }],
    ["a cross-site fetch", { "Sec-Fetch-Site": "cross-site" }],
    ["a same-site (other subdomain) fetch", { "Sec-Fetch-Site": "same-site", Origin: "https://api.test" }],
    ["no Origin and no Sec-Fetch-Site", { Origin: "" }],
    ["Origin null", { Origin: "null" }],
  ];

  for (const [name, headers] of refusals) {
    it(`refuses ${name} with 403, changing nothing`, async () => {
      const co = await dashboardCompany();
      const browser = await signedIn(co);
      const before = await keyCount(co);
      const answer = await browser.request("POST", "/dashboard/settings/api-keys", {
        form: { name: "Planted key", role: "admin", expires_at: "" },
        headers,
      });
      expect(answer.status).toBe(403);
      expect(answer.html).toContain("This form was not sent from this dashboard");
      expect(await keyCount(co)).toBe(before);
      // Sign-in and sign-out are forms too.
      const signOut = await browser.request("POST", "/dashboard/sign-out", { headers: { Origin: "https://evil.example" } });
      expect(signOut.status).toBe(403);
      expect((await browser.get("/dashboard")).status).toBe(200);
    });
  }

  it("refuses a sign-in form posted from another site (login CSRF)", async () => {
    const co = await dashboardCompany();
    await givePassword(co.userId);
    const browser = new Browser();
    const answer = await browser.request("POST", "/dashboard/sign-in", {
      form: { email: co.email, password: TEST_PASSWORD },
      headers: { "Sec-Fetch-Site": "cross-site" },
    });
    expect(answer.status).toBe(403);
    expect(browser.cookie).toBeNull();
  });

  it("accepts Sec-Fetch-Site: same-origin, or (without it) the same Origin", async () => {
    const co = await dashboardCompany();
    const browser = await signedIn(co);
    const byFetchSite = await browser.post("/dashboard/settings/api-keys", { name: "One", role: "read_only", expires_at: "" }, { "Sec-Fetch-Site": "same-origin" });
    expect(byFetchSite.status).toBe(201);
    const byOrigin = await browser.post("/dashboard/settings/api-keys", { name: "Two", role: "read_only", expires_at: "" }, { Origin: "https://api.test" });
    expect(byOrigin.status).toBe(201);
  });
});

describe("the body limit", () => {
  it("refuses a form over 64 KiB with 413, changing nothing", async () => {
    const co = await dashboardCompany();
    const browser = await signedIn(co);
    const before = await keyCount(co);
    const answer = await browser.post("/dashboard/settings/api-keys", { name: "x".repeat(70 * 1024), role: "read_only", expires_at: "" });
    expect(answer.status).toBe(413);
    expect(answer.html).toContain("The form sent more than a form of this dashboard can hold.");
    expect(await keyCount(co)).toBe(before);
  });
});

describe("headers", () => {
  const EXPECTED = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
  };

  it("every page sends a strict CSP, refuses framing and is no-store, signed in or not", async () => {
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
    expect(CONTENT_SECURITY_POLICY).not.toContain("unsafe-inline");
    const co = await dashboardCompany();
    const browser = await signedIn(co);
    const pages = [
      await new Browser().get("/dashboard/sign-in"),
      await new Browser().get(`/dashboard/set-password/${co.setupToken}`),
      await browser.get("/dashboard"),
      await browser.get("/dashboard/settings/api-keys"),
      await browser.post("/dashboard/settings/api-keys", { name: "Shown once", role: "read_only", expires_at: "" }),
      await browser.get("/dashboard/settings/users"),
      await browser.get("/dashboard/settings/plan"),
      await browser.get("/dashboard/no-such-page"),
    ];
    for (const page of pages) {
      for (const [name, value] of Object.entries(EXPECTED)) expect(page.headers.get(name), name).toBe(value);
      expect(page.headers.get("content-type")).toBe("text/html; charset=UTF-8");
      expect(page.html.startsWith("<!DOCTYPE html>")).toBe(true);
      // No inline script or style for the CSP to refuse.
      expect(page.html).not.toMatch(/<script>|<script(?![^>]*\bsrc=)[^>]*>|<style|\sstyle=/);
    }
    expect(pages.at(-1)!.status).toBe(404);
  });

  it("the style sheet and script are served from the Worker under content-hashed names, cached for a year", async () => {
    expect(STYLESHEET_URL).toMatch(/^\/dashboard\/assets\/dashboard\.[0-9a-f]{8}\.css$/);
    expect(SCRIPT_URL).toMatch(/^\/dashboard\/assets\/dashboard\.[0-9a-f]{8}\.js$/);
    for (const [url, type] of [[STYLESHEET_URL, "text/css; charset=utf-8"], [SCRIPT_URL, "text/javascript; charset=utf-8"]] as const) {
      const answer = await new Browser().get(url);
      expect(answer.status).toBe(200);
      expect(answer.headers.get("content-type")).toBe(type);
      expect(answer.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
      expect(answer.html.length).toBeGreaterThan(500);
    }
    expect((await new Browser().get("/dashboard/assets/dashboard.00000000.css")).status).toBe(404);
  });
});

describe("roles, as the API's", () => {
  const ADMIN_PAGES = ["/dashboard/settings/api-keys", "/dashboard/settings/users"];

  for (const role of ["member", "read_only"] as const) {
    it(`a ${role} is not offered the admin pages and is refused them (403) when they are forced`, async () => {
      const co = await dashboardCompany();
      const browser = await userWithRole(co, role);
      const home = await browser.get("/dashboard");
      expect(home.status).toBe(200);
      for (const path of ADMIN_PAGES) expect(home.html).not.toContain(`href="${path}"`);
      expect(home.html).toContain('href="/dashboard/settings/plan"');
      for (const path of ADMIN_PAGES) {
        const forced = await browser.get(path);
        expect(forced.status, path).toBe(403);
        expect(forced.html).toContain("Not available for your role");
      }
      const before = await keyCount(co);
      const keysBefore = (await client(co.apiKey).get("/v1/api_keys")).body.data;
      const posts = [
        ["/dashboard/settings/api-keys", { name: "Sneaky", role: "read_only", expires_at: "" }],
        [`/dashboard/settings/api-keys/${co.apiKeyId}/roll`, { expires_in_hours: "0" }],
        [`/dashboard/settings/api-keys/${co.apiKeyId}/revoke`, {}],
        ["/dashboard/settings/users", { name: "Sneaky", email: `sneaky.${co.email}`, role: "admin" }],
        [`/dashboard/settings/users/${co.userId}/invitation`, {}],
      ] as const;
      for (const [path, form] of posts) {
        const answer = await browser.post(path, form);
        expect(answer.status, path).toBe(403);
        expect(answer.html).not.toMatch(/sk_test_|set-password\//);
      }
      expect(await keyCount(co)).toBe(before);
      expect((await client(co.apiKey).get("/v1/api_keys")).body.data).toEqual(keysBefore);
      expect((await client(co.apiKey).get("/v1/users")).body.pagination.total).toBe(2);
      // The plan page leaves out what only admins may read (keys and webhooks).
      const plan = await browser.get("/dashboard/settings/plan");
      expect(plan.status).toBe(200);
      expect(plan.html).toContain("Manual snapshots today");
      expect(plan.html).not.toContain("Active API keys");
      expect(plan.html).not.toContain(`<p class="stat-label">Webhook endpoints</p>`);
    });
  }

  it("an admin is offered and may use every page", async () => {
    const co = await dashboardCompany();
    const browser = await signedIn(co);
    const home = await browser.get("/dashboard");
    for (const path of [...ADMIN_PAGES, "/dashboard/settings/plan"]) {
      expect(home.html).toContain(`href="${path}"`);
      expect((await browser.get(path)).status).toBe(200);
    }
  });

  it("a role change applies at the next page", async () => {
    const co = await dashboardCompany();
    const browser = await signedIn(co);
    const { env } = await import("cloudflare:test");
    await env.DB.prepare("UPDATE users SET role = 'member' WHERE id = ?").bind(co.userId).run();
    expect((await browser.get("/dashboard/settings/api-keys")).status).toBe(403);
  });
});

describe("the OpenAPI document", () => {
  it("has no dashboard route", async () => {
    const doc = await openApiDocument();
    expect(Object.keys(doc.paths).filter((path) => !path.startsWith("/v1/") && path !== "/health")).toEqual([]);
    expect(JSON.stringify(doc.paths)).not.toContain("/dashboard");
  });
});
