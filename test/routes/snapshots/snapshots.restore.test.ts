import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { createDatabase } from "../../../src/db/client.ts";
import { purgeTrashedItems } from "../../../src/db/items.ts";
import { DAY_MS, setClock } from "../../../src/lib/clock.ts";
import { createCompany } from "../../helpers/factories.ts";
import { client, expectApiError } from "../../helpers/http.ts";
import { createItem, type Api } from "../../helpers/items.ts";
import { auditRows } from "../../helpers/keys.ts";
import {
  ledgerMismatches,
  liveItems,
  RESTORE_ID,
  restoreSnapshot,
  rowCounts,
  snapshotRow,
  sortBy,
  takeSnapshot,
  trashedIds,
  type ItemState,
} from "../../helpers/snapshots.ts";

// Restoring makes the live items equal to the snapshot's: differing items are updated, quantity
// differences are `restore` ledger rows (quantity stays the sum of the ledger), items created
// since go to the trash, trashed or purged items the snapshot holds come back, and every change
// has a `restore` audit entry.

afterEach(() => setClock(null));

const T0 = Date.parse("2030-01-10T12:00:00.000Z");

/** Records a transaction through the API and asserts the 201. */
async function move(api: Api, itemId: string, type: string, quantity: number) {
  const response = await api.post("/v1/transactions", { item_id: itemId, type, quantity });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
}

async function expectStatus(promise: Promise<{ status: number; body: unknown }>, status: number) {
  const response = await promise;
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  return response;
}

/**
 * An enterprise company with seven items, a snapshot of them, and then every kind of change the
 * restore has to undo. Time is fixed at T0 for the snapshot and 31 days later for the changes,
 * so that the trash purge can remove one item for good in between.
 */
async function snapshotThenChange() {
  setClock(() => T0);
  const co = await createCompany("enterprise");
  const api = client(co.apiKey);
  const edited = await createItem(api, { name: "Alpha", sku: "ALPHA", quantity: 10, location: "A-1", barcode: "111", reorder_point: 2 });
  const moved = await createItem(api, { name: "Beta", sku: "BETA", quantity: 5 });
  const deleted = await createItem(api, { name: "Gamma", sku: "GAMMA", quantity: 3, location: "C-3" });
  const purged = await createItem(api, { name: "Delta", sku: "DELTA", quantity: 4, barcode: "444", reorder_point: 1 });
  const freed = await createItem(api, { name: "Epsilon", sku: "FREE-1", quantity: 6 });
  const untouched = await createItem(api, { name: "Zeta", sku: "ZETA" });
  const snapshot = await takeSnapshot(api, "before the changes");
  const atSnapshot = await liveItems(co.companyId);

  // Purged since: trashed now, and 31 days later the daily job's purge removes it for good.
  await expectStatus(api.delete(`/v1/items/${purged.id}`), 204);
  setClock(() => T0 + 31 * DAY_MS);
  await purgeTrashedItems(createDatabase(env.DB), 500);
  expect(await env.DB.prepare("SELECT id FROM items WHERE id = ?").bind(purged.id).first()).toBeNull();

  await expectStatus(api.patch(`/v1/items/${edited.id}`, { name: "Alpha v2", location: null, barcode: "999", reorder_point: null, quantity: 3 }), 200);
  await move(api, moved.id, "receive", 7);
  await move(api, moved.id, "issue", 3);
  await expectStatus(api.delete(`/v1/items/${deleted.id}`), 204);
  await expectStatus(api.delete(`/v1/items/${freed.id}`), 204);
  const squatter = await createItem(api, { name: "Squatter", sku: "FREE-1", quantity: 2 });
  const created = await createItem(api, { name: "New since", sku: "NEW", quantity: 8 });
  const beforeRestore = await liveItems(co.companyId);

  return {
    co,
    api,
    snapshot,
    atSnapshot,
    beforeRestore,
    items: { edited, moved, deleted, purged, freed, untouched, squatter, created },
  };
}

