// The overview: the company, its plan and counts (admins also see users and keys).
import { describe, expect, it } from "vitest";
import { dashboardCompany, givePassword, Browser, signedIn, TEST_PASSWORD } from "../helpers/dashboard.ts";
import { client } from "../helpers/http.ts";

const stat = (label: string, value: number) => `<p class="stat-label">${label}</p><p class="stat-value">${value}</p>`;

describe("GET /dashboard", () => {
  it("shows the company, plan and counts of items, low stock and open orders", async () => {
    const co = await dashboardCompany("enterprise");
    const api = client(co.apiKey);
    const low = await api.post("/v1/items", { name: "Bolt", sku: "B-1", quantity: 2, reorder_point: 5 });
    await api.post("/v1/items", { name: "Nut", sku: "N-1", quantity: 50, reorder_point: 5 });
    expect((await api.post("/v1/orders", { supplier: "Acme", currency: "EUR", line_items: [{ item_id: low.body.id, quantity_ordered: 10, unit_cost: 100 }] })).status).toBe(201);
    const browser = await signedIn(co);
    const home = await browser.get("/dashboard");
    expect(home.status).toBe(200);
    expect(home.html).toContain(`<h1>Co ${co.email}</h1>`);
    expect(home.html).toContain("Enterprise plan · signed in as Admin (admin)");
    expect(home.html).toContain(stat("Items in stock", 2));
    expect(home.html).toContain(stat("Below reorder point", 1));
    expect(home.html).toContain(stat("Open purchase orders", 1));
    expect(home.html).toContain(stat("Users", 1));
    expect(home.html).toContain(stat("Active API keys", 1));
  });

  it("leaves the admin counts out for other roles", async () => {
    const co = await dashboardCompany();
    const email = `member.${co.email}`;
    const created = await client(co.apiKey).post("/v1/users", { name: "Mem", email, role: "member" });
    await givePassword(created.body.id);
    const browser = new Browser();
    await browser.signIn(email, TEST_PASSWORD);
    const home = await browser.get("/dashboard");
    expect(home.html).toContain(stat("Items in stock", 0));
    expect(home.html).not.toContain("Active API keys");
    expect(home.html).not.toContain(`<p class="stat-label">Users</p>`);
  });
});
