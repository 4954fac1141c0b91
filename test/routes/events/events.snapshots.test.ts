// Events of snapshots and restores, and of the item changes a restore makes.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createServices } from "../../../src/services/index.ts";
import { createSnapshot } from "../../../src/snapshots/create-snapshot.ts";
import { createCompany } from "../../helpers/factories.ts";
import { eventsOf } from "../../helpers/events.ts";
import { client } from "../../helpers/http.ts";
import { createItem } from "../../helpers/items.ts";
import { restoreSnapshot, takeSnapshot } from "../../helpers/snapshots.ts";

describe("snapshot and restore events", () => {
  it("snapshot.completed, then a restore's item events and snapshot_restore.completed", async () => {
    const company = await createCompany("professional");
    const api = client(company.apiKey);
    const kept = await createItem(api, { name: "Kept", quantity: 8, reorder_point: 5 });
    const snapshot = await takeSnapshot(api);
    const [completed] = await eventsOf(api, "&type=snapshot.completed");
    expect(completed.data).toEqual({ object: (await api.get(`/v1/snapshots/${snapshot.id}`)).body, previous_attributes: null });

    // After the snapshot: the item runs low and a new item appears.
    await api.post("/v1/transactions", { item_id: kept.id, type: "issue", quantity: 6 });
    const extra = await createItem(api, { name: "Extra" });
    const before = (await eventsOf(api)).length;

    const restore = await restoreSnapshot(api, snapshot.id);
    const events = (await eventsOf(api)).slice(before);
    const types = events.map((e) => `${e.type} ${e.data.object.id ?? ""}`);
    // The pre-restore snapshot, the extra item trashed, the kept item set back (a ledger row of
    // type restore, back in stock), then the restore's own event.
    expect(types).toEqual([
      expect.stringMatching(/^snapshot\.completed snap_/),
      `item.deleted ${extra.id}`,
      `item.updated ${kept.id}`,
      expect.stringMatching(/^transaction\.created txn_/),
      `item.back_in_stock ${kept.id}`,
      `snapshot_restore.completed ${restore.id}`,
    ]);
    expect(events[2].data.previous_attributes).toMatchObject({ quantity: 2 });
    expect(events[3].data.object).toMatchObject({ type: "restore", quantity_before: 2, quantity_after: 8 });
    expect(events.at(-1).data).toEqual({ object: restore, previous_attributes: null });
  });
});

describe("a snapshot that fails", () => {
  it("writes snapshot.failed with the failed snapshot as the API shows it", async () => {
    const company = await createCompany("professional");
    const api = client(company.apiKey);
    await createItem(api, { quantity: 1 });
    // R2 refuses the upload (an outage): the snapshot is marked failed in one batch with its event.
    const unavailable = new Proxy(env.SNAPSHOTS, {
      get: (target, name) =>
        name === "createMultipartUpload"
          ? () => Promise.reject(new Error("R2 is unavailable"))
          : (target[name as keyof R2Bucket] as Function).bind(target),
    });
    const { db } = createServices(env);
    const actor = { companyId: company.companyId, userId: company.userId, apiKeyId: company.apiKeyId, requestId: null };
    await expect(createSnapshot({ db, blobs: unavailable }, { type: "manual", plan: "professional", actor, companyId: company.companyId })).rejects.toThrow(
      "R2 is unavailable",
    );
    const [failed] = await eventsOf(api, "&type=snapshot.failed");
    const shown = await api.get(`/v1/snapshots/${failed.data.object.id}`);
    expect(shown.body).toMatchObject({ status: "failed" });
    expect(failed.data).toEqual({ object: shown.body, previous_attributes: null });
    expect(await eventsOf(api, "&type=snapshot.completed")).toEqual([]);
  });
});