describe("restoring a snapshot", () => {
  it("brings back every field of every item, and the ledger, audit log and trash agree", async () => {
    const { co, api, snapshot, atSnapshot, items } = await snapshotThenChange();
    expect(atSnapshot).toHaveLength(6);

    const restore = await restoreSnapshot(api, snapshot.id);
    expect(restore).toEqual({
      id: expect.stringMatching(RESTORE_ID),
      dry_run: false,
      snapshot_id: snapshot.id,
      pre_restore_snapshot_id: expect.stringMatching(/^snap_/),
      status: "complete",
      phase: "apply",
      items_total: 6,
      items_processed: 6,
      items_updated: 2,
      items_restored: 2,
      items_created: 1,
      items_trashed: 2,
      error: null,
      created_at: new Date(T0 + 31 * DAY_MS).toISOString(),
      updated_at: new Date(T0 + 31 * DAY_MS).toISOString(),
      completed_at: new Date(T0 + 31 * DAY_MS).toISOString(),
    });

    // Every field of every live item, created_at included, is what the snapshot holds.
    expect(await liveItems(co.companyId)).toEqual(atSnapshot);
    const list = await api.get("/v1/items?limit=100");
    const listed: ItemState[] = list.body.data.map(({ updated_at: _, ...item }: { updated_at: string }) => item);
    expect(sortBy(listed, "id")).toEqual(atSnapshot);
    // The purged item is back under its own id; the items created since are in the trash.
    expect((await api.get(`/v1/items/${items.purged.id}`)).body).toMatchObject({ ...items.purged, updated_at: expect.any(String) });
    expect(await trashedIds(co.companyId)).toEqual([items.squatter.id, items.created.id].sort());
    expect((await api.get(`/v1/items/${items.squatter.id}`)).status).toBe(404);

    // quantity == sum(quantity_change) for every item, and the differences are `restore` rows.
    expect(await ledgerMismatches(co.companyId)).toEqual([]);
    const ledger = await api.get("/v1/transactions?type=restore&limit=100");
    expect(ledger.status).toBe(200);
    const restoreRows = ledger.body.data.map((t: any) => ({
      item_id: t.item_id,
      quantity_change: t.quantity_change,
      quantity_before: t.quantity_before,
      quantity_after: t.quantity_after,
      user_id: t.user_id,
    }));
    expect(sortBy(restoreRows, "item_id")).toEqual(
      sortBy(
        [
          { item_id: items.edited.id, quantity_change: 7, quantity_before: 3, quantity_after: 10, user_id: co.userId },
          { item_id: items.moved.id, quantity_change: -4, quantity_before: 9, quantity_after: 5, user_id: co.userId },
        ],
        "item_id",
      ),
    );

    // One `restore` audit entry per item brought back, and one for the snapshot.
    const audit = await api.get("/v1/audit_log?action=restore&limit=100");
    const entries = audit.body.data as any[];
    const itemEntries = entries.filter((e) => e.resource_type === "item");
    expect(itemEntries.map((e) => e.resource_id).sort()).toEqual(
      [items.edited.id, items.moved.id, items.deleted.id, items.purged.id, items.freed.id].sort(),
    );
    for (const entry of itemEntries) {
      expect(entry).toMatchObject({ action: "restore", item_id: entry.resource_id, user_id: co.userId, api_key_id: co.apiKeyId });
    }
    const editedEntry = itemEntries.find((e) => e.resource_id === items.edited.id);
    expect(editedEntry.changes).toEqual({
      name: { from: "Alpha v2", to: "Alpha" },
      location: { from: null, to: "A-1" },
      barcode: { from: "999", to: "111" },
      reorder_point: { from: null, to: 2 },
      quantity: { from: 3, to: 10 },
    });
    const editedTxn = ledger.body.data.find((t: any) => t.item_id === items.edited.id);
    expect(editedEntry.transaction_id).toBe(editedTxn.id);
    expect(entries.filter((e) => e.resource_type === "snapshot")).toEqual([
      expect.objectContaining({
        resource_id: snapshot.id,
        changes: { restore_id: restore.id, pre_restore_snapshot_id: restore.pre_restore_snapshot_id },
      }),
    ]);
    // Items created since went to the trash with a `delete` entry each.
    const deletes = await api.get(`/v1/audit_log?action=delete&item_id=${items.created.id}`);
    expect(deletes.body.data).toEqual([expect.objectContaining({ resource_id: items.created.id, changes: expect.objectContaining({ sku: "NEW" }) })]);

    // The restore can be followed by its id.
    const followed = await api.get(`/v1/snapshots/${snapshot.id}/restores/${restore.id}`);
    expect(followed.status).toBe(200);
    expect(followed.body).toEqual(restore);
  });

  it("takes a pre_restore snapshot first, and restoring that one undoes the restore", async () => {
    const { co, api, snapshot, atSnapshot, beforeRestore } = await snapshotThenChange();
    const restore = await restoreSnapshot(api, snapshot.id);

    const pre = await api.get(`/v1/snapshots/${restore.pre_restore_snapshot_id}`);
    expect(pre.status).toBe(200);
    expect(pre.body).toMatchObject({
      id: restore.pre_restore_snapshot_id,
      type: "pre_restore",
      status: "complete",
      item_count: beforeRestore.length,
      created_by: co.userId,
      note: null,
    });
    const listed = await api.get("/v1/snapshots");
    expect(listed.body.data.map((s: any) => [s.id, s.type])).toEqual(
      expect.arrayContaining([
        [snapshot.id, "manual"],
        [restore.pre_restore_snapshot_id, "pre_restore"],
      ]),
    );
    expect(await liveItems(co.companyId)).toEqual(atSnapshot);

    const undo = await restoreSnapshot(api, restore.pre_restore_snapshot_id!);
    expect(undo.pre_restore_snapshot_id).not.toBe(restore.pre_restore_snapshot_id);
    expect(await liveItems(co.companyId)).toEqual(beforeRestore);
    expect(await ledgerMismatches(co.companyId)).toEqual([]);
  });

  it("is refused with 409 when the stored blob does not match its checksum, and nothing changes", async () => {
    setClock(() => T0);
    const co = await createCompany("starter");
    const api = client(co.apiKey);
    const item = await createItem(api, { name: "Widget", sku: "W-1", quantity: 5 });
    const snapshot = await takeSnapshot(api);
    await expectStatus(api.patch(`/v1/items/${item.id}`, { name: "Widget v2", quantity: 9 }), 200);
    const key = String((await snapshotRow(snapshot.id))!.blob_key);
    const original = new Uint8Array(await (await env.SNAPSHOTS.get(key))!.arrayBuffer());
    const items = await liveItems(co.companyId);
    const counts = await rowCounts(co.companyId);

    // A well-formed blob with one number changed, then random bytes, then no blob at all.
    const forged = await new Response(
      new Blob([
        `${JSON.stringify({ format: "inventory-manager-snapshot", version: 1, snapshot_id: snapshot.id, company_id: co.companyId, created_at: snapshot.created_at, item_count: 1 })}\n`,
        `${JSON.stringify({ ...item, quantity: 500 })}\n`,
      ]).stream().pipeThrough(new CompressionStream("gzip")),
    ).arrayBuffer();
    const damages: [string, () => Promise<unknown>][] = [
      ["forged", () => env.SNAPSHOTS.put(key, forged)],
      ["garbage", () => env.SNAPSHOTS.put(key, crypto.getRandomValues(new Uint8Array(256)))],
      ["truncated", () => env.SNAPSHOTS.put(key, original.slice(0, original.length - 8))],
      ["missing", () => env.SNAPSHOTS.delete(key)],
    ];
    for (const [name, damage] of damages) {
      await damage();
      const refused = await api.post(`/v1/snapshots/${snapshot.id}/restore`);
      expectApiError(refused, 409, "invalid_state");
      expect(refused.body.error.message, name).toMatch(/checksum/);
      const dryRun = await api.post(`/v1/snapshots/${snapshot.id}/restore?dry_run=true`);
      expectApiError(dryRun, 409, "invalid_state");
    }
    // Nothing changed: no items, ledger rows, audit entries, pre_restore snapshot or restore row.
    expect(await liveItems(co.companyId)).toEqual(items);
    expect(await rowCounts(co.companyId)).toEqual(counts);
    expect(counts.snapshots).toBe(1);
    expect(counts.restores).toBe(0);

    // The starter plan's one restore a day was not used up: with the blob repaired it runs.
    await env.SNAPSHOTS.put(key, original);
    const restore = await restoreSnapshot(api, snapshot.id);
    expect(restore.items_updated).toBe(1);
    expect((await api.get(`/v1/items/${item.id}`)).body).toMatchObject({ name: "Widget", quantity: 5 });
  });

  it("swaps SKUs and barcodes back between items the snapshot holds", async () => {
    const co = await createCompany("enterprise");
    const api = client(co.apiKey);
    const a = await createItem(api, { name: "A", sku: "SKU-A", barcode: "BC-A" });
    const b = await createItem(api, { name: "B", sku: "SKU-B", barcode: "BC-B" });
    const snapshot = await takeSnapshot(api);
    const atSnapshot = await liveItems(co.companyId);
    await expectStatus(api.patch(`/v1/items/${a.id}`, { sku: "SKU-TMP", barcode: null }), 200);
    await expectStatus(api.patch(`/v1/items/${b.id}`, { sku: "SKU-A", barcode: "BC-A" }), 200);
    await expectStatus(api.patch(`/v1/items/${a.id}`, { sku: "SKU-B", barcode: "BC-B" }), 200);

    const restore = await api.post(`/v1/snapshots/${snapshot.id}/restore`);
    expect(restore.status, JSON.stringify(restore.body)).toBe(200);
    expect(restore.body).toMatchObject({ status: "complete", items_updated: 2, error: null });
    expect(await liveItems(co.companyId)).toEqual(atSnapshot);
    // On the way each gave up the other's SKU and barcode (parked), and both steps are audited.
    const entries = (await auditRows(a.id)).filter((e) => e.action === "restore").map((e) => e.changes);
    expect(entries).toEqual([
      { sku: { from: "SKU-B", to: expect.stringMatching(/^~restoring-\d+$/) }, barcode: { from: "BC-B", to: null } },
      { sku: { from: expect.stringMatching(/^~restoring-/), to: "SKU-A" }, barcode: { from: null, to: "BC-A" } },
    ]);
  });
});

