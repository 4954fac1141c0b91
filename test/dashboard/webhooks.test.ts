// Settings → Webhooks: admins only (member and read_only are not offered it and are refused when
// forced); create with the secret shown once (field errors beside the fields, typed values kept),
// edit, enable / disable, roll, delete, deliveries with their status and a retry; audit entries as
// the user; CSRF.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { Browser, dashboardCompany, fieldError, formError, givePassword, inputValue, shownOnce, signedIn, TEST_PASSWORD, type DashboardCompany } from "../helpers/dashboard.ts";
import { client } from "../helpers/http.ts";
import { insertEndpoint, pendingDelivery } from "../helpers/webhooks.ts";

const WEBHOOKS = "/dashboard/settings/webhooks";

async function userWithRole(co: DashboardCompany, role: "member" | "read_only") {
  const email = `${role}.${co.email}`;
  const created = await client(co.apiKey).post("/v1/users", { name: `A ${role}`, email, role });
  await givePassword(created.body.id);
  const browser = new Browser();
  await browser.signIn(email, TEST_PASSWORD);
  return browser;
}

const endpoints = async (co: DashboardCompany) => (await client(co.apiKey).get("/v1/webhook_endpoints")).body.data as any[];

describe("Settings → Webhooks", () => {
  it("creates an endpoint with the secret shown once, recorded as the user with no key", async () => {
    const co = await dashboardCompany();
    const browser = await signedIn(co);
    expect((await browser.get(WEBHOOKS)).status).toBe(200);
    const answer = await browser.post(WEBHOOKS, { url: "https://hooks.example.com/in", events: "item.low_stock, order.*", description: "ERP" });
    expect(answer.status).toBe(201);
    expect(answer.headers.get("cache-control")).toBe("no-store");
    const secret = shownOnce(answer.html, "webhook-secret")!;
    expect(secret).toMatch(/^whsec_/);
    const [endpoint] = await endpoints(co);
    expect(endpoint).toMatchObject({ url: "https://hooks.example.com/in", events: ["item.low_stock", "order.*"], description: "ERP", status: "enabled" });
    const audit = await env.DB.prepare("SELECT action, user_id, api_key_id FROM audit_log WHERE resource_id = ?").bind(endpoint.id).all();
    expect(audit.results).toEqual([{ action: "create", user_id: co.userId, api_key_id: null }]);
    expect((await browser.get(WEBHOOKS)).html).not.toContain(secret);
  });

  it.each([
    [{ url: "", events: "*" }, "url", /^URL /],
    [{ url: "ftp://x.example.com", events: "*" }, "url", /url/i],
    [{ url: "https://hooks.example.com", events: "" }, "events", /^Events /],
    [{ url: "https://hooks.example.com", events: "item.low_stock item.low_stock" }, "events", /must not repeat 'item.low_stock'/],
    [{ url: "https://hooks.example.com", events: "nonsense.kind" }, "events", /^Events /],
  ])("refuses %j beside the field, keeping what was typed", async (form, field, message) => {
    const co = await dashboardCompany();
    const browser = await signedIn(co);
    const answer = await browser.post(WEBHOOKS, { description: "kept", ...form });
    expect(answer.status).toBe(400);
    expect(fieldError(answer.html, field)).toMatch(message);
    expect(inputValue(answer.html, "events")).toBe(form.events);
    expect(inputValue(answer.html, "description")).toBe("kept");
    expect(await endpoints(co)).toEqual([]);
  });

  it("edits, disables, enables, rolls and deletes, as the API's", async () => {
    const co = await dashboardCompany();
    const browser = await signedIn(co);
    await browser.post(WEBHOOKS, { url: "https://hooks.example.com/a", events: "*", description: "" });
    const [endpoint] = await endpoints(co);
    const path = `${WEBHOOKS}/${endpoint.id}`;
    expect(inputValue((await browser.get(path)).html, "events")).toBe("*");
    expect((await browser.post(path, { url: "https://hooks.example.com/b", events: "order.*", description: "New" })).location).toBe(`${WEBHOOKS}?notice=saved`);
    expect((await endpoints(co))[0]).toMatchObject({ url: "https://hooks.example.com/b", events: ["order.*"], description: "New" });
    expect((await browser.post(`${path}/disable`)).status).toBe(303);
    expect((await endpoints(co))[0].status).toBe("disabled");
    expect((await browser.post(`${path}/enable`)).status).toBe(303);
    expect((await endpoints(co))[0].status).toBe("enabled");
    const rolled = await browser.post(`${path}/roll`, { expires_in_hours: "24" });
    expect(rolled.status).toBe(201);
    expect(shownOnce(rolled.html, "webhook-secret")).toMatch(/^whsec_/);
    expect((await browser.post(`${path}/delete`)).location).toBe(`${WEBHOOKS}?notice=deleted`);
    expect(await endpoints(co)).toEqual([]);
  });

  it("shows deliveries with their status and retries a failed one", async () => {
    const co = await dashboardCompany();
    const { deliveryId: id } = await pendingDelivery(co.companyId);
    await env.DB.prepare("UPDATE webhook_deliveries SET status = 'failed', attempts = 3, next_attempt_at = NULL, last_attempt_at = ?, last_status_code = 500, last_error = 'The endpoint answered 500.' WHERE id = ?")
      .bind(new Date().toISOString(), id)
      .run();
    const browser = await signedIn(co);
    const page = await browser.get(WEBHOOKS);
    expect(page.html).toContain('<span class="badge badge-danger">failed</span>');
    expect(page.html).toContain("The endpoint answered 500.");
    expect(page.html).toContain(`action="${WEBHOOKS}/deliveries/${id}/retry"`);
    const retried = await browser.post(`${WEBHOOKS}/deliveries/${id}/retry`);
    expect(retried.location).toBe(`${WEBHOOKS}?notice=retried`);
    const row = await env.DB.prepare("SELECT status FROM webhook_deliveries WHERE id = ?").bind(id).first<{ status: string }>();
    expect(row!.status).not.toBe("failed");
  });

  it("is not offered to member and read_only, and refused when forced (403); CSRF refused", async () => {
    const co = await dashboardCompany();
    await insertEndpoint(co.companyId, {});
    const [endpoint] = await endpoints(co);
    for (const role of ["member", "read_only"] as const) {
      const browser = await userWithRole(co, role);
      expect((await browser.get("/dashboard")).html).not.toContain(`href="${WEBHOOKS}"`);
      expect((await browser.get(WEBHOOKS)).status).toBe(403);
      expect((await browser.post(WEBHOOKS, { url: "https://x.example.com", events: "*" })).status).toBe(403);
      for (const action of ["", "/disable", "/roll", "/delete"]) expect((await browser.post(`${WEBHOOKS}/${endpoint.id}${action}`, {})).status).toBe(403);
    }
    const admin = await signedIn(co);
    expect((await admin.post(`${WEBHOOKS}/${endpoint.id}/delete`, {}, { Origin: "https://evil.example" })).status).toBe(403);
    expect((await endpoints(co)).map((e) => e.status)).toEqual(["enabled"]);
    expect(formError((await admin.get(WEBHOOKS)).html)).toBeNull();
  });
});
