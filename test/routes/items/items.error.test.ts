import { describe, expect, it } from "vitest";
import { createCompany } from "../../helpers/factories.ts";
import { call, callJson, client, expectApiError } from "../../helpers/http.ts";
import { createItem, ids, listItems } from "../../helpers/items.ts";

async function setup() {
  const company = await createCompany();
  return { company, api: client(company.apiKey) };
}

const valid = { name: "Widget", sku: "W-1" };

describe("POST /v1/items validation", () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ["an empty name", { ...valid, name: "" }, "name"],
    ["a name of 201 characters", { ...valid, name: "n".repeat(201) }, "name"],
    ["a null name", { ...valid, name: null }, "name"],
    ["a numeric name", { ...valid, name: 42 }, "name"],
    ["a missing name", { sku: "W-1" }, "name"],
    ["a missing sku", { name: "Widget" }, "sku"],
    ["an empty sku", { ...valid, sku: "" }, "sku"],
    ["a sku with a space", { ...valid, sku: "W 1" }, "sku"],
    ["a sku with a slash", { ...valid, sku: "W/1" }, "sku"],
    ["a sku with a non-ASCII letter", { ...valid, sku: "WÜ-1" }, "sku"],
    ["a sku of 65 characters", { ...valid, sku: "S".repeat(65) }, "sku"],
    ["a negative quantity", { ...valid, quantity: -1 }, "quantity"],
    ["a fractional quantity", { ...valid, quantity: 1.5 }, "quantity"],
    ["a quantity over 1,000,000,000", { ...valid, quantity: 1_000_000_001 }, "quantity"],
    ["a quantity sent as a string", { ...valid, quantity: "5" }, "quantity"],
    ["a null quantity", { ...valid, quantity: null }, "quantity"],
    ["a location of 101 characters", { ...valid, location: "l".repeat(101) }, "location"],
    ["a barcode of 65 characters", { ...valid, barcode: "1".repeat(65) }, "barcode"],
    ["an empty barcode", { ...valid, barcode: "" }, "barcode"],
    ["a negative reorder_point", { ...valid, reorder_point: -1 }, "reorder_point"],
    ["a fractional reorder_point", { ...valid, reorder_point: 2.5 }, "reorder_point"],
    ["an unknown field company_id", { ...valid, company_id: "co_someone_else" }, "company_id"],
    ["an unknown field id", { ...valid, id: "item_chosenbytheclient0000" }, "id"],
    ["an unknown field created_at", { ...valid, created_at: "2020-01-01T00:00:00Z" }, "created_at"],
    ["an unknown field deleted_at", { ...valid, deleted_at: "2020-01-01T00:00:00Z" }, "deleted_at"],
    ["a camelCase field", { ...valid, reorderPoint: 5 }, "reorderPoint"],
  ];

  it.each(cases)("rejects %s with 400 invalid_request naming the field", async (_, body, field) => {
    const { api } = await setup();
    const response = await api.post("/v1/items", body);
    expectApiError(response, 400, "invalid_request", field);
    // Nothing was created.
    expect((await listItems(api)).body.pagination.total).toBe(0);
  });

  it("rejects a body that is not an object", async () => {
    const { api } = await setup();
    expectApiError(await api.post("/v1/items", [valid]), 400, "invalid_request", null);
    expectApiError(await api.post("/v1/items", "\"just a string\""), 400, "invalid_request", null);
  });

  it("rejects malformed JSON with 400 invalid_json", async () => {
    const { company } = await setup();
    const response = await callJson("POST", "/v1/items", { key: company.apiKey, body: "{\"name\": " });
    expectApiError(response, 400, "invalid_json", null);
  });

  it("rejects a body that is not sent as JSON with 415", async () => {
    const { company } = await setup();
    const response = await callJson("POST", "/v1/items", {
      key: company.apiKey,
      body: JSON.stringify(valid),
      headers: { "Content-Type": "text/plain" },
    });
    expectApiError(response, 415, "unsupported_media_type", null);
  });

  it("accepts a charset parameter on the content type", async () => {
    const { company } = await setup();
    const response = await callJson("POST", "/v1/items", {
      key: company.apiKey,
      body: valid,
      headers: { "Content-Type": "application/json; charset=utf-8" },
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject(valid);
  });

  it("rejects a POST without a body, naming the first missing field", async () => {
    const { company } = await setup();
    const response = await call("POST", "/v1/items", { key: company.apiKey });
    const body = await response.json();
    expectApiError({ status: response.status, headers: response.headers, body }, 400, "invalid_request", "name");
  });
});

