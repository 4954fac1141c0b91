import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createCompany } from "../../helpers/factories.ts";
import { call, client } from "../../helpers/http.ts";
import { createItem } from "../../helpers/items.ts";

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
