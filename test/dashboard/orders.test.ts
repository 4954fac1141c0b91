// Purchase orders in the dashboard: the list (status filter, paging), create and edit a draft
// (lines by SKU, each error beside its field with the typed values kept), submit, receive per line
// and all, cancel: the API's rules, ledger rows with order_id, audit entries as the user; roles.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { Browser, dashboardCompany, fieldError, formError, givePassword, inputValue, signedIn, TEST_PASSWORD, type DashboardCompany } from "../helpers/dashboard.ts";
import { client } from "../helpers/http.ts";

const ORDERS = "/dashboard/orders";

async function userWithRole(co: DashboardCompany, role: "member" | "read_only") {
  const email = `${role}.${co.email}`;
  const created = await client(co.apiKey).post("/v1/users", { name: `A ${role}`, email, role });
  expect(created.status).toBe(201);
  await givePassword(created.body.id);
  const browser = new Browser();
  expect((await browser.signIn(email, TEST_PASSWORD)).location).toBe("/dashboard");
  return { browser, userId: created.body.id as string };
}

async function withItems(co: DashboardCompany) {
  const api = client(co.apiKey);
  const a = (await api.post("/v1/items", { name: "Alpha", sku: "AL-1", quantity: 1 })).body;
  const b = (await api.post("/v1/items", { name: "Beta", sku: "BE-1" })).body;
  return { a, b };
}

const order = async (co: DashboardCompany, id: string) => (await client(co.apiKey).get(`/v1/orders/${id}`)).body;

const form = (extra: Record<string, string> = {}) => ({
  supplier: "Acme",
  currency: "USD",
  expected_at: "",
  notes: "",
  line0_sku: "al-1",
  line0_quantity_ordered: "10",
  line0_unit_cost: "250",
  line1_sku: "",
  line1_quantity_ordered: "",
  line1_unit_cost: "",
  line2_sku: "BE-1",
  line2_quantity_ordered: "4",
  line2_unit_cost: "100",
  ...extra,
});

async function created(browser: Browser, extra: Record<string, string> = {}) {
  const answer = await browser.post(ORDERS, form(extra));
  expect(answer.status, answer.html).toBe(303);
  return /\/dashboard\/orders\/(po_[A-Za-z0-9]+)\?notice=created$/.exec(answer.location!)![1]!;
}