describe("PATCH /v1/items/:id validation", () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ["a null name", { name: null }, "name"],
    ["an empty name", { name: "" }, "name"],
    ["a name of 201 characters", { name: "n".repeat(201) }, "name"],
    ["a null sku", { sku: null }, "sku"],
    ["a sku with bad characters", { sku: "W#1" }, "sku"],
    ["a sku of 65 characters", { sku: "S".repeat(65) }, "sku"],
    ["a location of 101 characters", { location: "l".repeat(101) }, "location"],
    ["a barcode of 65 characters", { barcode: "1".repeat(65) }, "barcode"],
    ["a negative reorder_point", { reorder_point: -3 }, "reorder_point"],
    ["an unknown field company_id", { company_id: "co_x" }, "company_id"],
    ["an unknown field id", { id: "item_x" }, "id"],
    ["an unknown field updated_at", { updated_at: "2020-01-01T00:00:00Z" }, "updated_at"],
    ["a negative quantity", { quantity: -1 }, "quantity"],
  ];

  it.each(cases)("rejects %s with 400 invalid_request and changes nothing", async (_, body, field) => {
    const { api } = await setup();
    const item = await createItem(api, { location: "A", barcode: "B", reorder_point: 1 });
    expectApiError(await api.patch(`/v1/items/${item.id}`, body), 400, "invalid_request", field);
    expect((await api.get(`/v1/items/${item.id}`)).body).toEqual(item);
  });

  it("refuses a negative or fractional quantity and changes nothing", async () => {
    const { api } = await setup();
    const item = await createItem(api, { quantity: 5 });
    for (const quantity of [-1, 2.5, "7"]) {
      const response = await api.patch(`/v1/items/${item.id}`, { name: "Renamed", quantity });
      expectApiError(response, 400, "invalid_request", "quantity");
    }
    expect((await api.get(`/v1/items/${item.id}`)).body).toEqual(item);
  });
});

describe("uniqueness", () => {
  it("refuses a SKU another live item has, case-insensitively", async () => {
    const { api } = await setup();
    const first = await createItem(api, { sku: "WPX-001" });
    for (const sku of ["WPX-001", "wpx-001", "Wpx-001"]) {
      expectApiError(await api.post("/v1/items", { name: "Dup", sku }), 409, "sku_taken", "sku");
    }
    const list = await listItems(api);
    expect(ids(list)).toEqual([first.id]);
  });

  it("refuses a barcode another live item has", async () => {
    const { api } = await setup();
    const first = await createItem(api, { barcode: "012345678901" });
    const response = await api.post("/v1/items", { name: "Dup", sku: "OTHER-1", barcode: "012345678901" });
    expectApiError(response, 409, "barcode_taken", "barcode");
    expect(ids(await listItems(api))).toEqual([first.id]);
  });

  it("lets any number of items have no barcode", async () => {
    const { api } = await setup();
    await createItem(api);
    await createItem(api, { barcode: null });
    await createItem(api);
    expect((await listItems(api)).body.pagination.total).toBe(3);
  });

  it("refuses a PATCH to a taken SKU or barcode and leaves the item unchanged", async () => {
    const { api } = await setup();
    await createItem(api, { sku: "TAKEN-1", barcode: "BC-TAKEN" });
    const item = await createItem(api, { sku: "MINE-1", barcode: "BC-MINE" });

    expectApiError(await api.patch(`/v1/items/${item.id}`, { sku: "taken-1" }), 409, "sku_taken", "sku");
    expectApiError(
      await api.patch(`/v1/items/${item.id}`, { name: "Changed", barcode: "BC-TAKEN" }),
      409,
      "barcode_taken",
      "barcode",
    );
    expect((await api.get(`/v1/items/${item.id}`)).body).toEqual(item);
  });

  it("lets exactly one of many concurrent creates with one SKU win", async () => {
    const { api } = await setup();
    const responses = await Promise.all(
      Array.from({ length: 15 }, (_, i) => api.post("/v1/items", { name: `Racer ${i}`, sku: i % 2 ? "RACE" : "race" })),
    );
    const created = responses.filter((r) => r.status === 201);
    expect(created).toHaveLength(1);
    for (const r of responses.filter((r) => r.status !== 201)) expectApiError(r, 409, "sku_taken", "sku");
    expect(ids(await listItems(api))).toEqual([created[0]!.body.id]);
  });

  it("refuses to restore an item whose SKU was reused; it stays in the trash", async () => {
    const { api } = await setup();
    const a = await createItem(api, { sku: "REUSED-1" });
    expect((await api.delete(`/v1/items/${a.id}`)).status).toBe(204);
    const b = await createItem(api, { sku: "reused-1" });

    expectApiError(await api.post(`/v1/items/${a.id}/restore`), 409, "sku_taken", "sku");
    expect((await api.get(`/v1/items/${a.id}`)).status).toBe(404);
    expect(ids(await api.get("/v1/trash"))).toEqual([a.id]);
    expect(ids(await listItems(api))).toEqual([b.id]);

    // Once the SKU is free again, the restore goes through.
    expect((await api.patch(`/v1/items/${b.id}`, { sku: "RENAMED-1" })).status).toBe(200);
    const restored = await api.post(`/v1/items/${a.id}/restore`);
    expect(restored.status).toBe(200);
    expect(restored.body.sku).toBe("REUSED-1");
  });

  it("refuses to restore an item whose barcode was reused; it stays in the trash", async () => {
    const { api } = await setup();
    const a = await createItem(api, { barcode: "BC-REUSED" });
    expect((await api.delete(`/v1/items/${a.id}`)).status).toBe(204);
    const b = await createItem(api, { barcode: "BC-REUSED" });

    expectApiError(await api.post(`/v1/items/${a.id}/restore`), 409, "barcode_taken", "barcode");
    expect(ids(await api.get("/v1/trash"))).toEqual([a.id]);
    expect(ids(await listItems(api))).toEqual([b.id]);
  });

  it("lets a trashed item's SKU and barcode be reused", async () => {
    const { api } = await setup();
    const a = await createItem(api, { sku: "FREE-1", barcode: "BC-FREE" });
    expect((await api.delete(`/v1/items/${a.id}`)).status).toBe(204);
    const b = await createItem(api, { sku: "FREE-1", barcode: "BC-FREE" });
    expect(b.id).not.toBe(a.id);
    const c = await createItem(api, { sku: "OTHER-2" });
    const patched = await api.patch(`/v1/items/${c.id}`, { sku: "other-3" });
    expect(patched.status).toBe(200);
    expect(ids(await listItems(api))).toEqual([c.id, b.id]);
  });

  it("lets another company use the same SKU and barcode", async () => {
    const { api } = await setup();
    const other = client((await createCompany()).apiKey);
    const mine = await createItem(api, { sku: "SHARED-1", barcode: "BC-SHARED" });
    const theirs = await createItem(other, { sku: "SHARED-1", barcode: "BC-SHARED" });
    expect(theirs.id).not.toBe(mine.id);
    expect(theirs).toMatchObject({ sku: "SHARED-1", barcode: "BC-SHARED" });
  });
});

