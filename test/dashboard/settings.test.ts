// Settings → API Keys, Users and Plan: each form's validation (errors beside the fields, typed
// values kept), and that each action is the API's: the key works, audit entries name the user
// and no key, the same rules refuse the same things.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { MAX_ACTIVE_KEYS } from "../../src/domain/api-keys.ts";
import { dashboardCompany, fieldError, formError, inputValue, shownOnce, signedIn, type DashboardCompany } from "../helpers/dashboard.ts";
import { client } from "../helpers/http.ts";
import { uniqueEmail } from "../helpers/keys.ts";

const KEYS = "/dashboard/settings/api-keys";
const USERS = "/dashboard/settings/users";

async function auditOf(resourceId: string) {
  const { results } = await env.DB.prepare("SELECT action, user_id, api_key_id, request_id FROM audit_log WHERE resource_id = ? ORDER BY seq")
    .bind(resourceId)
    .all<{ action: string; user_id: string | null; api_key_id: string | null; request_id: string | null }>();
  return results;
}

async function apiKeys(co: DashboardCompany) {
  return (await client(co.apiKey).get("/v1/api_keys")).body.data as any[];
}

/** The `href` of the page's "Older →" (rel="next") link, if any. */
function olderLink(html: string): string | undefined {
  return /<a [^>]*rel="next" href="([^"]+)"|<a [^>]*href="([^"]+)" rel="next"/.exec(html)?.slice(1).find(Boolean)?.replaceAll("&amp;", "&");
}

/** The names in the first column of the page's list, in order. */
function namesListed(html: string, names: readonly string[]): string[] {
  return [...html.matchAll(/<tr><td>([^<]+)/g)].map((m) => m[1]!).filter((name) => names.includes(name));
}

describe("Settings → API Keys", () => {
  it("lists the company's keys with their last use", async () => {
    const co = await dashboardCompany();
    await client(co.apiKey).get("/v1/items");
    const browser = await signedIn(co);
    const page = await browser.get(KEYS);
    expect(page.status).toBe(200);
    expect(page.html).toContain("Default key");
    const [key] = await apiKeys(co);
    expect(key.last_used_at).not.toBeNull();
    expect(page.html).toContain(`${key.last_used_at.slice(0, 10)} ${key.last_used_at.slice(11, 16)} UTC`);
    expect(page.html).toContain(`…${key.last4}`);
  });

  it("pages through more keys than fit on a page, newest first as GET /v1/api_keys, each with its user's name", async () => {
    const co = await dashboardCompany();
    const api = client(co.apiKey);
    const names = Array.from({ length: 27 }, (_, i) => `Scanner ${i}`);
    for (const name of names) expect((await api.post("/v1/api_keys", { name, role: "read_only" })).status).toBe(201);
    const apiOrder = ((await api.get("/v1/api_keys?limit=100")).body.data as { name: string }[]).map((k) => k.name).filter((n) => names.includes(n));
    const browser = await signedIn(co);

    const first = await browser.get(KEYS);
    expect(first.html).toContain("Keys (28)");
    const firstNames = namesListed(first.html, names);
    expect(firstNames).toEqual(apiOrder.slice(0, 25));
    const older = olderLink(first.html)!;
    expect(older).toMatch(/^\/dashboard\/settings\/api-keys\?starting_after=key_/);
    const second = await browser.get(older);
    expect(second.status).toBe(200);
    expect(namesListed(second.html, names)).toEqual(apiOrder.slice(25));
    expect(olderLink(second.html)).toBeUndefined();
    expect(second.html).toContain('rel="prev"');
    // Every key's row names its user, also on the later page.
    const user = (await api.get(`/v1/users/${co.userId}`)).body;
    expect(second.html.split(`<td>${user.name}</td>`).length - 1).toBe(3);
  });

  it("creates a key shown once, which works with the API, recorded as the user with no key", async () => {
    const co = await dashboardCompany();
    const browser = await signedIn(co);
    const answer = await browser.post(KEYS, { name: "Scanner", role: "member", expires_at: "2040-06-01" });
    expect(answer.status).toBe(201);
    expect(answer.headers.get("cache-control")).toBe("no-store");
    const secret = shownOnce(answer.html, "new-secret")!;
    expect(secret).toMatch(/^sk_test_[0-9A-Za-z]{38}$/);
    expect((await client(secret).get("/v1/items")).status).toBe(200);
    expect((await client(secret).get("/v1/api_keys")).status).toBe(403);

    const created = (await apiKeys(co)).find((k) => k.name === "Scanner");
    expect(created).toMatchObject({ role: "member", user_id: co.userId, expires_at: "2040-06-01T00:00:00.000Z", revoked_at: null });
    const audit = await auditOf(created.id);
    expect(audit).toEqual([{ action: "create", user_id: co.userId, api_key_id: null, request_id: expect.stringMatching(/^req_/) }]);
    // Never again: the list shows no secret.
    expect((await browser.get(KEYS)).html).not.toContain(secret);
  });

  it.each([
    [{ name: "", role: "member", expires_at: "" }, "name", "Name must be at least 1 character long."],
    [{ name: "x".repeat(101), role: "member", expires_at: "" }, "name", "Name must be at most 100 characters long."],
    [{ name: "Bad\u0007bell", role: "member", expires_at: "" }, "name", "Name must be valid text: no control characters (tab and newline included) and no unpaired surrogates."],
    [{ name: "Ok", role: "owner", expires_at: "" }, "role", 'Role must be one of "admin", "member", "read_only".'],
    [{ name: "Ok", role: "member", expires_at: "2001-01-01" }, "expires_at", "Expiry date must be in the future."],
    [{ name: "Ok", role: "member", expires_at: "tomorrow" }, "expires_at", "Expiry date must be a date such as 2030-01-15."],
  ])("refuses %j beside the field, keeping what was typed", async (form, field, message) => {
    const co = await dashboardCompany();
    const browser = await signedIn(co);
    const before = (await apiKeys(co)).map((k) => k.id);
    const answer = await browser.post(KEYS, form);
    expect(answer.status).toBe(400);
    expect(fieldError(answer.html, field)).toBe(message);
    if (field !== "name") expect(inputValue(answer.html, "name")).toBe(form.name);
    if (field !== "expires_at" || form.expires_at !== "") expect(inputValue(answer.html, "expires_at")).toBe(form.expires_at);
    expect(answer.html).toContain(`aria-invalid="true"`);
    expect((await apiKeys(co)).map((k) => k.id)).toEqual(before);
  });

  it("refuses a key past the company's limit of active keys, with the domain's message", async () => {
    const co = await dashboardCompany();
    const browser = await signedIn(co);
    const statements = [];
    const { newApiKey } = await import("../../src/db/provisioning.ts");
    for (let i = 1; i < MAX_ACTIVE_KEYS; i++) {
      const key = await newApiKey({ companyId: co.companyId, userId: co.userId, role: "read_only", mode: "test" });
      statements.push(env.DB.prepare(key.statement.sql).bind(...key.statement.params));
    }
    await env.DB.batch(statements);
    const answer = await browser.post(KEYS, { name: "One too many", role: "read_only", expires_at: "" });
    expect(answer.status).toBe(409);
    expect(formError(answer.html)).toBe(`Your company already has ${MAX_ACTIVE_KEYS} active API keys, the most it may have. Revoke one first.`);
    expect(inputValue(answer.html, "name")).toBe("One too many");
  });

  it("rolls a key with a grace period: a new secret shown once, the old key working until then", async () => {
    const co = await dashboardCompany();
    const browser = await signedIn(co);
    const created = shownOnce((await browser.post(KEYS, { name: "Till", role: "read_only", expires_at: "" })).html, "new-secret")!;
    const old = (await apiKeys(co)).find((k) => k.name === "Till");
    const rolled = await browser.post(`${KEYS}/${old.id}/roll`, { expires_in_hours: "24" });
    expect(rolled.status).toBe(201);
    const secret = shownOnce(rolled.html, "new-secret")!;
    expect(secret).not.toBe(created);
    expect(rolled.html).toContain("New secret for “Till”");
    expect((await client(secret).get("/v1/items")).status).toBe(200);
    expect((await client(created).get("/v1/items")).status).toBe(200);
    const after = (await apiKeys(co)).find((k) => k.id === old.id);
    expect(Date.parse(after.expires_at) - Date.now()).toBeGreaterThan(23 * 3600 * 1000);
    expect((await auditOf(old.id)).map((e) => [e.action, e.user_id, e.api_key_id])).toEqual([
      ["create", co.userId, null],
      ["update", co.userId, null],
    ]);

    // Without a grace period the old key stops at once; a bad grace period is refused.
    const next = (await apiKeys(co)).find((k) => k.name === "Till" && k.id !== old.id);
    const now = await browser.post(`${KEYS}/${next.id}/roll`, { expires_in_hours: "0" });
    expect((await client(secret).get("/v1/items")).status).toBe(401);
    expect(shownOnce(now.html, "new-secret")).toMatch(/^sk_test_/);
    const bad = await browser.post(`${KEYS}/${old.id}/roll`, { expires_in_hours: "9999" });
    expect(bad.status).toBe(400);
    expect(formError(bad.html)).toBe("Choose one of the grace periods offered.");
  });

  it("revokes a key: the API refuses it at once", async () => {
    const co = await dashboardCompany();
    const browser = await signedIn(co);
    const secret = shownOnce((await browser.post(KEYS, { name: "Gone", role: "read_only", expires_at: "" })).html, "new-secret")!;
    expect((await client(secret).get("/v1/items")).status).toBe(200);
    const key = (await apiKeys(co)).find((k) => k.name === "Gone");
    const revoked = await browser.post(`${KEYS}/${key.id}/revoke`);
    expect([revoked.status, revoked.location]).toEqual([303, `${KEYS}?notice=revoked`]);
    expect((await client(secret).get("/v1/items")).status).toBe(401);
    const page = await browser.get(revoked.location!);
    expect(page.html).toContain("The key is revoked: it stops working at once.");
    expect(page.html).toContain("Revoked</span>");
    expect((await auditOf(key.id)).map((e) => [e.action, e.user_id, e.api_key_id])).toEqual([
      ["create", co.userId, null],
      ["delete", co.userId, null],
    ]);
  });

  it("refuses to revoke the last working admin key, and another company's key is not there", async () => {
    const co = await dashboardCompany();
    const other = await dashboardCompany();
    const browser = await signedIn(co);
    const last = await browser.post(`${KEYS}/${co.apiKeyId}/revoke`);
    expect(last.status).toBe(409);
    expect(formError(last.html)).toBe("This is your company's last working admin key: create another admin key before revoking it.");
    expect((await client(co.apiKey).get("/v1/items")).status).toBe(200);
    for (const action of ["revoke", "roll"]) {
      const foreign = await browser.post(`${KEYS}/${other.apiKeyId}/${action}`, { expires_in_hours: "0" });
      expect(foreign.status).toBe(404);
      expect(formError(foreign.html)).toBe("There is no such key.");
    }
    expect((await client(other.apiKey).get("/v1/items")).status).toBe(200);
  });
});

describe("Settings → Users", () => {
  it("pages through more users than fit on a page, newest first as GET /v1/users", async () => {
    const co = await dashboardCompany();
    const api = client(co.apiKey);
    const names = Array.from({ length: 26 }, (_, i) => `Picker ${i}`);
    for (const name of names) expect((await api.post("/v1/users", { name, email: uniqueEmail(), role: "member" })).status).toBe(201);
    const apiOrder = ((await api.get("/v1/users?limit=100")).body.data as { name: string }[]).map((u) => u.name).filter((n) => names.includes(n));
    const browser = await signedIn(co);

    const first = await browser.get(USERS);
    expect(first.html).toContain("Users (27)");
    expect(namesListed(first.html, names)).toEqual(apiOrder.slice(0, 25));
    const second = await browser.get(olderLink(first.html)!);
    expect(namesListed(second.html, names)).toEqual(apiOrder.slice(25));
    expect(olderLink(second.html)).toBeUndefined();
  });

  it("invites a user: the link shown once works for that user, recorded as the admin with no key", async () => {
    const co = await dashboardCompany();
    const browser = await signedIn(co);
    const email = uniqueEmail("grace");
    const answer = await browser.post(USERS, { name: "Grace Hopper", email, role: "read_only" });
    expect(answer.status).toBe(201);
    expect(answer.headers.get("cache-control")).toBe("no-store");
    const url = shownOnce(answer.html, "invitation-url")!;
    expect(url).toMatch(/^https:\/\/api\.test\/dashboard\/set-password\/[0-9A-Za-z]{43}$/);
    const users = (await client(co.apiKey).get("/v1/users")).body.data;
    const grace = users.find((u: any) => u.email === email);
    expect(grace).toMatchObject({ name: "Grace Hopper", role: "read_only" });
    expect(await auditOf(grace.id)).toEqual([{ action: "create", user_id: co.userId, api_key_id: null, request_id: expect.stringMatching(/^req_/) }]);
    const list = await browser.get(USERS);
    expect(list.html).toContain("Grace Hopper");
    expect(list.html).not.toContain(url);
    const setup = await browser.get(url.replace("https://api.test", ""));
    expect(setup.html).toContain(`value="${email}"`);
  });

  it.each([
    [{ name: "", email: "a@example.com", role: "member" }, "name", "Name must be at least 1 character long."],
    [{ name: "Ada", email: "not-an-email", role: "member" }, "email", "Email must be an email address such as ada@example.com."],
    [{ name: "Ada", email: "a@example.com", role: "boss" }, "role", 'Role must be one of "admin", "member", "read_only".'],
  ])("refuses %j beside the field, keeping what was typed", async (form, field, message) => {
    const co = await dashboardCompany();
    const browser = await signedIn(co);
    const answer = await browser.post(USERS, form);
    expect(answer.status).toBe(400);
    expect(fieldError(answer.html, field)).toBe(message);
    expect(inputValue(answer.html, "name")).toBe(form.name);
    expect(inputValue(answer.html, "email")).toBe(form.email);
    expect((await client(co.apiKey).get("/v1/users")).body.pagination.total).toBe(1);
  });

  it("refuses an email the company already has, in any case, beside the email field", async () => {
    const co = await dashboardCompany();
    const browser = await signedIn(co);
    const answer = await browser.post(USERS, { name: "Twin", email: co.email.toUpperCase(), role: "member" });
    expect(answer.status).toBe(409);
    expect(fieldError(answer.html, "email")).toBe("Another user of your company already has this email address.");
    expect(inputValue(answer.html, "email")).toBe(co.email.toUpperCase());
  });

  it("makes a new link for a user; another company's user is not there", async () => {
    const co = await dashboardCompany();
    const other = await dashboardCompany();
    const browser = await signedIn(co);
    const answer = await browser.post(`${USERS}/${co.userId}/invitation`);
    expect(answer.status).toBe(201);
    expect(shownOnce(answer.html, "invitation-url")).toMatch(/\/dashboard\/set-password\/[0-9A-Za-z]{43}$/);
    const foreign = await browser.post(`${USERS}/${other.userId}/invitation`);
    expect(foreign.status).toBe(404);
    expect(foreign.html).not.toContain("set-password/");
  });

  it("shows who has set a password", async () => {
    const co = await dashboardCompany();
    const browser = await signedIn(co);
    await browser.post(USERS, { name: "Pending Person", email: uniqueEmail("pending"), role: "member" });
    const page = await browser.get(USERS);
    expect(page.html).toMatch(/Admin<span class="muted"> \(you\)<\/span>.*Password set/s);
    expect(page.html).toMatch(/Pending Person<\/td>.*?Invited/s);
  });
});

describe("Settings → Plan", () => {
  it("shows the plan's limits and today's use", async () => {
    const co = await dashboardCompany("starter");
    const browser = await signedIn(co);
    expect((await client(co.apiKey).post("/v1/snapshots", {})).status).toBe(201);
    const page = await browser.get("/dashboard/settings/plan");
    expect(page.status).toBe(200);
    expect(page.html).toContain("is on the Starter plan.");
    expect(page.html).toContain(`<p class="stat-label">Manual snapshots today</p><p class="stat-value">1 <span class="muted">of 1</span>`);
    expect(page.html).toContain(`<p class="stat-label">Snapshot restores today</p><p class="stat-value">0 <span class="muted">of 1</span>`);
    expect(page.html).toContain(`<p class="stat-label">Webhook endpoints</p><p class="stat-value">0 <span class="muted">of 1</span>`);
    expect(page.html).toContain(`<p class="stat-label">Active API keys</p><p class="stat-value">1 <span class="muted">of ${MAX_ACTIVE_KEYS}</span>`);
    expect(page.html).toContain("<td>Requests per minute, per key</td><td>60</td>");
    expect(page.html).toContain("<td>Requests per day, per key (UTC)</td><td>10,000</td>");
    expect(page.html).toContain("<td>Automatic daily snapshot</td><td>No</td>");
  });
});