describe("Purchase orders", () => {
  it("lists orders for every role, with a status filter; only roles that may create are offered New order", async () => {
    const co = await dashboardCompany();
    await withItems(co);
    const admin = await signedIn(co);
    const draft = await created(admin);
    const submitted = await created(admin, { supplier: "Bolt Co" });
    expect((await admin.post(`${ORDERS}/${submitted}/submit`)).status).toBe(303);
    const reader = (await userWithRole(co, "read_only")).browser;
    for (const [browser, creates] of [[admin, true], [reader, false]] as const) {
      const page = await browser.get(ORDERS);
      expect(page.status).toBe(200);
      expect(page.html).toContain("Orders (2)");
      expect(page.html.includes(`href="${ORDERS}/new"`)).toBe(creates);
    }
    const onlyDrafts = await admin.get(`${ORDERS}?status=draft`);
    expect(onlyDrafts.html).toContain(`${ORDERS}/${draft}`);
    expect(onlyDrafts.html).not.toContain(`${ORDERS}/${submitted}`);
    expect(onlyDrafts.html).toContain("Matching orders (1)");
  });

  it("creates a draft from the rows filled in (SKUs any case), as the API: one audit entry as the user", async () => {
    const co = await dashboardCompany();
    const { a, b } = await withItems(co);
    const browser = await signedIn(co);
    expect((await browser.get(`${ORDERS}/new`)).status).toBe(200);
    const id = await created(browser, { notes: "Dock 3", expected_at: "2031-05-01" });
    expect(await order(co, id)).toMatchObject({
      supplier: "Acme",
      status: "draft",
      currency: "USD",
      notes: "Dock 3",
      expected_at: "2031-05-01",
      total_cost: 2900,
      line_items: [
        { item_id: a.id, quantity_ordered: 10, unit_cost: 250, quantity_received: 0 },
        { item_id: b.id, quantity_ordered: 4, unit_cost: 100, quantity_received: 0 },
      ],
    });
    const audit = await env.DB.prepare("SELECT action, user_id, api_key_id FROM audit_log WHERE resource_id = ?").bind(id).all();
    expect(audit.results).toEqual([{ action: "create", user_id: co.userId, api_key_id: null }]);
    const page = await browser.get(`${ORDERS}/${id}`);
    expect(page.html).toContain("Alpha (AL-1)");
    expect(page.html).toContain("29.00 USD");
  });

  it.each([
    [{ supplier: "" }, "supplier", "Supplier must be at least 1 character long."],
    [{ currency: "usd" }, "currency", "Currency must be a three-letter ISO 4217 currency code in capitals, such as USD."],
    [{ line2_quantity_ordered: "four" }, "line2_quantity_ordered", "Quantity must be a whole number, such as 12."],
    [{ line2_quantity_ordered: "0" }, "line2_quantity_ordered", "Quantity must be at least 1."],
    [{ line0_unit_cost: "2.50" }, "line0_unit_cost", "Unit cost must be a whole number of minor units, such as 1250."],
    [{ line2_sku: "NOPE-9" }, "line2_sku", "No live item has this SKU."],
    [{ line2_sku: "AL-1" }, "line2_sku", "SKU names an item already on the order."],
    [{ line0_sku: "", line0_quantity_ordered: "", line0_unit_cost: "", line2_sku: "", line2_quantity_ordered: "", line2_unit_cost: "" }, "line_items", "Add at least one line: an item's SKU, a quantity and a unit cost."],
  ])("refuses %j beside the field, keeping what was typed", async (change, field, message) => {
    const co = await dashboardCompany();
    await withItems(co);
    const browser = await signedIn(co);
    const answer = await browser.post(ORDERS, form(change));
    expect(answer.status).toBe(400);
    expect(fieldError(answer.html, field)).toBe(message);
    for (const [name, value] of Object.entries(form(change))) if (name !== "expected_at") expect(inputValue(answer.html, name)).toBe(value);
    expect((await client(co.apiKey).get("/v1/orders")).body.pagination.total).toBe(0);
  });

  it("edits a draft (lines replaced), then submit; a submitted order is not editable", async () => {
    const co = await dashboardCompany();
    const { b } = await withItems(co);
    const browser = await signedIn(co);
    const id = await created(browser);
    const edit = await browser.get(`${ORDERS}/${id}/edit`);
    expect(inputValue(edit.html, "line0_sku")).toBe("AL-1");
    expect(inputValue(edit.html, "line1_quantity_ordered")).toBe("4");
    const saved = await browser.post(`${ORDERS}/${id}`, {
      supplier: "Acme Ltd",
      currency: "EUR",
      expected_at: "",
      notes: "",
      line0_sku: "BE-1",
      line0_quantity_ordered: "7",
      line0_unit_cost: "300",
      line1_sku: "",
      line1_quantity_ordered: "",
      line1_unit_cost: "",
    });
    expect(saved.status).toBe(303);
    expect(await order(co, id)).toMatchObject({ supplier: "Acme Ltd", currency: "EUR", line_items: [{ item_id: b.id, quantity_ordered: 7, unit_cost: 300 }] });
    expect((await browser.post(`${ORDERS}/${id}/submit`)).location).toBe(`${ORDERS}/${id}?notice=submitted`);
    expect((await order(co, id)).status).toBe("submitted");
    const again = await browser.post(`${ORDERS}/${id}`, form());
    expect(again.status).toBe(409);
    expect(formError(again.html)).toMatch(/PO-\d{6}/);
    expect((await browser.post(`${ORDERS}/${id}/submit`)).status).toBe(409);
  });

  it("receives per line then all outstanding: receive transactions with order_id, status moving on", async () => {
    const co = await dashboardCompany();
    const { a, b } = await withItems(co);
    const { browser, userId } = await userWithRole(co, "member");
    const id = await created(browser);
    await browser.post(`${ORDERS}/${id}/submit`);
    const [lineA, lineB] = (await order(co, id)).line_items;

    const bad = await browser.post(`${ORDERS}/${id}/receive`, { mode: "lines", [`receive_${lineA.id}`]: "x", [`receive_${lineB.id}`]: "" });
    expect(bad.status).toBe(400);
    expect(fieldError(bad.html, `receive_${lineA.id}`)).toBe("Quantity must be a whole number, such as 12.");
    const tooMany = await browser.post(`${ORDERS}/${id}/receive`, { mode: "lines", [`receive_${lineA.id}`]: "3", [`receive_${lineB.id}`]: "9" });
    expect(tooMany.status).toBe(409);
    expect(fieldError(tooMany.html, `receive_${lineB.id}`)).toMatch(/outstanding|more/);
    expect(tooMany.html).toContain(`value="9"`);

    const part = await browser.post(`${ORDERS}/${id}/receive`, { mode: "lines", [`receive_${lineA.id}`]: "3", [`receive_${lineB.id}`]: "" });
    expect(part.status).toBe(303);
    expect((await order(co, id)).status).toBe("partially_received");
    const all = await browser.post(`${ORDERS}/${id}/receive`, { mode: "all" });
    expect(all.status).toBe(303);
    expect((await order(co, id)).status).toBe("received");
    const ledger = await env.DB.prepare("SELECT item_id, type, quantity_change, order_id, user_id FROM transactions WHERE order_id = ? ORDER BY created_at, id").bind(id).all();
    // The last receipt's two rows share their time: compared as a set.
    expect(ledger.results).toHaveLength(3);
    expect(ledger.results[0]).toEqual({ item_id: a.id, type: "receive", quantity_change: 3, order_id: id, user_id: userId });
    expect(ledger.results).toEqual(expect.arrayContaining([
      { item_id: a.id, type: "receive", quantity_change: 3, order_id: id, user_id: userId },
      { item_id: a.id, type: "receive", quantity_change: 7, order_id: id, user_id: userId },
      { item_id: b.id, type: "receive", quantity_change: 4, order_id: id, user_id: userId },
    ]));
    expect((await client(co.apiKey).get(`/v1/items/${a.id}`)).body.quantity).toBe(11);
  });

  it("cancels a draft; a received order cannot be cancelled", async () => {
    const co = await dashboardCompany();
    await withItems(co);
    const browser = await signedIn(co);
    const id = await created(browser);
    expect((await browser.post(`${ORDERS}/${id}/cancel`)).location).toBe(`${ORDERS}/${id}?notice=cancelled`);
    expect((await order(co, id)).status).toBe("cancelled");
    const page = await browser.get(`${ORDERS}/${id}`);
    expect(page.html).not.toContain(`action="${ORDERS}/${id}/cancel"`);
    expect((await browser.post(`${ORDERS}/${id}/cancel`)).status).toBe(409);
  });

  it("read_only sees an order without actions and is refused each when forced (403); CSRF refused", async () => {
    const co = await dashboardCompany();
    await withItems(co);
    const admin = await signedIn(co);
    const id = await created(admin);
    const { browser } = await userWithRole(co, "read_only");
    const page = await browser.get(`${ORDERS}/${id}`);
    expect(page.status).toBe(200);
    expect(page.html).not.toContain(`action="${ORDERS}/${id}/submit"`);
    expect(page.html).not.toContain(`${ORDERS}/${id}/edit`);
    for (const path of [ORDERS, `${ORDERS}/${id}`, `${ORDERS}/${id}/submit`, `${ORDERS}/${id}/cancel`, `${ORDERS}/${id}/receive`]) {
      expect((await browser.post(path, form())).status).toBe(403);
    }
    expect((await browser.get(`${ORDERS}/new`)).status).toBe(403);
    expect((await admin.post(`${ORDERS}/${id}/submit`, {}, { Origin: "https://evil.example" })).status).toBe(403);
    expect((await order(co, id)).status).toBe("draft");
    expect((await client(co.apiKey).get("/v1/orders")).body.pagination.total).toBe(1);
  });

  it("is 404 for another company's order", async () => {
    const co = await dashboardCompany();
    const other = await dashboardCompany();
    await withItems(other);
    const theirs = await created(await signedIn(other));
    const browser = await signedIn(co);
    expect((await browser.get(`${ORDERS}/${theirs}`)).status).toBe(404);
    expect((await browser.post(`${ORDERS}/${theirs}/cancel`)).status).toBe(404);
    expect((await order(other, theirs)).status).toBe("draft");
  });
});
