import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { setClock } from "../../../src/lib/clock.ts";
import { createCompany, createKey } from "../../helpers/factories.ts";
import { client, REQUEST_ID } from "../../helpers/http.ts";
import { at, createItem, expectItemShape, ids, ISO_UTC, listItems, newestFirst, seedItems, uniqueSku } from "../../helpers/items.ts";

afterEach(() => setClock(null));

async function setup() {
  const company = await createCompany();
  return { company, api: client(company.apiKey) };
}

describe("POST /v1/items", () => {
  it("answers 201 with the seed's item shape", async () => {
    const { api } = await setup();
    setClock(() => at("2025-01-15T10:30:00.000Z"));
    const response = await api.post("/v1/items", {
      name: "Widget Pro X",
      sku: "WPX-001",
      quantity: 100,
      location: "Warehouse A",
      barcode: "012345678901",
      reorder_point: 25,
    });

    expect(response.status).toBe(201);
    expect(response.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(response.headers.get("Request-Id")).toMatch(REQUEST_ID);
    expectItemShape(response.body);
    expect(response.body).toEqual({
      id: expect.stringMatching(/^item_[0-9A-Za-z]{20,}$/),
      name: "Widget Pro X",
      sku: "WPX-001",
      quantity: 100,
      location: "Warehouse A",
      barcode: "012345678901",
      reorder_point: 25,
      created_at: "2025-01-15T10:30:00.000Z",
      updated_at: "2025-01-15T10:30:00.000Z",
    });
  });

  it("defaults quantity to 0 and shows unset optional fields as null", async () => {
    const { api } = await setup();
    const response = await api.post("/v1/items", { name: "Bare", sku: "BARE-1" });

    expect(response.status).toBe(201);
    expectItemShape(response.body);
    expect(response.body).toMatchObject({
      name: "Bare",
      sku: "BARE-1",
      quantity: 0,
      location: null,
      barcode: null,
      reorder_point: null,
    });
    expect(Object.keys(response.body).sort()).toEqual(
      ["barcode", "created_at", "id", "location", "name", "quantity", "reorder_point", "sku", "updated_at"],
    );
    expect(response.body.created_at).toMatch(ISO_UTC);
    expect(response.body.updated_at).toBe(response.body.created_at);
  });

  it("accepts explicit nulls for the optional fields", async () => {
    const { api } = await setup();
    const response = await api.post("/v1/items", {
      name: "Nulls",
      sku: "NULLS-1",
      location: null,
      barcode: null,
      reorder_point: null,
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ location: null, barcode: null, reorder_point: null });
  });

  it("accepts every field at its limit", async () => {
    const { api } = await setup();
    const body = {
      name: "n".repeat(200),
      sku: `A-z.0_${"9".repeat(58)}`,
      quantity: 1_000_000_000,
      location: "l".repeat(100),
      barcode: "b".repeat(64),
      reorder_point: 0,
    };
    expect(body.sku).toHaveLength(64);
    const response = await api.post("/v1/items", body);
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject(body);
  });

  it("gives every item a new random id", async () => {
    const { api } = await setup();
    const created = await Promise.all(
      Array.from({ length: 20 }, () => createItem(api)),
    );
    const unique = new Set(created.map((item) => item.id));
    expect(unique.size).toBe(20);
    for (const item of created) expect(item.id).toMatch(/^item_[0-9A-Za-z]{20,}$/);
  });
});

describe("GET /v1/items/:id", () => {
  it("answers the item as it was created", async () => {
    const { api } = await setup();
    const item = await createItem(api, { name: "Gear", location: "Shelf 3", barcode: "BC-1" });
    const response = await api.get(`/v1/items/${item.id}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("Request-Id")).toMatch(REQUEST_ID);
    expect(response.body).toEqual(item);
  });
});

describe("PATCH /v1/items/:id", () => {
  it("changes only the fields sent and moves updated_at", async () => {
    const { api } = await setup();
    setClock(() => at("2025-01-15T10:30:00.000Z"));
    const item = await createItem(api, {
      name: "Old name",
      sku: "OLD-1",
      quantity: 7,
      location: "A",
      barcode: "111",
      reorder_point: 3,
    });

    setClock(() => at("2025-01-20T14:22:00.000Z"));
    const response = await api.patch(`/v1/items/${item.id}`, { name: "New name", location: "B" });

    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      ...item,
      name: "New name",
      location: "B",
      created_at: "2025-01-15T10:30:00.000Z",
      updated_at: "2025-01-20T14:22:00.000Z",
    });
    expect((await api.get(`/v1/items/${item.id}`)).body).toEqual(response.body);
  });

  it("changes sku, barcode and reorder_point", async () => {
    const { api } = await setup();
    const item = await createItem(api, { sku: "S-1", barcode: "B-1", reorder_point: 1 });
    const response = await api.patch(`/v1/items/${item.id}`, {
      sku: "S-2",
      barcode: "B-2",
      reorder_point: 10,
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ sku: "S-2", barcode: "B-2", reorder_point: 10, quantity: 0 });
  });

  it("clears location, barcode and reorder_point with null", async () => {
    const { api } = await setup();
    const item = await createItem(api, { location: "A", barcode: "123", reorder_point: 5 });
    const response = await api.patch(`/v1/items/${item.id}`, {
      location: null,
      barcode: null,
      reorder_point: null,
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      ...item,
      location: null,
      barcode: null,
      reorder_point: null,
      updated_at: expect.stringMatching(ISO_UTC),
    });
    expect((await api.get(`/v1/items/${item.id}`)).body).toEqual(response.body);
  });

  it("lets an item change the case of its own SKU", async () => {
    const { api } = await setup();
    const item = await createItem(api, { sku: "case-1" });
    const response = await api.patch(`/v1/items/${item.id}`, { sku: "CASE-1" });
    expect(response.status).toBe(200);
    expect(response.body.sku).toBe("CASE-1");
  });

  it("accepts an empty body or unchanged values and changes nothing, not even updated_at", async () => {
    const { api } = await setup();
    setClock(() => at("2025-02-01T00:00:00.000Z"));
    const item = await createItem(api, { quantity: 3 });
    setClock(() => at("2025-02-02T00:00:00.000Z"));
    for (const body of [{}, { name: item.name, quantity: 3 }]) {
      const response = await api.patch(`/v1/items/${item.id}`, body);
      expect(response.status).toBe(200);
      expect(response.body).toEqual(item);
    }
    expect((await api.get(`/v1/items/${item.id}`)).body).toEqual(item);
  });
});

describe("DELETE /v1/items/:id and restore", () => {
  it("answers 204 with an empty body; the item leaves GET and the list", async () => {
    const { api } = await setup();
    const keep = await createItem(api);
    const item = await createItem(api);

    const deleted = await api.delete(`/v1/items/${item.id}`);
    expect(deleted.status).toBe(204);
    expect(deleted.body).toBeNull();
    expect(deleted.headers.get("Request-Id")).toMatch(REQUEST_ID);

    const get = await api.get(`/v1/items/${item.id}`);
    expect(get.status).toBe(404);
    expect(get.body.error.code).toBe("not_found");

    const list = await listItems(api);
    expect(ids(list)).toEqual([keep.id]);
    expect(list.body.pagination.total).toBe(1);
  });

  it("restores a trashed item: 200 with the item, back in GET and the list", async () => {
    const { api } = await setup();
    setClock(() => at("2025-03-01T00:00:00.000Z"));
    const item = await createItem(api, { name: "Comeback", location: "Bin 4", quantity: 9 });
    setClock(() => at("2025-03-02T00:00:00.000Z"));
    expect((await api.delete(`/v1/items/${item.id}`)).status).toBe(204);
    setClock(() => at("2025-03-03T00:00:00.000Z"));

    const restored = await api.post(`/v1/items/${item.id}/restore`);
    expect(restored.status).toBe(200);
    expect(restored.body).toEqual({ ...item, updated_at: "2025-03-03T00:00:00.000Z" });

    expect((await api.get(`/v1/items/${item.id}`)).body).toEqual(restored.body);
    expect(ids(await listItems(api))).toEqual([item.id]);
    const trash = await api.get("/v1/trash");
    expect(trash.body).toEqual({ data: [], pagination: { total: 0, limit: 50, offset: 0, has_more: false } });
  });
});

describe("roles", () => {
  it("lets a member key create, update, delete and restore", async () => {
    const { company } = await setup();
    const member = client(await createKey(company, { role: "member" }));
    const item = await createItem(member, { name: "By member" });
    const patched = await member.patch(`/v1/items/${item.id}`, { name: "Renamed by member" });
    expect(patched.status).toBe(200);
    expect(patched.body.name).toBe("Renamed by member");
    expect((await member.delete(`/v1/items/${item.id}`)).status).toBe(204);
    const restored = await member.post(`/v1/items/${item.id}/restore`);
    expect(restored.status).toBe(200);
    expect(restored.body.name).toBe("Renamed by member");
  });
});

describe("GET /v1/items pagination", () => {
  it("pages through a few hundred items newest first with total and has_more", async () => {
    const { company, api } = await setup();
    // 250 items: most with distinct created_at, and groups of 5 sharing one to exercise the id tie-break.
    const seeded = await seedItems(
      company,
      Array.from({ length: 250 }, (_, i) => ({
        createdAt: new Date(Date.UTC(2025, 0, 1) + Math.floor(i / (i < 100 ? 5 : 1)) * 60_000).toISOString(),
      })),
    );
    const expected = newestFirst(seeded).map((item) => item.id);

    const pages = [];
    for (const offset of [0, 100, 200]) {
      const page = await listItems(api, { limit: 100, offset });
      pages.push(page);
      for (const item of page.body.data) expectItemShape(item);
    }
    expect(pages.map((p) => p.body.pagination)).toEqual([
      { total: 250, limit: 100, offset: 0, has_more: true },
      { total: 250, limit: 100, offset: 100, has_more: true },
      { total: 250, limit: 100, offset: 200, has_more: false },
    ]);
    expect(pages.flatMap(ids)).toEqual(expected);

    // A page boundary inside a group that shares created_at: no duplicates, no gaps.
    const a = await listItems(api, { limit: 7, offset: 180 });
    const b = await listItems(api, { limit: 7, offset: 187 });
    expect([...ids(a), ...ids(b)]).toEqual(expected.slice(180, 194));
  });

  it("defaults to limit 50, offset 0", async () => {
    const { company, api } = await setup();
    const seeded = await seedItems(company, Array.from({ length: 60 }, () => ({})));
    const page = await listItems(api);
    expect(page.body.pagination).toEqual({ total: 60, limit: 50, offset: 0, has_more: true });
    expect(ids(page)).toEqual(newestFirst(seeded).slice(0, 50).map((item) => item.id));
  });

  it("answers an empty page past the end", async () => {
    const { company, api } = await setup();
    await seedItems(company, Array.from({ length: 3 }, () => ({})));
    const page = await listItems(api, { offset: 3 });
    expect(page.body).toEqual({ data: [], pagination: { total: 3, limit: 50, offset: 3, has_more: false } });
    const far = await listItems(api, { offset: 1000, limit: 100 });
    expect(far.body).toEqual({ data: [], pagination: { total: 3, limit: 100, offset: 1000, has_more: false } });
  });

  it("answers an empty list for a company without items", async () => {
    const { api } = await setup();
    const page = await listItems(api);
    expect(page.body).toEqual({ data: [], pagination: { total: 0, limit: 50, offset: 0, has_more: false } });
  });

  it("orders items created through the API at the same moment by id, newest moment first", async () => {
    const { api } = await setup();
    setClock(() => at("2025-05-01T08:00:00.000Z"));
    const same = await Promise.all(Array.from({ length: 6 }, () => createItem(api)));
    setClock(() => at("2025-05-01T08:00:01.000Z"));
    const later = await Promise.all(Array.from({ length: 3 }, () => createItem(api)));
    setClock(() => at("2025-04-30T08:00:00.000Z"));
    const earlier = await createItem(api);

    for (const item of same) expect(item.created_at).toBe("2025-05-01T08:00:00.000Z");
    const byIdDesc = (list: { id: string }[]) => list.map((i) => i.id).sort().reverse();
    const list = await listItems(api, { limit: 100 });
    expect(ids(list)).toEqual([...byIdDesc(later), ...byIdDesc(same), earlier.id]);
    // The same order on every request.
    expect(ids(await listItems(api, { limit: 100 }))).toEqual(ids(list));
  });

  it("lists items created concurrently exactly once each", async () => {
    const { api } = await setup();
    const created = await Promise.all(
      Array.from({ length: 40 }, (_, i) => createItem(api, { sku: uniqueSku(`CONC${i}`) })),
    );
    const list = await listItems(api, { limit: 100 });
    expect(list.body.pagination.total).toBe(40);
    expect(new Set(ids(list))).toEqual(new Set(created.map((item) => item.id)));
    expect(ids(list)).toEqual(newestFirst(created).map((item) => item.id));
  });
});

describe("the live-item count behind an unfiltered list's total", () => {
  it("follows creates, deletes, restores and purges", async () => {
    const { api } = await setup();
    const total = async () => (await api.get("/v1/items?limit=1")).body.pagination.total;
    const a = await createItem(api);
    const b = await createItem(api);
    expect(await total()).toBe(2);
    await api.delete(`/v1/items/${a.id}`);
    expect(await total()).toBe(1);
    await api.post(`/v1/items/${a.id}/restore`);
    expect(await total()).toBe(2);
    await api.delete(`/v1/items/${b.id}`);
    await env.DB.prepare("DELETE FROM items WHERE id = ?").bind(b.id).run();
    expect(await total()).toBe(1);
    // The count agrees with a count of the rows.
    const counted = await env.DB.prepare(
      "SELECT count(*) AS n FROM items WHERE company_id = (SELECT company_id FROM items WHERE id = ?) AND deleted_at IS NULL",
    )
      .bind(a.id)
      .first<{ n: number }>();
    expect(counted!.n).toBe(1);
  });
});
