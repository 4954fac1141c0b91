// Snapshots in the dashboard: list and take one (the note's error beside it), a snapshot's page,
// download, the dry run's diff (nothing changes), restore and its progress page, delete; the
// API's rules (plan limit), audit entries as the user; roles and CSRF.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { gunzipSync } from "node:zlib";
import { Browser, dashboardCompany, fieldError, formError, givePassword, inputValue, signedIn, TEST_PASSWORD, type DashboardCompany } from "../helpers/dashboard.ts";
import { client } from "../helpers/http.ts";

const SNAPSHOTS = "/dashboard/snapshots";

async function userWithRole(co: DashboardCompany, role: "member" | "read_only") {
  const email = `${role}.${co.email}`;
  const created = await client(co.apiKey).post("/v1/users", { name: `A ${role}`, email, role });
  expect(created.status).toBe(201);
  await givePassword(created.body.id);
  const browser = new Browser();
  expect((await browser.signIn(email, TEST_PASSWORD)).location).toBe("/dashboard");
  return { browser, userId: created.body.id as string };
}

async function take(browser: Browser, note = "") {
  const answer = await browser.post(SNAPSHOTS, { note });
  expect(answer.status, answer.html).toBe(303);
  const id = /href="\/dashboard\/snapshots\/(snap_\w+)"/.exec((await browser.get(SNAPSHOTS)).html)?.[1];
  expect(id).toBeDefined();
  return id!;
}

