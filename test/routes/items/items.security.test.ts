import { describe, expect, it } from "vitest";
import { createCompany, createKey } from "../../helpers/factories.ts";
import { callJson, client } from "../../helpers/http.ts";
import { createItem, expectApiError, ids, listItems, type Api } from "../../helpers/items.ts";

/** Two companies: `owner` holds an item, `intruder` tries to reach it. */
async function twoCompanies() {
  const ownerCo = await createCompany();
  const owner = client(ownerCo.apiKey);
  const intruder = client((await createCompany()).apiKey);
  const item = await createItem(owner, {
    name: "Secret Widget",
    sku: "SECRET-1",
    quantity: 12,
    location: "Vault",
    barcode: "4000000000001",
    reorder_point: 3,
  });
  return { ownerCo, owner, intruder, item };
}

const MISSING = "item_Zz9Zz9Zz9Zz9Zz9Zz9Zz9Zz9";

/** The error body with the id and the request id taken out, to compare two 404s. */
function shapeOf(response: { status: number; body: any }, id: string) {
  const { request_id: _, message, ...rest } = response.body.error;
  return { status: response.status, ...rest, message: String(message).replaceAll(id, "<id>") };
}

describe("another company's items look exactly like missing ones", () => {
  const requests: [string, (api: Api, id: string) => Promise<{ status: number; headers: Headers; body: any }>][] = [
    ["GET", (api, id) => api.get(`/v1/items/${id}`)],
    ["PATCH", (api, id) => api.patch(`/v1/items/${id}`, { name: "Hijacked", location: null })],
    ["DELETE", (api, id) => api.delete(`/v1/items/${id}`)],
    ["restore", (api, id) => api.post(`/v1/items/${id}/restore`)],
  ];

  it.each(requests)("%s answers the same 404 and changes nothing", async (_, request) => {
    const { owner, intruder, item } = await twoCompanies();

    const foreign = await request(intruder, item.id);
    const missing = await request(intruder, MISSING);
    expectApiError(foreign, 404, "not_found", "id");
    expectApiError(missing, 404, "not_found", "id");
    expect(shapeOf(foreign, item.id)).toEqual(shapeOf(missing, MISSING));
    expect(foreign.headers.get("Content-Type")).toBe(missing.headers.get("Content-Type"));

    expect((await owner.get(`/v1/items/${item.id}`)).body).toEqual(item);
    expect(ids(await listItems(owner))).toEqual([item.id]);
  });

  it("restore of another company's trashed item answers 404 and leaves it in the trash", async () => {
    const { owner, intruder, item } = await twoCompanies();
    expect((await owner.delete(`/v1/items/${item.id}`)).status).toBe(204);

    const foreign = await intruder.post(`/v1/items/${item.id}/restore`);
    const missing = await intruder.post(`/v1/items/${MISSING}/restore`);
    expectApiError(foreign, 404, "not_found", "id");
    expect(shapeOf(foreign, item.id)).toEqual(shapeOf(missing, MISSING));

    expect((await owner.get(`/v1/items/${item.id}`)).status).toBe(404);
    expect(ids(await owner.get("/v1/trash"))).toEqual([item.id]);
    expect((await intruder.get("/v1/trash")).body.pagination.total).toBe(0);
  });

  it("a SKU taken in one company does not block or reveal anything in another", async () => {
    const { owner, intruder, item } = await twoCompanies();
    const theirs = await createItem(intruder, { sku: "MINE-1" });
    // Moving the intruder's item onto the owner's SKU and barcode is fine: uniqueness is per company.
    const patched = await intruder.patch(`/v1/items/${theirs.id}`, { sku: "secret-1", barcode: "4000000000001" });
    expect(patched.status).toBe(200);
    expect((await owner.get(`/v1/items/${item.id}`)).body).toEqual(item);
  });
});

describe("lists are scoped to the key's company", () => {
  it("never shows another company's live or trashed items", async () => {
    const { owner, intruder, item } = await twoCompanies();
    const trashed = await createItem(owner, { name: "Secret Gadget" });
    expect((await owner.delete(`/v1/items/${trashed.id}`)).status).toBe(204);
    const theirs = await createItem(intruder, { name: "Own Widget", location: "Vault", reorder_point: 1 });

    const list = await listItems(intruder, { limit: 100 });
    expect(ids(list)).toEqual([theirs.id]);
    expect(list.body.pagination.total).toBe(1);
    const queries: Record<string, string>[] = [
      { search: "secret" },
      { search: "SECRET-1" },
      { search: "4000000000001" },
      { location: "vault" },
      { low_stock: "false" },
    ];
    for (const query of queries) {
      const filtered = await listItems(intruder, query);
      expect(ids(filtered).includes(item.id), JSON.stringify(query)).toBe(false);
    }
    expect((await intruder.get("/v1/trash")).body.data).toEqual([]);
    expect(ids(await owner.get("/v1/trash"))).toEqual([trashed.id]);
  });

  it("rejects a company id smuggled into the body and creates nothing", async () => {
    const { ownerCo, intruder } = await twoCompanies();
    const response = await intruder.post("/v1/items", {
      name: "Planted",
      sku: "PLANT-1",
      company_id: ownerCo.companyId,
    });
    expectApiError(response, 400, "invalid_request", "company_id");
    const owner = client(ownerCo.apiKey);
    expect((await listItems(owner, { search: "planted" })).body.pagination.total).toBe(0);
    expect((await listItems(intruder)).body.pagination.total).toBe(0);
  });
});