describe("GET /v1/items query validation", () => {
  const cases: [string, string, string][] = [
    ["limit=0", "limit=0", "limit"],
    ["limit=101", "limit=101", "limit"],
    ["limit=abc", "limit=abc", "limit"],
    ["limit=1.5", "limit=1.5", "limit"],
    ["an empty limit", "limit=", "limit"],
    ["offset=-1", "offset=-1", "offset"],
    ["offset=abc", "offset=abc", "offset"],
    ["an unknown parameter", "sort=name", "sort"],
    ["a camelCase parameter", "lowStock=true", "lowStock"],
    ["low_stock=yes", "low_stock=yes", "low_stock"],
    ["a search of 101 characters", `search=${"a".repeat(101)}`, "search"],
    ["a location of 101 characters", `location=${"a".repeat(101)}`, "location"],
  ];

  it.each(cases)("rejects %s with 400 naming the parameter", async (_, query, field) => {
    const { api } = await setup();
    expectApiError(await api.get(`/v1/items?${query}`), 400, "invalid_request", field);
  });

  it("accepts the limits at their bounds", async () => {
    const { api } = await setup();
    expect((await listItems(api, { limit: 1, offset: 0 })).body.pagination).toMatchObject({ limit: 1, offset: 0 });
    expect((await listItems(api, { limit: 100 })).body.pagination).toMatchObject({ limit: 100 });
    expect((await listItems(api, { search: "a".repeat(100) })).body.pagination.total).toBe(0);
  });
});

describe("methods and routes", () => {
  it("answers 405 with Allow for a wrong method on a known path", async () => {
    const { api, company } = await setup();
    const item = await createItem(api);
    const put = await callJson("PUT", `/v1/items/${item.id}`, { key: company.apiKey, body: { name: "x" } });
    expectApiError(put, 405, "method_not_allowed", null);
    expect(put.headers.get("Allow")?.split(", ").sort()).toEqual(["DELETE", "GET", "PATCH"]);

    const del = await callJson("DELETE", "/v1/items", { key: company.apiKey });
    expectApiError(del, 405, "method_not_allowed", null);
    expect(del.headers.get("Allow")?.split(", ").sort()).toEqual(["GET", "POST"]);
  });
});
