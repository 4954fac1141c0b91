// Inventory pages: the list (filters, cursor paging, low stock marked), creating and editing an
// item, stock movements, the item's chart, transactions and audit trail. Every action is the API's:
// the same validation (beside the field, typed values kept), one ledger row and one audit entry
// with user_id set and api_key_id null, the item's events and their webhook dispatch.
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { SCRIPT_URL } from "../../src/dashboard/assets.ts";
import { forgetWebhookEndpoints } from "../../src/middleware/dispatch-events.ts";
import { Browser, dashboardCompany, fieldError, formError, givePassword, inputValue, signedIn, TEST_PASSWORD, type DashboardCompany } from "../helpers/dashboard.ts";
import { client } from "../helpers/http.ts";
import { deliveriesOf, insertEndpoint, receiver, stopReceiver } from "../helpers/webhooks.ts";

const INVENTORY = "/dashboard/inventory";

afterEach(() => stopReceiver());

async function userWithRole(co: DashboardCompany, role: "member" | "read_only") {
  const email = `${role}.${co.email}`;
  const created = await client(co.apiKey).post("/v1/users", { name: `A ${role}`, email, role });
  expect(created.status).toBe(201);
  await givePassword(created.body.id);
  const browser = new Browser();
  expect((await browser.signIn(email, TEST_PASSWORD)).location).toBe("/dashboard");
  return { browser, userId: created.body.id as string };
}

async function newItem(co: DashboardCompany, body: Record<string, unknown>) {
  const answer = await client(co.apiKey).post("/v1/items", body);
  expect(answer.status).toBe(201);
  return answer.body as { id: string; quantity: number; name: string };
}

async function item(co: DashboardCompany, id: string) {
  return (await client(co.apiKey).get(`/v1/items/${id}`)).body;
}

async function ledgerOf(itemId: string) {
  const { results } = await env.DB.prepare("SELECT type, quantity_change, quantity_after, reason, user_id FROM transactions WHERE item_id = ? ORDER BY seq")
    .bind(itemId)
    .all();
  return results;
}

async function auditOf(itemId: string) {
  const { results } = await env.DB.prepare("SELECT action, resource_type, user_id, api_key_id, transaction_id, changes FROM audit_log WHERE item_id = ? ORDER BY seq")
    .bind(itemId)
    .all<{ action: string; resource_type: string; user_id: string | null; api_key_id: string | null; transaction_id: string | null; changes: string }>();
  return results;
}

const rowsOf = (html: string) => [...html.matchAll(/<a href="\/dashboard\/inventory\/(item_[A-Za-z0-9]+)">/g)].map((m) => m[1]);