describe("roles", () => {
  it("a read_only key may read items, lists and the trash", async () => {
    const { ownerCo, owner, item } = await twoCompanies();
    const trashed = await createItem(owner);
    expect((await owner.delete(`/v1/items/${trashed.id}`)).status).toBe(204);
    const reader = client(await createKey(ownerCo, { role: "read_only" }));

    const get = await reader.get(`/v1/items/${item.id}`);
    expect(get.status).toBe(200);
    expect(get.body).toEqual(item);
    expect(ids(await listItems(reader, { search: "secret" }))).toEqual([item.id]);
    const trash = await reader.get("/v1/trash");
    expect(trash.status).toBe(200);
    expect(ids(trash)).toEqual([trashed.id]);
  });

  it("a read_only key gets 403 permission_denied for every write, and nothing changes", async () => {
    const { ownerCo, owner, item } = await twoCompanies();
    const trashed = await createItem(owner);
    expect((await owner.delete(`/v1/items/${trashed.id}`)).status).toBe(204);
    const reader = client(await createKey(ownerCo, { role: "read_only" }));

    expectApiError(await reader.post("/v1/items", { name: "New", sku: "NEW-1" }), 403, "permission_denied");
    expectApiError(await reader.patch(`/v1/items/${item.id}`, { name: "Changed" }), 403, "permission_denied");
    expectApiError(await reader.delete(`/v1/items/${item.id}`), 403, "permission_denied");
    expectApiError(await reader.post(`/v1/items/${trashed.id}/restore`), 403, "permission_denied");

    expect((await owner.get(`/v1/items/${item.id}`)).body).toEqual(item);
    expect(ids(await listItems(owner))).toEqual([item.id]);
    expect(ids(await owner.get("/v1/trash"))).toEqual([trashed.id]);
  });

  it("a member key may write", async () => {
    const { ownerCo, item } = await twoCompanies();
    const member = client(await createKey(ownerCo, { role: "member" }));
    const created = await member.post("/v1/items", { name: "By member", sku: "MEM-1" });
    expect(created.status).toBe(201);
    const patched = await member.patch(`/v1/items/${item.id}`, { location: "Front" });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ id: item.id, location: "Front" });
    const deleted = await member.delete(`/v1/items/${created.body.id}`);
    expect(deleted.status).toBe(204);
    expect((await member.post(`/v1/items/${created.body.id}/restore`)).status).toBe(200);
  });
});

describe("authentication", () => {
  // Failed authentications are limited per client address: keep these off any other test's address.
  const CLIENT_ADDRESS = { "CF-Connecting-IP": "203.0.113.77" };

  it("answers 401 authentication_required with WWW-Authenticate when no key is sent", async () => {
    for (const [method, path] of [
      ["GET", "/v1/items"],
      ["POST", "/v1/items"],
      ["GET", "/v1/items/item_x"],
      ["DELETE", "/v1/items/item_x"],
      ["GET", "/v1/trash"],
    ] as const) {
      const response = await callJson(method, path, {
        headers: CLIENT_ADDRESS,
        ...(method === "POST" ? { body: { name: "x", sku: "x" } } : {}),
      });
      expectApiError(response, 401, "authentication_required");
      expect(response.headers.get("WWW-Authenticate")).toBe("Bearer");
    }
  });

  it("answers 401 invalid_api_key for malformed, unknown, revoked and expired keys", async () => {
    const company = await createCompany();
    const item = await createItem(client(company.apiKey));
    const revoked = await createKey(company, { revokedAt: "2020-01-01T00:00:00.000Z" });
    const expired = await createKey(company, { expiresAt: "2020-01-01T00:00:00.000Z" });
    const flipped = company.apiKey.slice(0, -1) + (company.apiKey.endsWith("A") ? "B" : "A");
    for (const key of ["not-a-key", flipped, revoked, expired]) {
      const response = await callJson("GET", `/v1/items/${item.id}`, { key, headers: CLIENT_ADDRESS });
      expectApiError(response, 401, "invalid_api_key");
    }
  });
});
