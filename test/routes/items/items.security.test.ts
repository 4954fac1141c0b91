import { describe, expect, it } from "vitest";
import { createCompany, type TestCompany } from "../../helpers/factories.ts";
import { client, expectApiError } from "../../helpers/http.ts";
import { createItem, ids, listItems, uniqueSku, type Item } from "../../helpers/items.ts";
import { companyData, runCommonRouteTests, shapeOf, type Fixture } from "../../helpers/security.ts";

const SECRET_ITEM = {
  name: "Secret Widget",
  sku: "SECRET-1",
  quantity: 12,
  location: "Vault",
  barcode: "4000000000001",
  reorder_point: 3,
};

/** Two companies: `owner` holds an item, `intruder` tries to reach it. */
async function twoCompanies() {
  const ownerCo = await createCompany();
  const owner = client(ownerCo.apiKey);
  const intruder = client((await createCompany()).apiKey);
  const item = await createItem(owner, SECRET_ITEM);
  return { ownerCo, owner, intruder, item };
}

const MISSING = "item_Zz9Zz9Zz9Zz9Zz9Zz9Zz9Zz9";

type ItemFixture = Fixture & { object: Item };

async function liveItem(company: TestCompany): Promise<ItemFixture> {
  const item = await createItem(client(company.apiKey), SECRET_ITEM);
  return { id: item.id, object: item };
}

async function trashedItem(company: TestCompany): Promise<ItemFixture> {
  const fixture = await liveItem(company);
  expect((await client(company.apiKey).delete(`/v1/items/${fixture.id}`)).status).toBe(204);
  return fixture;
}

runCommonRouteTests<ItemFixture>({
  name: "items",
  missingId: MISSING,
  create: liveItem,
  routes: [
    { method: "GET", path: "/v1/items", status: 200 },
    { method: "GET", path: "/v1/items?search=secret", status: 200 },
    {
      method: "POST",
      path: "/v1/items",
      body: () => ({ name: "New", sku: uniqueSku("NEW") }),
      status: 201,
      expectSuccess: (answer) => expect(answer.body).toMatchObject({ name: "New", quantity: 0 }),
    },
    { method: "GET", path: "/v1/items/:id", status: 200 },
    {
      method: "PATCH",
      path: "/v1/items/:id",
      body: () => ({ location: "Front" }),
      status: 200,
      expectSuccess: (answer, item) => expect(answer.body).toMatchObject({ id: item.id, name: "Secret Widget", location: "Front" }),
    },
    { method: "DELETE", path: "/v1/items/:id", status: 204 },
    {
      method: "POST",
      path: "/v1/items/:id/restore",
      create: trashedItem,
      status: 200,
      expectSuccess: (answer, item) => expect(answer.body).toMatchObject({ id: item.id, sku: "SECRET-1", quantity: 12 }),
    },
    { method: "GET", path: "/v1/trash", create: trashedItem, status: 200 },
  ],
});

describe("another company's items look exactly like missing ones", () => {
  it("restore of another company's live item answers the 404 of a missing one and changes nothing", async () => {
    const { ownerCo, owner, intruder, item } = await twoCompanies();
    const before = await companyData(ownerCo.companyId);
    const foreign = await intruder.post(`/v1/items/${item.id}/restore`);
    const missing = await intruder.post(`/v1/items/${MISSING}/restore`);
    expectApiError(foreign, 404, "not_found", "id");
    expectApiError(missing, 404, "not_found", "id");
    expect(shapeOf(foreign, item.id)).toEqual(shapeOf(missing, MISSING));
    expect(await companyData(ownerCo.companyId)).toEqual(before);
    expect((await owner.get(`/v1/items/${item.id}`)).body).toEqual(item);
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

