import { afterEach, describe, expect, it } from "vitest";
import { DAY_MS, setClock } from "../../../src/lib/clock.ts";
import { createCompany } from "../../helpers/factories.ts";
import { client, expectApiError } from "../../helpers/http.ts";
import { at, createItem, ids, ISO_UTC, listItems } from "../../helpers/items.ts";

afterEach(() => setClock(null));

async function setup() {
  const company = await createCompany();
  return { company, api: client(company.apiKey) };
}

const iso = (ms: number) => new Date(ms).toISOString();

describe("GET /v1/trash", () => {
  it("lists trashed items with deleted_at and purge_at = deleted_at + 30 days", async () => {
    const { api } = await setup();
    setClock(() => at("2025-06-01T09:00:00.000Z"));
    const item = await createItem(api, { name: "Trashed", location: "Dock", barcode: "T-1", reorder_point: 2 });
    setClock(() => at("2025-06-10T09:00:00.000Z"));
    expect((await api.delete(`/v1/items/${item.id}`)).status).toBe(204);

    const trash = await api.get("/v1/trash");
    expect(trash.status).toBe(200);
    expect(trash.body).toEqual({
      data: [
        {
          ...item,
          updated_at: "2025-06-10T09:00:00.000Z",
          deleted_at: "2025-06-10T09:00:00.000Z",
          purge_at: "2025-07-10T09:00:00.000Z",
        },
      ],
      pagination: { total: 1, limit: 50, offset: 0, has_more: false },
    });
  });

  it("orders the trash most recently deleted first, regardless of creation order", async () => {
    const { api } = await setup();
    setClock(() => at("2025-06-01T00:00:00.000Z"));
    const a = await createItem(api);
    setClock(() => at("2025-06-02T00:00:00.000Z"));
    const b = await createItem(api);
    setClock(() => at("2025-06-03T00:00:00.000Z"));
    const c = await createItem(api);

    for (const [item, day] of [[b, 4], [c, 5], [a, 6]] as const) {
      setClock(() => at(`2025-06-0${day}T00:00:00.000Z`));
      expect((await api.delete(`/v1/items/${item.id}`)).status).toBe(204);
    }

    const trash = await api.get("/v1/trash");
    expect(ids(trash)).toEqual([a.id, c.id, b.id]);
    expect(trash.body.data.map((i: { deleted_at: string }) => i.deleted_at)).toEqual([
      "2025-06-06T00:00:00.000Z",
      "2025-06-05T00:00:00.000Z",
      "2025-06-04T00:00:00.000Z",
    ]);

    const page = await api.get("/v1/trash?limit=2&offset=1");
    expect(page.status).toBe(200);
    expect(ids(page)).toEqual([c.id, b.id]);
    expect(page.body.pagination).toEqual({ total: 3, limit: 2, offset: 1, has_more: false });
  });

  it("does not list live items", async () => {
    const { api } = await setup();
    await createItem(api);
    const trash = await api.get("/v1/trash");
    expect(trash.body).toEqual({ data: [], pagination: { total: 0, limit: 50, offset: 0, has_more: false } });
  });

  it("validates its pagination parameters and rejects unknown ones", async () => {
    const { api } = await setup();
    expectApiError(await api.get("/v1/trash?limit=0"), 400, "invalid_request", "limit");
    expectApiError(await api.get("/v1/trash?offset=-1"), 400, "invalid_request", "offset");
    expectApiError(await api.get("/v1/trash?search=x"), 400, "invalid_request", "search");
  });
});