describe("Snapshots", () => {
  it("takes a snapshot with a note, recorded as the user; lists it for every role", async () => {
    const co = await dashboardCompany();
    await client(co.apiKey).post("/v1/items", { name: "Widget", sku: "W-1", quantity: 3 });
    const { browser, userId } = await userWithRole(co, "member");
    const id = await take(browser, "Before stocktake");
    const api = (await client(co.apiKey).get(`/v1/snapshots/${id}`)).body;
    expect(api).toMatchObject({ type: "manual", status: "complete", item_count: 1, note: "Before stocktake", created_by: userId });
    const audit = await env.DB.prepare("SELECT action, user_id, api_key_id FROM audit_log WHERE resource_id = ?").bind(id).all();
    expect(audit.results).toEqual([{ action: "create", user_id: userId, api_key_id: null }]);
    const reader = (await userWithRole(co, "read_only")).browser;
    const list = await reader.get(SNAPSHOTS);
    expect(list.status).toBe(200);
    expect(list.html).toContain("Before stocktake");
    expect(list.html).not.toContain(`action="${SNAPSHOTS}"`);
    const page = await reader.get(`${SNAPSHOTS}/${id}`);
    expect(page.html).toContain(`${SNAPSHOTS}/${id}/download`);
    expect(page.html).not.toContain(`${SNAPSHOTS}/${id}/preview`);
  });

  it("shows a bad note beside the field, keeping it; the plan's daily limit as the API's", async () => {
    const co = await dashboardCompany("starter");
    const browser = await signedIn(co);
    const bad = await browser.post(SNAPSHOTS, { note: "x".repeat(501) });
    expect(bad.status).toBe(400);
    expect(fieldError(bad.html, "note")).toBe("Note must be at most 500 characters long.");
    expect(inputValue(bad.html, "note")).toBe("x".repeat(501));
    let answer;
    for (let i = 0; i < 3; i++) {
      answer = await browser.post(SNAPSHOTS, { note: `n${i}` });
      if (answer.status !== 303) break;
    }
    expect(answer!.status).toBe(429);
    expect(formError(answer!.html)).toMatch(/limit|snapshot/i);
  });

  it("downloads the blob as the API does", async () => {
    const co = await dashboardCompany();
    await client(co.apiKey).post("/v1/items", { name: "Widget", sku: "W-1", quantity: 3 });
    const browser = await signedIn(co);
    const id = await take(browser);
    const response = await (await import("cloudflare:workers")).exports.default.fetch(
      new Request(`https://api.test${SNAPSHOTS}/${id}/download`, { headers: { Cookie: `__Host-dashboard_session=${browser.cookie}` } }),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/gzip");
    expect(response.headers.get("content-disposition")).toBe(`attachment; filename="${id}.ndjson.gz"`);
    const lines = gunzipSync(Buffer.from(await response.arrayBuffer())).toString().trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[1]!)).toMatchObject({ sku: "W-1", quantity: 3 });
  });

  it("a dry run shows the diff and changes nothing; the restore then makes the items the snapshot's", async () => {
    const co = await dashboardCompany();
    const api = client(co.apiKey);
    const item = (await api.post("/v1/items", { name: "Widget", sku: "W-1", quantity: 3 })).body;
    const browser = await signedIn(co);
    const id = await take(browser);
    await api.post("/v1/transactions", { item_id: item.id, type: "receive", quantity: 5 });
    const extra = (await api.post("/v1/items", { name: "Later", sku: "L-1" })).body;

    const preview = await browser.get(`${SNAPSHOTS}/${id}/preview`);
    expect(preview.status).toBe(200);
    expect(preview.html).toContain("Dry run: nothing has changed.");
    expect(preview.html).toMatch(/<p class="stat-label">Updated<\/p><p class="stat-value">1<\/p>/);
    expect(preview.html).toMatch(/<p class="stat-label">To the trash<\/p><p class="stat-value">1<\/p>/);
    expect(preview.html).toContain(extra.id);
    expect((await api.get(`/v1/items/${item.id}`)).body.quantity).toBe(8);

    const restore = await browser.post(`${SNAPSHOTS}/${id}/restore`);
    expect(restore.status).toBe(303);
    expect(restore.location).toMatch(new RegExp(`^${SNAPSHOTS}/${id}/restores/rst_\\w+$`));
    let progress = await browser.get(restore.location!);
    for (let i = 0; i < 50 && !progress.html.includes('data-done="true"'); i++) progress = await browser.get(restore.location!);
    expect(progress.status).toBe(200);
    expect(progress.html).toContain('data-done="true"');
    expect(progress.html).toContain('<span class="badge badge-ok">complete</span>');
    expect(progress.html).toContain("The snapshot taken before this restore");
    expect((await api.get(`/v1/items/${item.id}`)).body.quantity).toBe(3);
    expect((await api.get(`/v1/items/${extra.id}`)).status).toBe(404);
    const ledger = await env.DB.prepare("SELECT type, quantity_change, user_id FROM transactions WHERE item_id = ? AND type = 'restore'").bind(item.id).all();
    expect(ledger.results).toEqual([{ type: "restore", quantity_change: -5, user_id: co.userId }]);
  });

  it("deletes a snapshot; 404 for another company's", async () => {
    const co = await dashboardCompany();
    const other = await dashboardCompany();
    const theirs = await take(await signedIn(other));
    const browser = await signedIn(co);
    const id = await take(browser);
    expect((await browser.get(`${SNAPSHOTS}/${theirs}`)).status).toBe(404);
    expect((await browser.get(`${SNAPSHOTS}/${theirs}/preview`)).status).toBe(404);
    expect((await browser.post(`${SNAPSHOTS}/${theirs}/restore`)).status).toBe(404);
    expect((await browser.post(`${SNAPSHOTS}/${theirs}/delete`)).status).toBe(404);
    expect((await browser.post(`${SNAPSHOTS}/${id}/delete`)).location).toBe(`${SNAPSHOTS}?notice=deleted`);
    expect((await client(co.apiKey).get(`/v1/snapshots/${id}`)).status).toBe(404);
    expect((await client(other.apiKey).get(`/v1/snapshots/${theirs}`)).status).toBe(200);
  });

  it("read_only is refused take, preview, restore and delete when forced (403); CSRF refused", async () => {
    const co = await dashboardCompany();
    const admin = await signedIn(co);
    const id = await take(admin);
    const { browser } = await userWithRole(co, "read_only");
    expect((await browser.post(SNAPSHOTS, { note: "" })).status).toBe(403);
    expect((await browser.get(`${SNAPSHOTS}/${id}/preview`)).status).toBe(403);
    expect((await browser.post(`${SNAPSHOTS}/${id}/restore`)).status).toBe(403);
    expect((await browser.post(`${SNAPSHOTS}/${id}/delete`)).status).toBe(403);
    expect((await admin.post(`${SNAPSHOTS}/${id}/restore`, {}, { Origin: "https://evil.example" })).status).toBe(403);
    expect((await client(co.apiKey).get("/v1/snapshots")).body.pagination.total).toBe(1);
  });
});
