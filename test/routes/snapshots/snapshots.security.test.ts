import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createCompany, createKey } from "../../helpers/factories.ts";
import { call, callJson, client } from "../../helpers/http.ts";
import { createItem, expectApiError, type Api } from "../../helpers/items.ts";
import {
  liveItems,
  MISSING_SNAPSHOT,
  restoreSnapshot,
  rowCounts,
  snapshotRow,
  takeSnapshot,
} from "../../helpers/snapshots.ts";

// API.md §2: another company's snapshot looks exactly like a missing one, and read_only keys
// may only read.

/** Two companies: `owner` holds a snapshot (and a restore of it), `intruder` tries to reach them. */
async function twoCompanies() {
  const ownerCo = await createCompany("enterprise");
  const owner = client(ownerCo.apiKey);
  await createItem(owner, { name: "Secret Widget", quantity: 7 });
  const snapshot = await takeSnapshot(owner, "owner's");
  const restore = await restoreSnapshot(owner, snapshot.id);
  const intruderCo = await createCompany("enterprise");
  await createItem(client(intruderCo.apiKey), { name: "Intruder's own" });
  return { ownerCo, owner, snapshot, restore, intruderCo, intruder: client(intruderCo.apiKey) };
}

/** The error body with the id and the request id taken out, to compare two 404s. */
function shapeOf(response: { status: number; body: any }, id: string) {
  const { request_id: _, message, ...rest } = response.body.error;
  return { status: response.status, ...rest, message: String(message).replaceAll(id, "<id>") };
}

describe("another company's snapshots look exactly like missing ones", () => {
  const requests: [string, (api: Api, id: string) => Promise<{ status: number; headers: Headers; body: any }>][] = [
    ["GET", (api, id) => api.get(`/v1/snapshots/${id}`)],
    ["download", (api, id) => api.get(`/v1/snapshots/${id}/download`)],
    ["DELETE", (api, id) => api.delete(`/v1/snapshots/${id}`)],
    ["restore", (api, id) => api.post(`/v1/snapshots/${id}/restore`)],
    ["dry run", (api, id) => api.post(`/v1/snapshots/${id}/restore?dry_run=true`)],
  ];

  it.each(requests)("%s answers the same 404 and changes nothing", async (_, request) => {
    const { ownerCo, owner, snapshot, intruderCo, intruder } = await twoCompanies();
    const ownerItems = await liveItems(ownerCo.companyId);
    const ownerCounts = await rowCounts(ownerCo.companyId);
    const intruderCounts = await rowCounts(intruderCo.companyId);

    const foreign = await request(intruder, snapshot.id);
    const missing = await request(intruder, MISSING_SNAPSHOT);
    expectApiError(foreign, 404, "not_found", "id");
    expectApiError(missing, 404, "not_found", "id");
    expect(shapeOf(foreign, snapshot.id)).toEqual(shapeOf(missing, MISSING_SNAPSHOT));

    // The owner's snapshot, blob and items are untouched; the intruder got no restore or snapshot.
    expect((await owner.get(`/v1/snapshots/${snapshot.id}`)).body).toEqual(snapshot);
    const row = await snapshotRow(snapshot.id);
    expect(await env.SNAPSHOTS.head(String(row!.blob_key))).not.toBeNull();
    expect(await liveItems(ownerCo.companyId)).toEqual(ownerItems);
    expect(await rowCounts(ownerCo.companyId)).toEqual(ownerCounts);
    expect(await rowCounts(intruderCo.companyId)).toEqual(intruderCounts);
  });

  it("another company's restore is 404, under its own snapshot's id or the real one", async () => {
    const { owner, snapshot, restore, intruder } = await twoCompanies();
    const own = await takeSnapshot(intruder);
    for (const path of [
      `/v1/snapshots/${snapshot.id}/restores/${restore.id}`,
      `/v1/snapshots/${own.id}/restores/${restore.id}`,
    ]) {
      expectApiError(await intruder.get(path), 404, "not_found", "restore_id");
    }
    // The owner sees it, but only under the snapshot it belongs to.
    expect((await owner.get(`/v1/snapshots/${snapshot.id}/restores/${restore.id}`)).body).toEqual(restore);
    const other = await takeSnapshot(owner);
    expectApiError(await owner.get(`/v1/snapshots/${other.id}/restores/${restore.id}`), 404, "not_found", "restore_id");
  });

  it("lists only the key's company's snapshots", async () => {
    const { snapshot, restore, intruder } = await twoCompanies();
    const own = await takeSnapshot(intruder);
    const list = await intruder.get("/v1/snapshots");
    expect(list.body).toEqual({ data: [own], pagination: { total: 1, limit: 50, offset: 0, has_more: false } });
    expect(JSON.stringify(list.body)).not.toContain(snapshot.id);
    expect(JSON.stringify(list.body)).not.toContain(restore.pre_restore_snapshot_id);
  });
});