describe("the 30-day window", () => {
  it("keeps an item deleted 29 days ago listed and restorable, but not one deleted 30 days ago", async () => {
    const { api } = await setup();
    const t0 = at("2025-01-01T12:00:00.000Z");
    setClock(() => t0);
    const old = await createItem(api, { name: "Thirty days" });
    const recent = await createItem(api, { name: "Twenty-nine days" });
    expect((await api.delete(`/v1/items/${old.id}`)).status).toBe(204);
    setClock(() => t0 + DAY_MS);
    expect((await api.delete(`/v1/items/${recent.id}`)).status).toBe(204);

    // One millisecond before the old item's 30 days are up, both are still there.
    setClock(() => t0 + 30 * DAY_MS - 1);
    expect(ids(await api.get("/v1/trash"))).toEqual([recent.id, old.id]);

    setClock(() => t0 + 30 * DAY_MS);
    const trash = await api.get("/v1/trash");
    expect(ids(trash)).toEqual([recent.id]);
    expect(trash.body.pagination.total).toBe(1);
    expect(trash.body.data[0]).toMatchObject({
      deleted_at: iso(t0 + DAY_MS),
      purge_at: iso(t0 + 31 * DAY_MS),
    });

    expectApiError(await api.post(`/v1/items/${old.id}/restore`), 404, "not_found", "id");
    expectApiError(await api.get(`/v1/items/${old.id}`), 404, "not_found", "id");

    const restored = await api.post(`/v1/items/${recent.id}/restore`);
    expect(restored.status).toBe(200);
    expect(restored.body).toEqual({ ...recent, updated_at: iso(t0 + 30 * DAY_MS) });
    expect(ids(await listItems(api))).toEqual([recent.id]);
  });

  it("counts the window from the latest deletion after a restore", async () => {
    const { api } = await setup();
    const t0 = at("2025-01-01T00:00:00.000Z");
    setClock(() => t0);
    const item = await createItem(api);
    expect((await api.delete(`/v1/items/${item.id}`)).status).toBe(204);
    setClock(() => t0 + 20 * DAY_MS);
    expect((await api.post(`/v1/items/${item.id}/restore`)).status).toBe(200);
    setClock(() => t0 + 25 * DAY_MS);
    expect((await api.delete(`/v1/items/${item.id}`)).status).toBe(204);

    setClock(() => t0 + 40 * DAY_MS);
    const trash = await api.get("/v1/trash");
    expect(trash.body.data).toEqual([
      expect.objectContaining({
        id: item.id,
        deleted_at: iso(t0 + 25 * DAY_MS),
        purge_at: iso(t0 + 55 * DAY_MS),
      }),
    ]);
    expect((await api.post(`/v1/items/${item.id}/restore`)).status).toBe(200);
  });
});

describe("delete and restore edge cases", () => {
  it("answers 404 when deleting an item twice", async () => {
    const { api } = await setup();
    const item = await createItem(api);
    expect((await api.delete(`/v1/items/${item.id}`)).status).toBe(204);
    expectApiError(await api.delete(`/v1/items/${item.id}`), 404, "not_found", "id");
    expect(ids(await api.get("/v1/trash"))).toEqual([item.id]);
  });

  it("answers 404 when restoring a live item, and changes nothing", async () => {
    const { api } = await setup();
    const item = await createItem(api);
    expectApiError(await api.post(`/v1/items/${item.id}/restore`), 404, "not_found", "id");
    expect((await api.get(`/v1/items/${item.id}`)).body).toEqual(item);
  });

  it("answers 404 for PATCH on a trashed item and leaves it unchanged in the trash", async () => {
    const { api } = await setup();
    const item = await createItem(api, { name: "Before" });
    expect((await api.delete(`/v1/items/${item.id}`)).status).toBe(204);
    expectApiError(await api.patch(`/v1/items/${item.id}`, { name: "After" }), 404, "not_found", "id");
    const trash = await api.get("/v1/trash");
    expect(trash.body.data[0]).toMatchObject({ id: item.id, name: "Before" });
    expect(trash.body.data[0].deleted_at).toMatch(ISO_UTC);
  });

  it("answers 404 for ids that never existed", async () => {
    const { api } = await setup();
    const missing = "item_000000000000000000000000";
    expectApiError(await api.get(`/v1/items/${missing}`), 404, "not_found", "id");
    expectApiError(await api.patch(`/v1/items/${missing}`, { name: "x" }), 404, "not_found", "id");
    expectApiError(await api.delete(`/v1/items/${missing}`), 404, "not_found", "id");
    expectApiError(await api.post(`/v1/items/${missing}/restore`), 404, "not_found", "id");
    expectApiError(await api.get("/v1/items/not-an-id"), 404, "not_found", "id");
  });
});
