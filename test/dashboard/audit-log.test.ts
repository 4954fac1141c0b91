// The audit log page: the API's list with its filters (action, item, user, since) and cursor
// paging; entries of admin-only resources left out for other roles; read-only for every role.
import { describe, expect, it } from "vitest";
import { setClock } from "../../src/lib/clock.ts";
import { Browser, dashboardCompany, fieldError, givePassword, inputValue, signedIn, TEST_PASSWORD, type DashboardCompany } from "../helpers/dashboard.ts";
import { client } from "../helpers/http.ts";

const AUDIT = "/dashboard/audit-log";

async function userWithRole(co: DashboardCompany, role: "member" | "read_only") {
  const email = `${role}.${co.email}`;
  const created = await client(co.apiKey).post("/v1/users", { name: `A ${role}`, email, role });
  expect(created.status).toBe(201);
  await givePassword(created.body.id);
  const browser = new Browser();
  expect((await browser.signIn(email, TEST_PASSWORD)).location).toBe("/dashboard");
  return { browser, userId: created.body.id as string };
}

const entryIds = async (co: DashboardCompany, query: string) =>
  (await client(co.apiKey).get(`/v1/audit_log?limit=100${query}`)).body.data.map((e: { resource_id: string }) => e.resource_id) as string[];

describe("Audit log", () => {
  it("shows each role the entries the API shows it: users' entries only to admins", async () => {
    const co = await dashboardCompany();
    const item = (await client(co.apiKey).post("/v1/items", { name: "Widget", sku: "W-1" })).body;
    const admin = await signedIn(co);
    const { browser: reader, userId } = await userWithRole(co, "read_only");
    const adminPage = await admin.get(AUDIT);
    expect(adminPage.status).toBe(200);
    expect(adminPage.html).toContain(`<a class="mono" href="/dashboard/inventory/${item.id}">${item.id}</a>`);
    expect(adminPage.html).toContain(userId); // the read_only user's creation
    const readerPage = await reader.get(AUDIT);
    expect(readerPage.status).toBe(200);
    expect(readerPage.html).toContain(item.id);
    expect(readerPage.html).not.toContain(`<span class="mono">${userId}</span>`);
    expect(readerPage.html).toContain("Entries (1)");
    expect(readerPage.html).toContain('aria-current="page">Audit log</a>');
  });

  it("filters by action, item, user and since, as the API's list does", async () => {
    const co = await dashboardCompany();
    const api = client(co.apiKey);
    setClock(() => Date.parse("2031-03-01T10:00:00.000Z"));
    let a: { id: string };
    try {
      a = (await api.post("/v1/items", { name: "A", sku: "A-1" })).body;
    } finally {
      setClock(null);
    }
    const b = (await api.post("/v1/items", { name: "B", sku: "B-1" })).body;
    await api.patch(`/v1/items/${b.id}`, { name: "B2" });
    const browser = await signedIn(co);
    const ids = (html: string) => [...html.matchAll(/<tr><td>[^<]*<\/td><td>(\w+)<\/td><td>item <a class="mono" href="[^"]*">(item_\w+)<\/a>/g)].map((m) => `${m[1]} ${m[2]}`);
    expect(ids((await browser.get(`${AUDIT}?action=update`)).html)).toEqual([`update ${b.id}`]);
    expect(ids((await browser.get(`${AUDIT}?item_id=${b.id}`)).html)).toEqual([`update ${b.id}`, `create ${b.id}`]);
    const since = await browser.get(`${AUDIT}?since=2031-03-01`);
    expect(ids(since.html)).toEqual((await entryIds(co, "&since=2031-03-01T00:00:00Z")).map((id) => `create ${id}`));
    expect(ids(since.html)).toEqual([`create ${a!.id}`]);
    expect((await browser.get(`${AUDIT}?user_id=${co.userId}&action=create`)).html).toContain(b.id);
    expect(ids((await browser.get(`${AUDIT}?user_id=user_nobody`)).html)).toEqual([]);
    expect(inputValue(since.html, "since")).toBe("2031-03-01");
  });

  it("shows a bad filter beside its field, keeping it", async () => {
    const co = await dashboardCompany();
    const browser = await signedIn(co);
    const answer = await browser.get(`${AUDIT}?since=yesterday&item_id=not%20an%20id`);
    expect(answer.status).toBe(400);
    expect(fieldError(answer.html, "since")).toBe("Since must be a date such as 2030-01-15.");
    expect(fieldError(answer.html, "item_id")).toBe("Item id must be an id such as item_3hK9pQ2vX8mN4rT6wY1zB5cD.");
    expect(inputValue(answer.html, "since")).toBe("yesterday");
  });

  it("pages by cursor as the API's list", async () => {
    const co = await dashboardCompany();
    const api = client(co.apiKey);
    for (let i = 0; i < 26; i++) await api.post("/v1/items", { name: `I${i}`, sku: `I-${i}` });
    const order = await entryIds(co, "&action=create");
    const browser = await signedIn(co);
    const first = await browser.get(`${AUDIT}?action=create`);
    const shown = (html: string) => [...html.matchAll(/href="\/dashboard\/inventory\/(item_\w+)"/g)].map((m) => m[1]);
    expect(shown(first.html)).toEqual(order.slice(0, 25));
    const next = /href="([^"]+)" rel="next"|rel="next" href="([^"]+)"/.exec(first.html)!;
    const second = await browser.get((next[1] ?? next[2])!.replaceAll("&amp;", "&"));
    expect(shown(second.html)).toEqual(order.slice(25));
  });
});