describe("Inventory list", () => {
  it("renders for each role; only roles that may create are offered New item", async () => {
    const co = await dashboardCompany();
    await newItem(co, { name: "Bolt", sku: "B-1", quantity: 5 });
    const admin = await signedIn(co);
    const member = (await userWithRole(co, "member")).browser;
    const reader = (await userWithRole(co, "read_only")).browser;
    for (const [browser, creates] of [[admin, true], [member, true], [reader, false]] as const) {
      const page = await browser.get(INVENTORY);
      expect(page.status).toBe(200);
      expect(page.html).toContain("Bolt");
      expect(page.html).toContain('<a href="/dashboard/inventory" aria-current="page">Inventory</a>');
      expect(page.html.includes(`href="${INVENTORY}/new"`)).toBe(creates);
    }
  });

  it("marks low-stock items and filters by search, location and low stock", async () => {
    const co = await dashboardCompany();
    const low = await newItem(co, { name: "Red widget", sku: "RW-1", quantity: 2, reorder_point: 5, location: "Shelf A" });
    const fine = await newItem(co, { name: "Blue gadget", sku: "BG-1", quantity: 9, reorder_point: 5, location: "Shelf B" });
    const browser = await signedIn(co);
    const all = await browser.get(INVENTORY);
    expect(all.html).toContain("Items (2)");
    expect(all.html).toMatch(new RegExp(`<tr class="row-low"><td><a href="${INVENTORY}/${low.id}">Red widget</a>.*?Low stock`));
    expect(all.html).not.toMatch(new RegExp(`<tr class="row-low"><td><a href="${INVENTORY}/${fine.id}"`));

    expect(rowsOf((await browser.get(`${INVENTORY}?low_stock=true`)).html)).toEqual([low.id]);
    expect(rowsOf((await browser.get(`${INVENTORY}?low_stock=false`)).html)).toEqual([fine.id]);
    expect(rowsOf((await browser.get(`${INVENTORY}?search=gadg`)).html)).toEqual([fine.id]);
    const shelf = await browser.get(`${INVENTORY}?location=shelf+a`);
    expect(rowsOf(shelf.html)).toEqual([low.id]);
    expect(shelf.html).toContain("Matching items (1)");
    expect(inputValue(shelf.html, "location")).toBe("shelf a");

    const long = await browser.get(`${INVENTORY}?search=${"x".repeat(101)}`);
    expect(long.status).toBe(400);
    expect(fieldError(long.html, "search")).toBe("Search must be at most 100 characters long.");
    expect(inputValue(long.html, "search")).toBe("x".repeat(101));
  });

  it("pages by cursor both ways, keeping the filters, as the API's list", async () => {
    const co = await dashboardCompany();
    const api = client(co.apiKey);
    for (let i = 0; i < 27; i++) await newItem(co, { name: `Part ${i}`, sku: `P-${i}`, location: "Bay" });
    const apiOrder = [
      ...(await api.get("/v1/items?limit=100")).body.data.map((i: { id: string }) => i.id),
    ];
    const browser = await signedIn(co);
    const first = await browser.get(`${INVENTORY}?location=Bay`);
    expect(rowsOf(first.html)).toEqual(apiOrder.slice(0, 25));
    expect(first.html).not.toContain('rel="prev"');
    const next = new RegExp(`href="${INVENTORY}\\?location=Bay&amp;starting_after=(item_[A-Za-z0-9]+)" rel="next"|rel="next" href="${INVENTORY}\\?location=Bay&amp;starting_after=(item_[A-Za-z0-9]+)"`).exec(first.html)!;
    const after = next[1] ?? next[2];
    expect(after).toBe(apiOrder[24]);
    const second = await browser.get(`${INVENTORY}?location=Bay&starting_after=${after}`);
    expect(rowsOf(second.html)).toEqual(apiOrder.slice(25));
    expect(second.html).not.toContain('rel="next"');
    expect(second.html).toContain(`rel="prev" href="${INVENTORY}?location=Bay&amp;ending_before=${apiOrder[25]}"`);
    const back = await browser.get(`${INVENTORY}?location=Bay&ending_before=${apiOrder[25]}`);
    expect(rowsOf(back.html)).toEqual(apiOrder.slice(0, 25));
    expect(back.html).not.toContain('rel="prev"');
  });
});

describe("Creating an item", () => {
  it("creates it as the API does: initial ledger row, one audit entry as the user with no key", async () => {
    const co = await dashboardCompany();
    const browser = await signedIn(co);
    expect((await browser.get(`${INVENTORY}/new`)).status).toBe(200);
    const answer = await browser.post(INVENTORY, { name: "Hex nut", sku: "HN-8", quantity: "40", location: "Bin 3", barcode: "", reorder_point: "10" });
    expect(answer.status).toBe(303);
    const id = /\/dashboard\/inventory\/(item_[A-Za-z0-9]+)\?notice=created$/.exec(answer.location!)![1]!;
    expect(await item(co, id)).toMatchObject({ name: "Hex nut", sku: "HN-8", quantity: 40, location: "Bin 3", barcode: null, reorder_point: 10 });
    expect(await ledgerOf(id)).toEqual([{ type: "initial", quantity_change: 40, quantity_after: 40, reason: null, user_id: co.userId }]);
    const audit = await auditOf(id);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: "create", resource_type: "item", user_id: co.userId, api_key_id: null });
    const shown = await browser.get(answer.location!);
    expect(shown.html).toContain("The item is created.");
  });

  it.each([
    [{ name: "Nut", sku: "N-1", quantity: "ten" }, "quantity", "Quantity must be a whole number, such as 12."],
    [{ name: "Nut", sku: "N-1", quantity: "-4" }, "quantity", "Quantity must be at least 0."],
    [{ name: "", sku: "N-1", quantity: "1" }, "name", "Name must be at least 1 character long."],
    [{ name: "Nut", sku: "bad sku!", quantity: "1" }, "sku", "SKU may only contain letters, digits, '.', '_' and '-'."],
    [{ name: "Nut", sku: "N-1", quantity: "1", reorder_point: "1.5" }, "reorder_point", "Reorder point must be a whole number, such as 12."],
  ])("refuses %j beside the field, keeping what was typed", async (form, field, message) => {
    const co = await dashboardCompany();
    const browser = await signedIn(co);
    const answer = await browser.post(INVENTORY, { location: "Kept", barcode: "", reorder_point: "", ...form });
    expect(answer.status).toBe(400);
    expect(fieldError(answer.html, field)).toBe(message);
    for (const [name, value] of Object.entries(form)) expect(inputValue(answer.html, name)).toBe(value);
    expect(inputValue(answer.html, "location")).toBe("Kept");
    expect((await client(co.apiKey).get("/v1/items")).body.pagination.total).toBe(0);
  });

  it("shows a taken SKU beside the SKU field (the domain's error)", async () => {
    const co = await dashboardCompany();
    await newItem(co, { name: "First", sku: "DUP-1" });
    const browser = await signedIn(co);
    const answer = await browser.post(INVENTORY, { name: "Second", sku: "dup-1", quantity: "0", location: "", barcode: "", reorder_point: "" });
    expect(answer.status).toBe(409);
    expect(fieldError(answer.html, "sku")).toBe("Another live item already has this SKU.");
    expect(inputValue(answer.html, "name")).toBe("Second");
  });
});

