import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { setClock } from "../../../src/lib/clock.ts";
import { createCompany } from "../../helpers/factories.ts";
import { call, client, expectApiError } from "../../helpers/http.ts";
import { createItem, type Item } from "../../helpers/items.ts";
import {
  expectSnapshotShape,
  gunzipLines,
  sha256Hex,
  SHA256_HEX,
  SNAPSHOT_ID,
  snapshotRow,
  sortBy,
  takeSnapshot,
} from "../../helpers/snapshots.ts";

describe("snapshots", () => {
  it("round trip: create, change, restore, compare", async () => {
    const co = await createCompany("enterprise");
    const api = client(co.apiKey);
    const a = await createItem(api, { name: "Alpha", quantity: 10, location: "A" });
    const b = await createItem(api, { name: "Beta", quantity: 5 });
    const snap = await api.post("/v1/snapshots", { note: "before" });
    expect(snap.status).toBe(201);
    expect(snap.body).toMatchObject({ type: "manual", status: "complete", item_count: 2, note: "before" });
    expect(snap.body.sha256).toMatch(/^[0-9a-f]{64}$/);

    await api.patch(`/v1/items/${a.id}`, { name: "Alpha 2", quantity: 3, location: null });
    await api.delete(`/v1/items/${b.id}`);
    const c = await createItem(api, { name: "Gamma", quantity: 1 });

    const dry = await api.post(`/v1/snapshots/${snap.body.id}/restore?dry_run=true`);
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ dry_run: true, items_to_update: 1, items_to_restore: 1, items_to_trash: 1, items_to_create: 0 });

    const restore = await api.post(`/v1/snapshots/${snap.body.id}/restore`);
    expect(restore.status, JSON.stringify(restore.body)).toBe(200);
    expect(restore.body).toMatchObject({ status: "complete", items_updated: 1, items_restored: 1, items_trashed: 1 });

    const list = await api.get("/v1/items");
    const byId = Object.fromEntries(list.body.data.map((i: any) => [i.id, i]));
    expect(Object.keys(byId).sort()).toEqual([a.id, b.id].sort());
    expect(byId[a.id]).toMatchObject({ name: "Alpha", quantity: 10, location: "A" });
    expect(byId[b.id]).toMatchObject({ name: "Beta", quantity: 5 });
    expect((await api.get(`/v1/items/${c.id}`)).status).toBe(404);

    const sums = await env.DB.prepare(
      "SELECT i.id, i.quantity, (SELECT sum(quantity_change) FROM transactions t WHERE t.item_id = i.id) AS s FROM items i WHERE company_id = ?",
    ).bind(co.companyId).all<{ id: string; quantity: number; s: number | null }>();
    for (const row of sums.results) expect(row.quantity).toBe(row.s ?? 0);

    const download = await call("GET", `/v1/snapshots/${snap.body.id}/download`, { key: co.apiKey });
    expect(download.headers.get("Content-Type")).toBe("application/gzip");
    const bytes = new Uint8Array(await download.arrayBuffer());
    const digest = [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))].map((x) => x.toString(16).padStart(2, "0")).join("");
    expect(digest).toBe(snap.body.sha256);
  });
});