describe("roles", () => {
  it("a read_only key may list, read and download snapshots", async () => {
    const co = await createCompany("enterprise");
    const snapshot = await takeSnapshot(client(co.apiKey));
    const readerKey = await createKey(co, { role: "read_only" });
    const reader = client(readerKey);
    expect((await reader.get("/v1/snapshots")).body.data).toEqual([snapshot]);
    expect((await reader.get(`/v1/snapshots/${snapshot.id}`)).body).toEqual(snapshot);
    const download = await call("GET", `/v1/snapshots/${snapshot.id}/download`, { key: readerKey });
    expect(download.status).toBe(200);
    expect(download.headers.get("Content-Type")).toBe("application/gzip");
  });

  it("a read_only key may not take, delete or restore snapshots (dry runs included)", async () => {
    const co = await createCompany("enterprise");
    const admin = client(co.apiKey);
    await createItem(admin);
    const snapshot = await takeSnapshot(admin);
    const reader = client(await createKey(co, { role: "read_only" }));
    const counts = await rowCounts(co.companyId);

    for (const response of [
      await reader.post("/v1/snapshots", { note: "nope" }),
      await reader.delete(`/v1/snapshots/${snapshot.id}`),
      await reader.post(`/v1/snapshots/${snapshot.id}/restore`),
      await reader.post(`/v1/snapshots/${snapshot.id}/restore?dry_run=true`),
    ]) {
      expectApiError(response, 403, "permission_denied");
    }
    expect(await rowCounts(co.companyId)).toEqual(counts);
    expect((await admin.get(`/v1/snapshots/${snapshot.id}`)).body).toEqual(snapshot);
  });

  it("a member key may take and restore snapshots", async () => {
    const co = await createCompany("enterprise");
    const member = client(await createKey(co, { role: "member" }));
    await createItem(member);
    const snapshot = await takeSnapshot(member);
    expect(snapshot.created_by).toBe(co.userId);
    await restoreSnapshot(member, snapshot.id);
    expect((await member.delete(`/v1/snapshots/${snapshot.id}`)).status).toBe(204);
  });

  it("without a key every snapshot route is 401", async () => {
    const co = await createCompany("enterprise");
    const snapshot = await takeSnapshot(client(co.apiKey));
    for (const [method, path] of [
      ["GET", "/v1/snapshots"],
      ["POST", "/v1/snapshots"],
      ["GET", `/v1/snapshots/${snapshot.id}`],
      ["GET", `/v1/snapshots/${snapshot.id}/download`],
      ["DELETE", `/v1/snapshots/${snapshot.id}`],
      ["POST", `/v1/snapshots/${snapshot.id}/restore`],
    ] as const) {
      const response = await callJson(method, path);
      expectApiError(response, 401, "authentication_required");
      expect(response.headers.get("WWW-Authenticate")).toMatch(/^Bearer/);
    }
    expect(await snapshotRow(snapshot.id)).not.toBeNull();
  });
});