describe("An item's page", () => {
  it("shows its fields, chart points from the ledger, transactions and audit trail", async () => {
    const co = await dashboardCompany();
    const it = await newItem(co, { name: "Gear", sku: "G-1", quantity: 10, reorder_point: 4 });
    await client(co.apiKey).post("/v1/transactions", { item_id: it.id, type: "issue", quantity: 3 });
    await client(co.apiKey).post("/v1/transactions", { item_id: it.id, type: "receive", quantity: 5 });
    const browser = await signedIn(co);
    const page = await browser.get(`${INVENTORY}/${it.id}`);
    expect(page.status).toBe(200);
    expect(inputValue(page.html, "name")).toBe("Gear");
    expect(inputValue(page.html, "reorder_point")).toBe("4");
    expect(page.html).toContain('<p class="stat-value" id="item-quantity">12</p>');
    expect(page.html).toContain('<svg viewBox="0 0 640 200" role="img"');
    expect([...page.html.matchAll(/<circle class="chart-point"/g)]).toHaveLength(3);
    expect(page.html).toContain("reorder point 4");
    expect(page.html).toMatch(/data-label="[^"]*: issue -3, stock 7"/);
    expect(page.html).toContain("<td>issue</td><td class=\"num\">−3</td>");
    expect(page.html).toContain("<td>create</td><td>Created</td>");
    expect(page.html).toContain("quantity: 7 → 12");
    // No inline script: the hover is the bundled script's.
    expect(page.html).not.toMatch(/<script>|<script [^>]*>[^<]/);
    const script = await browser.get(SCRIPT_URL);
    expect(script.html).toContain("[data-chart]");
  });

  it("is 404 for another company's item and for a trashed one", async () => {
    const co = await dashboardCompany();
    const other = await dashboardCompany();
    const foreign = await newItem(other, { name: "Theirs", sku: "T-1" });
    const trashed = await newItem(co, { name: "Gone", sku: "GN-1" });
    await client(co.apiKey).delete(`/v1/items/${trashed.id}`);
    const browser = await signedIn(co);
    for (const id of [foreign.id, trashed.id]) {
      const page = await browser.get(`${INVENTORY}/${id}`);
      expect(page.status).toBe(404);
      expect(page.html).toContain("No such item");
      expect((await browser.post(`${INVENTORY}/${id}/stock`, { type: "receive", quantity: "1" })).status).toBe(404);
    }
    expect((await item(other, foreign.id)).quantity).toBe(0);
  });

  it("read_only sees the item without the forms, and is refused every action when forced (403)", async () => {
    const co = await dashboardCompany();
    const it = await newItem(co, { name: "Cog", sku: "C-1", quantity: 3 });
    const { browser } = await userWithRole(co, "read_only");
    const page = await browser.get(`${INVENTORY}/${it.id}`);
    expect(page.status).toBe(200);
    expect(page.html).toContain("Cog");
    expect(page.html).not.toContain(`action="${INVENTORY}/${it.id}/stock"`);
    expect(page.html).not.toContain(`action="${INVENTORY}/${it.id}"`);
    expect(page.html).not.toContain("<form class=\"stack\"");
    for (const [path, form] of [
      [`${INVENTORY}/${it.id}/stock`, { type: "issue", quantity: "1" }],
      [`${INVENTORY}/${it.id}`, { name: "Renamed", sku: "C-1" }],
      [INVENTORY, { name: "New", sku: "NEW-1", quantity: "1" }],
    ] as const) {
      const answer = await browser.post(path, form);
      expect(answer.status).toBe(403);
      expect(answer.html).toContain("Not available for your role");
    }
    expect((await browser.get(`${INVENTORY}/new`)).status).toBe(403);
    expect(await item(co, it.id)).toMatchObject({ name: "Cog", quantity: 3 });
    expect((await client(co.apiKey).get("/v1/items")).body.pagination.total).toBe(1);
  });

  it("refuses a stock form from another origin (CSRF), recording nothing", async () => {
    const co = await dashboardCompany();
    const it = await newItem(co, { name: "Cog", sku: "C-1", quantity: 3 });
    const browser = await signedIn(co);
    const answer = await browser.post(`${INVENTORY}/${it.id}/stock`, { type: "issue", quantity: "1" }, { Origin: "https://evil.example" });
    expect(answer.status).toBe(403);
    expect(answer.html).toContain("Request refused");
    expect(await ledgerOf(it.id)).toHaveLength(1);
  });
});