describe("taking, listing, downloading and deleting snapshots", () => {
  afterEach(() => setClock(null));

  it("takes a complete snapshot of the live items, with its audit entry", async () => {
    const at = Date.parse("2030-06-01T08:00:00.000Z");
    setClock(() => at);
    const co = await createCompany("professional");
    const api = client(co.apiKey);
    await createItem(api, { quantity: 3 });
    const trashed = await createItem(api);
    expect((await api.delete(`/v1/items/${trashed.id}`)).status).toBe(204);

    const response = await api.post("/v1/snapshots", { note: "Before stocktake" });
    expect(response.status).toBe(201);
    expectSnapshotShape(response.body);
    expect(response.body).toEqual({
      id: expect.stringMatching(SNAPSHOT_ID),
      type: "manual",
      status: "complete",
      item_count: 1,
      size_bytes: expect.any(Number),
      sha256: expect.stringMatching(SHA256_HEX),
      note: "Before stocktake",
      created_by: co.userId,
      created_at: "2030-06-01T08:00:00.000Z",
      completed_at: "2030-06-01T08:00:00.000Z",
      expires_at: "2030-07-01T08:00:00.000Z",
    });
    expect(response.body.size_bytes).toBeGreaterThan(0);
    expect((await api.get(`/v1/snapshots/${response.body.id}`)).body).toEqual(response.body);

    const audit = await api.get("/v1/audit_log?action=create");
    const entries = audit.body.data.filter((e: any) => e.resource_type === "snapshot");
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      action: "create",
      resource_type: "snapshot",
      resource_id: response.body.id,
      user_id: co.userId,
      api_key_id: co.apiKeyId,
      changes: response.body,
    });

    // No body at all is fine too: the note is null.
    const bare = await takeSnapshot(api);
    expect(bare.note).toBeNull();
  });

  it("downloads the blob: gzip NDJSON whose SHA-256 is the snapshot's, header line then the items", async () => {
    const co = await createCompany("enterprise");
    const api = client(co.apiKey);
    const a = await createItem(api, { name: "Alpha", quantity: 4, location: "Shelf 1", barcode: "12345", reorder_point: 2 });
    const b = await createItem(api, { name: "Beta \u00e9\u4e2d \"quoted\" back\\slash" });
    const trashed = await createItem(api, { name: "Trashed" });
    expect((await api.delete(`/v1/items/${trashed.id}`)).status).toBe(204);
    const snapshot = await takeSnapshot(api);

    const response = await call("GET", `/v1/snapshots/${snapshot.id}/download`, { key: co.apiKey });
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("application/gzip");
    expect(response.headers.get("Content-Disposition")).toBe(`attachment; filename="${snapshot.id}.ndjson.gz"`);
    expect(response.headers.get("Content-Length")).toBe(String(snapshot.size_bytes));
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect(bytes.byteLength).toBe(snapshot.size_bytes);
    expect(await sha256Hex(bytes)).toBe(snapshot.sha256);

    const [header, ...lines] = await gunzipLines(bytes);
    expect(header).toEqual({
      format: "inventory-manager-snapshot",
      version: 1,
      snapshot_id: snapshot.id,
      company_id: co.companyId,
      created_at: snapshot.created_at,
      item_count: 2,
    });
    expect(sortBy(lines as unknown as Item[], "id")).toEqual(sortBy([a, b], "id"));
  });

  it("an empty inventory makes a snapshot with the header line only", async () => {
    const co = await createCompany("enterprise");
    const api = client(co.apiKey);
    const snapshot = await takeSnapshot(api);
    expect(snapshot.item_count).toBe(0);
    const download = await call("GET", `/v1/snapshots/${snapshot.id}/download`, { key: co.apiKey });
    const lines = await gunzipLines(new Uint8Array(await download.arrayBuffer()));
    expect(lines).toEqual([expect.objectContaining({ snapshot_id: snapshot.id, item_count: 0 })]);
  });

  it("lists the company's snapshots newest first, with pagination", async () => {
    const co = await createCompany("enterprise");
    const api = client(co.apiKey);
    const made = [];
    for (let i = 0; i < 3; i++) {
      setClock(() => Date.parse("2030-06-01T08:00:00.000Z") + i * 60_000);
      made.push(await takeSnapshot(api, `#${i}`));
    }
    const page = await api.get("/v1/snapshots?limit=2");
    expect(page.status).toBe(200);
    expect(page.body).toEqual({
      data: [made[2], made[1]],
      pagination: { total: 3, limit: 2, offset: 0, has_more: true },
    });
    const rest = await api.get("/v1/snapshots?limit=2&offset=2");
    expect(rest.body).toEqual({ data: [made[0]], pagination: { total: 3, limit: 2, offset: 2, has_more: false } });
  });

  it("DELETE removes the row and the blob, with an audit entry; then it is 404", async () => {
    const co = await createCompany("professional");
    const api = client(co.apiKey);
    await createItem(api);
    const snapshot = await takeSnapshot(api);
    const key = String((await snapshotRow(snapshot.id))!.blob_key);
    expect(await env.SNAPSHOTS.head(key)).not.toBeNull();

    const response = await call("DELETE", `/v1/snapshots/${snapshot.id}`, { key: co.apiKey });
    expect(response.status).toBe(204);
    expect(await response.text()).toBe("");

    expect(await snapshotRow(snapshot.id)).toBeNull();
    expect(await env.SNAPSHOTS.head(key)).toBeNull();
    const audit = await api.get("/v1/audit_log?action=delete");
    expect(audit.body.data).toEqual([
      expect.objectContaining({ resource_type: "snapshot", resource_id: snapshot.id, user_id: co.userId, changes: snapshot }),
    ]);
    expectApiError(await api.get(`/v1/snapshots/${snapshot.id}`), 404, "not_found", "id");
    expectApiError(await api.get(`/v1/snapshots/${snapshot.id}/download`), 404, "not_found", "id");
    expectApiError(await api.delete(`/v1/snapshots/${snapshot.id}`), 404, "not_found", "id");
    expect((await api.get("/v1/snapshots")).body.pagination.total).toBe(0);
  });
});
