// "Case-insensitive" folds Unicode case, not ASCII only: for the location and supplier filters and
// for the uniqueness of emails.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { foldCase } from "../../src/lib/case-fold.ts";
import { createCompany } from "../helpers/factories.ts";
import { client, expectApiError } from "../helpers/http.ts";
import { createItem, ids, listItems } from "../helpers/items.ts";
import { createOrder } from "../helpers/orders.ts";

describe("foldCase", () => {
  it.each([
    ["Überlager Süd", "überlager süd"],
    ["ÜBERLAGER SÜD", "überlager süd"],
    ["Straße", "strasse"],
    ["STRASSE", "strasse"],
    ["U\u0308ber", "über"],
    ["Warehouse A", "warehouse a"],
  ])("%s → %s", (value, key) => {
    expect(foldCase(value)).toBe(key);
  });

  it("gives a Greek word one key in capitals and in small letters, final sigma included", () => {
    expect(foldCase("ΟΔΟΣ")).toBe(foldCase("οδος"));
    expect(foldCase("ΟΔΌΣ")).toBe(foldCase("Οδός"));
  });
});

describe("the location filter", () => {
  it("finds an item whatever the case of its non-ASCII letters, and only it", async () => {
    const api = client((await createCompany()).apiKey);
    const sued = await createItem(api, { location: "Überlager Süd" });
    const strasse = await createItem(api, { location: "Lager Hauptstraße" });
    await createItem(api, { location: "Überlager Nord" });

    for (const location of ["überlager süd", "ÜBERLAGER SÜD", "Überlager Süd", "U\u0308berlager Su\u0308d"]) {
      const response = await listItems(api, { location });
      expect(ids(response), location).toEqual([sued.id]);
      expect(response.body.pagination.total).toBe(1);
    }
    expect(ids(await listItems(api, { location: "LAGER HAUPTSTRASSE" }))).toEqual([strasse.id]);
    // The answer shows the location exactly as stored.
    expect((await listItems(api, { location: "überlager süd" })).body.data[0].location).toBe("Überlager Süd");
  });

  it("follows a PATCH of the location and its clearing", async () => {
    const api = client((await createCompany()).apiKey);
    const item = await createItem(api, { location: "Überlager Süd" });
    expect((await api.patch(`/v1/items/${item.id}`, { location: "Ölkeller" })).status).toBe(200);
    expect(ids(await listItems(api, { location: "ÖLKELLER" }))).toEqual([item.id]);
    expect(ids(await listItems(api, { location: "überlager süd" }))).toEqual([]);
    expect((await api.patch(`/v1/items/${item.id}`, { location: null })).status).toBe(200);
    expect(ids(await listItems(api, { location: "ölkeller" }))).toEqual([]);
  });

  it("is served by the location index", async () => {
    const company = await createCompany();
    await createItem(client(company.apiKey), { location: "Überlager Süd" });
    const plan = await env.DB.prepare(
      "EXPLAIN QUERY PLAN SELECT id FROM items WHERE company_id = ? AND deleted_at IS NULL AND location_key = ? ORDER BY created_at DESC, id DESC",
    )
      .bind(company.companyId, foldCase("ÜBERLAGER SÜD"))
      .all<{ detail: string }>();
    expect(plan.results.map((r) => r.detail).join("\n")).toMatch(/USING (COVERING )?INDEX items_live_location/);
  });
});

describe("the supplier filter", () => {
  it("finds an order whatever the case of its non-ASCII letters, also after a PATCH", async () => {
    const api = client((await createCompany()).apiKey);
    const item = await createItem(api);
    const line = [{ item_id: item.id, quantity_ordered: 1, unit_cost: 100 }];
    const mueller = await createOrder(api, { supplier: "Müller GmbH", line_items: line });
    await createOrder(api, { supplier: "Mueller GmbH", line_items: line });

    const bySupplier = async (supplier: string) =>
      (await api.get(`/v1/orders?supplier=${encodeURIComponent(supplier)}`)).body.data.map((o: { id: string }) => o.id);
    expect(await bySupplier("MÜLLER GMBH")).toEqual([mueller.id]);
    expect(await bySupplier("müller gmbh")).toEqual([mueller.id]);

    expect((await api.patch(`/v1/orders/${mueller.id}`, { supplier: "Größer AG" })).status).toBe(200);
    expect(await bySupplier("GRÖSSER AG")).toEqual([mueller.id]);
    expect(await bySupplier("müller gmbh")).toEqual([]);
  });
});

describe("email uniqueness", () => {
  it("takes internationalised addresses and refuses one that differs only in case, in any script", async () => {
    const api = client((await createCompany("enterprise")).apiKey);
    const first = await api.post("/v1/users", { name: "Jürgen", email: "jürgen@müller.de", role: "member" });
    expect(first.status).toBe(201);
    expect(first.body.email).toBe("jürgen@müller.de");
    expectApiError(
      await api.post("/v1/users", { name: "Jürgen again", email: "JÜRGEN@MÜLLER.DE", role: "member" }),
      409,
      "invalid_state",
      "email",
    );
    expectApiError(
      await api.post("/v1/users", { name: "Ada", email: "ADMIN@example.com", role: "member" }),
      409,
      "invalid_state",
      "email",
    );
  });

  it.each(["no-at-sign", "two@@example.com", "space in@example.com", "nodot@localhost", "x\u0000@example.com"])(
    "refuses %j as an email",
    async (address) => {
      const api = client((await createCompany()).apiKey);
      expectApiError(await api.post("/v1/users", { name: "Bad", email: address, role: "member" }), 400, "invalid_request", "email");
    },
  );
});