describe("a dry run", () => {
  it("answers the counts and a sample of what would change, and changes nothing", async () => {
    const { co, api, snapshot, beforeRestore, items } = await snapshotThenChange();
    const counts = await rowCounts(co.companyId);
    const trash = await trashedIds(co.companyId);

    const dry = await api.post(`/v1/snapshots/${snapshot.id}/restore?dry_run=true`);
    expect(dry.status, JSON.stringify(dry.body)).toBe(200);
    expect(dry.body).toEqual({
      dry_run: true,
      snapshot_id: snapshot.id,
      items_to_update: 2,
      items_to_restore: 2,
      items_to_create: 1,
      items_to_trash: 2,
      quantity_changes: 2,
      sample: expect.any(Array),
    });
    const sample = Object.fromEntries(dry.body.sample.map((s: any) => [s.item_id, s]));
    expect(Object.keys(sample).sort()).toEqual(
      [items.edited.id, items.moved.id, items.deleted.id, items.purged.id, items.freed.id, items.squatter.id, items.created.id].sort(),
    );
    expect(sample[items.moved.id]).toEqual({ item_id: items.moved.id, action: "update", changes: { quantity: { from: 9, to: 5 } } });
    expect(sample[items.edited.id].changes).toMatchObject({ name: { from: "Alpha v2", to: "Alpha" } });
    expect(sample[items.deleted.id]).toMatchObject({ action: "restore" });
    expect(sample[items.purged.id]).toMatchObject({ action: "create", changes: expect.objectContaining({ sku: "DELTA" }) });
    expect(sample[items.created.id]).toMatchObject({ action: "trash", changes: expect.objectContaining({ sku: "NEW" }) });

    // `1` is accepted as true as well.
    const again = await api.post(`/v1/snapshots/${snapshot.id}/restore?dry_run=1`);
    expect(again.body).toEqual(dry.body);

    expect(await liveItems(co.companyId)).toEqual(beforeRestore);
    expect(await trashedIds(co.companyId)).toEqual(trash);
    expect(await rowCounts(co.companyId)).toEqual(counts);
  });

  it("rejects a dry_run value other than true/false/1/0", async () => {
    const co = await createCompany("enterprise");
    const api = client(co.apiKey);
    const snapshot = await takeSnapshot(api);
    const response = await api.post(`/v1/snapshots/${snapshot.id}/restore?dry_run=yes`);
    expectApiError(response, 400, "invalid_request", "dry_run");
    expect((await rowCounts(co.companyId)).restores).toBe(0);
  });
});