describe("Stock movements", () => {
  it("an issue below the reorder point marks the item low: one ledger row, one audit entry as the user", async () => {
    const co = await dashboardCompany();
    const it = await newItem(co, { name: "Valve", sku: "V-1", quantity: 10, reorder_point: 5 });
    const { browser, userId } = await userWithRole(co, "member");
    const before = await auditOf(it.id);
    const answer = await browser.post(`${INVENTORY}/${it.id}/stock`, { type: "issue", quantity: "7", reason: "", reference: "SO-9", note: "" });
    expect(answer.status).toBe(303);
    expect(answer.location).toBe(`${INVENTORY}/${it.id}?notice=recorded`);
    expect(await item(co, it.id)).toMatchObject({ quantity: 3 });
    const ledger = await ledgerOf(it.id);
    expect(ledger).toHaveLength(2);
    expect(ledger[1]).toEqual({ type: "issue", quantity_change: -7, quantity_after: 3, reason: null, user_id: userId });
    const audit = await auditOf(it.id);
    expect(audit).toHaveLength(before.length + 1);
    expect(audit.at(-1)).toMatchObject({ action: "update", user_id: userId, api_key_id: null, transaction_id: expect.stringMatching(/^txn_/) });
    expect(JSON.parse(audit.at(-1)!.changes)).toEqual({ quantity: { from: 10, to: 3 } });

    const page = await browser.get(answer.location!);
    expect(page.html).toContain("The stock movement is recorded.");
    expect(page.html).toContain('<span class="badge badge-warn badge-large">Low stock</span>');
    expect(page.html).toContain("Below the reorder point of 5");
    const list = await browser.get(`${INVENTORY}?low_stock=true`);
    expect(rowsOf(list.html)).toEqual([it.id]);
  });

  it("receive, adjust with a reason and count, each as the API records it", async () => {
    const co = await dashboardCompany();
    const it = await newItem(co, { name: "Pipe", sku: "PI-1", quantity: 4 });
    const browser = await signedIn(co);
    for (const form of [
      { type: "receive", quantity: "6", reason: "" },
      { type: "adjust", quantity: "-2", reason: "damaged" },
      { type: "count", quantity: "5", reason: "" },
    ]) {
      expect((await browser.post(`${INVENTORY}/${it.id}/stock`, form)).status).toBe(303);
    }
    expect((await ledgerOf(it.id)).map((row) => [row.type, row.quantity_change, row.quantity_after, row.reason])).toEqual([
      ["initial", 4, 4, null],
      ["receive", 6, 10, null],
      ["adjust", -2, 8, "damaged"],
      ["count", -3, 5, null],
    ]);
  });

  it.each([
    [{ type: "issue", quantity: "abc" }, "quantity", "Quantity must be a whole number, such as 12.", 400],
    [{ type: "issue", quantity: "" }, "quantity", "Quantity is required.", 400],
    [{ type: "issue", quantity: "0" }, "quantity", "Quantity must be a positive integer for issue.", 400],
    [{ type: "adjust", quantity: "-1" }, "reason", "Reason is required for adjust.", 400],
    [{ type: "count", quantity: "-1" }, "quantity", "Quantity must be 0 or more for count.", 400],
    [{ type: "issue", quantity: "50" }, "quantity", undefined, 409],
  ])("refuses %j beside the field, keeping what was typed, recording nothing", async (form, field, message, status) => {
    const co = await dashboardCompany();
    const it = await newItem(co, { name: "Pipe", sku: "PI-1", quantity: 4 });
    const browser = await signedIn(co);
    const answer = await browser.post(`${INVENTORY}/${it.id}/stock`, { reason: "", note: "kept note", reference: "", ...form });
    expect(answer.status).toBe(status);
    const error = fieldError(answer.html, field);
    if (message) expect(error).toBe(message);
    else expect(error).toMatch(/4/); // insufficient stock: the message says the current quantity
    expect(inputValue(answer.html, "quantity")).toBe(form.quantity);
    expect(inputValue(answer.html, "note")).toBe("kept note");
    expect(answer.html).toMatch(new RegExp(`<option value="${form.type}" selected="">`));
    expect(formError(answer.html)).toBeNull();
    expect(await ledgerOf(it.id)).toHaveLength(1);
    expect((await item(co, it.id)).quantity).toBe(4);
  });

  it("dispatches the change's events to the company's webhooks, as the API's change does", async () => {
    const co = await dashboardCompany();
    const it = await newItem(co, { name: "Hose", sku: "HO-1", quantity: 4 });
    await insertEndpoint(co.companyId, { events: ["transaction.created"] });
    forgetWebhookEndpoints(co.companyId); // the item's creation above cached "no endpoint" for a second
    receiver();
    const browser = await signedIn(co);
    expect((await browser.post(`${INVENTORY}/${it.id}/stock`, { type: "receive", quantity: "2" })).status).toBe(303);
    const event = await env.DB.prepare("SELECT id FROM events WHERE company_id = ? AND type = 'transaction.created' ORDER BY sequence DESC LIMIT 1")
      .bind(co.companyId)
      .first<{ id: string }>();
    await expect.poll(async () => (await deliveriesOf(event!.id)).length, { timeout: 10_000, interval: 50 }).toBe(1);
  }, 20_000);
});

describe("Editing an item", () => {
  it("saves the changes (clearing an optional field) with one audit entry naming the fields", async () => {
    const co = await dashboardCompany();
    const it = await newItem(co, { name: "Lamp", sku: "L-1", quantity: 2, location: "Top", reorder_point: 1 });
    const browser = await signedIn(co);
    const answer = await browser.post(`${INVENTORY}/${it.id}`, { name: "Desk lamp", sku: "L-1", location: "", barcode: "", reorder_point: "3" });
    expect(answer.status).toBe(303);
    expect(await item(co, it.id)).toMatchObject({ name: "Desk lamp", location: null, reorder_point: 3, quantity: 2 });
    const audit = await auditOf(it.id);
    expect(audit.at(-1)).toMatchObject({ action: "update", user_id: co.userId, api_key_id: null });
    expect(JSON.parse(audit.at(-1)!.changes)).toEqual({ name: { from: "Lamp", to: "Desk lamp" }, location: { from: "Top", to: null }, reorder_point: { from: 1, to: 3 } });
  });

  it("shows errors beside the fields with the typed values kept", async () => {
    const co = await dashboardCompany();
    await newItem(co, { name: "Other", sku: "O-1" });
    const it = await newItem(co, { name: "Lamp", sku: "L-1" });
    const browser = await signedIn(co);
    const bad = await browser.post(`${INVENTORY}/${it.id}`, { name: "Lamp 2", sku: "L-1", location: "", barcode: "", reorder_point: "lots" });
    expect(bad.status).toBe(400);
    expect(fieldError(bad.html, "reorder_point")).toBe("Reorder point must be a whole number, such as 12.");
    expect(inputValue(bad.html, "reorder_point")).toBe("lots");
    expect(inputValue(bad.html, "name")).toBe("Lamp 2");
    const taken = await browser.post(`${INVENTORY}/${it.id}`, { name: "Lamp", sku: "o-1", location: "", barcode: "", reorder_point: "" });
    expect(taken.status).toBe(409);
    expect(fieldError(taken.html, "sku")).toBe("Another live item already has this SKU.");
    expect(inputValue(taken.html, "sku")).toBe("o-1");
    expect(await item(co, it.id)).toMatchObject({ name: "Lamp", sku: "L-1" });
  });
});
