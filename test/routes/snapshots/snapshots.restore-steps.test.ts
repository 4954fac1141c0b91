import { env, runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { createDatabase } from "../../../src/db/client.ts";
import { itemRowsByIds } from "../../../src/db/item-states.ts";
import { findSnapshot, insertRestore } from "../../../src/db/snapshots.ts";
import { newId } from "../../../src/lib/ids.ts";
import { nowIso } from "../../../src/lib/clock.ts";
import { APPLY_CHUNK } from "../../../src/items/apply-items.ts";
import { runRestoreStep, toRestore, TRASH_PAGE } from "../../../src/snapshots/restore.ts";
import { createServices } from "../../../src/services/index.ts";
import { createCompany, type TestCompany } from "../../helpers/factories.ts";
import { client, expectApiError } from "../../helpers/http.ts";
import { createItem } from "../../helpers/items.ts";
import {
  ledgerMismatches,
  liveItems,
  restoreRow,
  rowCounts,
  seedLedgeredItems,
  takeSnapshot,
  trashedIds,
} from "../../helpers/snapshots.ts";

// A restore that cannot finish in one go continues step by step, shows where it is, and can be
// run again safely. `runRestoreStep(createServices(env), id, 0)` does the least a step may do: one
// page of the trash phase (TRASH_PAGE live items) or one chunk of the apply phase (APPLY_CHUNK
// snapshot items).

/** A restore row made the way start-restore.ts makes it (the pre_restore snapshot is not needed here). */
async function newRestore(co: TestCompany, snapshotId: string): Promise<string> {
  const db = createDatabase(env.DB);
  const snapshot = (await findSnapshot(db, co.companyId, snapshotId))!;
  const id = newId("rst");
  const now = nowIso();
  const inserted = await insertRestore(
    db,
    {
      id,
      companyId: co.companyId,
      snapshotId,
      status: "pending",
      userId: co.userId,
      apiKeyId: co.apiKeyId,
      requestId: null,
      itemsTotal: snapshot.itemCount ?? 0,
      createdAt: now,
      updatedAt: now,
    },
    50,
  );
  expect(inserted).toBe(true);
  return id;
}

/** A D1 binding that records the SQL it prepares and counts the batches it runs. */
function recordingD1() {
  const prepared: string[] = [];
  let batches = 0;
  const d1 = {
    withSession: () => d1,
    getBookmark: () => null,
    prepare(query: string) {
      prepared.push(query);
      return env.DB.prepare(query);
    },
    batch(list: D1PreparedStatement[]) {
      batches += 1;
      return env.DB.batch(list);
    },
  };
  return { d1: d1 as unknown as D1Database, prepared, batches: () => batches };
}

/** What one step leaves behind: the public object and the stored cursor. */
async function step(restoreId: string) {
  const row = await runRestoreStep(createServices(env), restoreId, 0);
  return { ...toRestore(row), cursor: row.cursor };
}

describe("a restore in steps", () => {
  it("makes progress one page or chunk per step, shows it, and finishes", async () => {
    const co = await createCompany("enterprise");
    const api = client(co.apiKey);
    const kept = await seedLedgeredItems(co, 300, (i) => ({ name: `Kept ${i}`, quantity: i % 5 }));
    const snapshot = await takeSnapshot(api);
    expect(snapshot.item_count).toBe(300);
    const atSnapshot = await liveItems(co.companyId);

    // Since the snapshot: 250 new items, 20 snapshot items trashed, 30 renamed, and two items in
    // different pages and chunks swapped SKUs.
    const added = await seedLedgeredItems(co, 250, (i) => ({ name: `Added ${i}` }));
    const skuOf = (id: string) => atSnapshot.find((item) => item.id === id)!.sku;
    const setSku = env.DB.prepare("UPDATE items SET sku = ? WHERE id = ?");
    await env.DB.batch([
      setSku.bind("SWAP", kept[30]),
      setSku.bind(skuOf(kept[30]!), kept[250]),
      setSku.bind(skuOf(kept[250]!), kept[30]),
      env.DB.prepare(`UPDATE items SET deleted_at = ? WHERE id IN (${kept.slice(0, 20).map(() => "?").join(",")})`).bind(
        nowIso(),
        ...kept.slice(0, 20),
      ),
      env.DB.prepare(`UPDATE items SET name = 'Renamed ' || name WHERE id IN (${kept.slice(100, 130).map(() => "?").join(",")})`).bind(
        ...kept.slice(100, 130),
      ),
    ]);
    const restoreId = await newRestore(co, snapshot.id);

    // Trash phase: 530 live items, walked in pages of TRASH_PAGE by rowid; the cursor is the last rowid.
    const trashSteps = [];
    for (let i = 0; i < Math.ceil(530 / TRASH_PAGE); i++) trashSteps.push(await step(restoreId));
    expect(trashSteps.map((s) => [s.status, s.phase])).toEqual([
      ["running", "trash"],
      ["running", "trash"],
      ["running", "apply"],
    ]);
    expect(trashSteps[1]!.cursor).toBeGreaterThan(trashSteps[0]!.cursor);
    expect(trashSteps[2]!.cursor).toBe(0);
    // The 280 live kept items come first by rowid, then the 250 added: the first page holds kept
    // ones only (none trashed), the next reaches the added ones.
    expect(trashSteps.map((s) => s.items_trashed)).toEqual([0, 2 * TRASH_PAGE - 280, 250]);
    expect(await trashedIds(co.companyId)).toEqual([...kept.slice(0, 20), ...added].sort());

    // Apply phase: the 300 snapshot items in chunks of APPLY_CHUNK; items_processed is the cursor.
    const applySteps = [];
    for (let i = 0; i < Math.ceil(300 / APPLY_CHUNK); i++) applySteps.push(await step(restoreId));
    const chunkEnds = applySteps.map((_, i) => Math.min((i + 1) * APPLY_CHUNK, 300));
    expect(applySteps.map((s) => [s.status, s.items_processed, s.cursor])).toEqual(
      chunkEnds.map((end) => [end === 300 ? "complete" : "running", end, end]),
    );
    expect(applySteps.at(-1)).toMatchObject({
      items_total: 300,
      items_updated: 32,
      items_restored: 20,
      items_created: 0,
      items_trashed: 250,
      error: null,
      completed_at: expect.any(String),
    });
    expect(await liveItems(co.companyId)).toEqual(atSnapshot);
    expect(await ledgerMismatches(co.companyId)).toEqual([]);

    // A step after completion is a no-op: same row, same data.
    const counts = await rowCounts(co.companyId);
    const again = await step(restoreId);
    expect(again).toEqual(applySteps.at(-1));
    expect(await rowCounts(co.companyId)).toEqual(counts);
    expect(await liveItems(co.companyId)).toEqual(atSnapshot);
  });

  it("can run a chunk again (a step whose progress was lost) without changing anything twice", async () => {
    const co = await createCompany("enterprise");
    const api = client(co.apiKey);
    const ids = await seedLedgeredItems(co, 200, (i) => ({ quantity: 10 + i }));
    const snapshot = await takeSnapshot(api);
    const atSnapshot = await liveItems(co.companyId);
    // Every item's quantity changed since (with its ledger row), and one new item.
    await env.DB.batch(
      ids.flatMap((id) => [
        env.DB.prepare(
          `INSERT INTO transactions (id, company_id, item_id, type, quantity_change, quantity_before, quantity_after, user_id, created_at)
           SELECT ?, company_id, id, 'receive', 5, quantity, quantity + 5, ?, ? FROM items WHERE id = ?`,
        ).bind(newId("txn"), co.userId, nowIso(), id),
        env.DB.prepare("UPDATE items SET quantity = quantity + 5 WHERE id = ?").bind(id),
      ]),
    );
    await seedLedgeredItems(co, 1);
    const restoreId = await newRestore(co, snapshot.id);

    expect(await step(restoreId)).toMatchObject({ status: "running", phase: "trash", items_trashed: 0 });
    expect(await step(restoreId)).toMatchObject({ status: "running", phase: "apply", cursor: 0, items_trashed: 1 });
    expect(await step(restoreId)).toMatchObject({ status: "running", items_processed: APPLY_CHUNK, items_updated: APPLY_CHUNK });
    const afterFirstChunk = await rowCounts(co.companyId);

    // As if the step's progress had not been saved: the first chunk is applied again.
    await env.DB.prepare("UPDATE snapshot_restores SET cursor = 0, items_processed = 0, items_updated = 0 WHERE id = ?")
      .bind(restoreId)
      .run();
    expect(await step(restoreId)).toMatchObject({ status: "running", items_processed: APPLY_CHUNK, items_updated: 0 });
    expect(await rowCounts(co.companyId)).toEqual(afterFirstChunk);

    let last;
    do last = await step(restoreId);
    while (last.status === "running");
    expect(last).toMatchObject({ status: "complete", items_processed: 200, items_updated: 200 - APPLY_CHUNK });
    expect(await liveItems(co.companyId)).toEqual(atSnapshot);
    expect(await ledgerMismatches(co.companyId)).toEqual([]);
    // One `restore` ledger row per item, each taking back the 5 received.
    const restoreRows = await env.DB.prepare(
      "SELECT count(*) AS n, sum(quantity_change) AS total FROM transactions WHERE company_id = ? AND type = 'restore'",
    )
      .bind(co.companyId)
      .first<{ n: number; total: number }>();
    expect(restoreRows).toEqual({ n: 200, total: -1000 });
  });

  it("runs a large restore through the API and the Durable Object, followed by its id", async () => {
    const co = await createCompany("enterprise");
    const api = client(co.apiKey);
    await seedLedgeredItems(co, 400);
    const snapshot = await takeSnapshot(api);
    const atSnapshot = await liveItems(co.companyId);
    await seedLedgeredItems(co, 300);

    const started = await api.post(`/v1/snapshots/${snapshot.id}/restore`);
    // 200 when the first step finished it, 202 while the Durable Object's alarms go on.
    expect(started.status).toBe(started.body.status === "complete" ? 200 : 202);
    const restore = await vi.waitFor(
      async () => {
        const followed = await api.get(`/v1/snapshots/${snapshot.id}/restores/${started.body.id}`);
        expect(followed.body.status).toBe("complete");
        return followed.body;
      },
      { timeout: 30_000, interval: 100 },
    );
    expect(restore).toMatchObject({
      status: "complete",
      items_total: 400,
      items_processed: 400,
      items_trashed: 300,
      error: null,
    });
    expect(await liveItems(co.companyId)).toEqual(atSnapshot);
  });

  it("stops and says so when an item created during the restore holds a SKU it needs", async () => {
    const co = await createCompany("enterprise");
    const api = client(co.apiKey);
    const ids = await seedLedgeredItems(co, APPLY_CHUNK + 30);
    // An item of the second chunk.
    const trashed = ids[APPLY_CHUNK + 10]!;
    const snapshot = await takeSnapshot(api);
    const sku = (await liveItems(co.companyId)).find((item) => item.id === trashed)!.sku;
    await env.DB.prepare("UPDATE items SET deleted_at = ? WHERE id = ?").bind(nowIso(), trashed).run();
    const restoreId = await newRestore(co, snapshot.id);

    expect(await step(restoreId)).toMatchObject({ status: "running", phase: "apply" });
    expect(await step(restoreId)).toMatchObject({ status: "running", items_processed: APPLY_CHUNK });
    // The trash phase is over: a user now creates an item with the SKU of a trashed snapshot item.
    const newcomer = await createItem(api, { name: "Newcomer", sku });
    const failed = await step(restoreId);
    expect(failed).toMatchObject({
      status: "failed",
      items_processed: APPLY_CHUNK,
      cursor: APPLY_CHUNK,
      error: `Stopped after ${APPLY_CHUNK} items: Another live item already has this SKU.`,
      completed_at: expect.any(String),
    });
    // It stays failed (a later step does nothing), and the API shows why.
    expect(await step(restoreId)).toEqual(failed);
    const shown = await api.get(`/v1/snapshots/${snapshot.id}/restores/${restoreId}`);
    expect(shown.body).toMatchObject({ status: "failed", error: failed.error });
    // Its snapshot_restore.failed event holds the restore as the API shows it.
    const failedEvents = (await api.get("/v1/events?type=snapshot_restore.failed")).body.data;
    expect(failedEvents).toHaveLength(1);
    expect(failedEvents[0].data).toEqual({ object: shown.body, previous_attributes: null });
    // The failed chunk wrote nothing: the newcomer keeps its SKU, the trashed item stays trashed.
    expect((await api.get(`/v1/items/${newcomer.id}`)).body.sku).toBe(sku);
    expect((await api.get(`/v1/items/${trashed}`)).status).toBe(404);
    expect(await ledgerMismatches(co.companyId)).toEqual([]);
  });

  it("the restorer gives up after repeated failures and marks the restore failed", async () => {
    const co = await createCompany("enterprise");
    const api = client(co.apiKey);
    await createItem(api);
    const snapshot = await takeSnapshot(api);
    const restoreId = await newRestore(co, snapshot.id);
    // The blob disappears after the checks: every step fails (a storage error, retried).
    const row = await env.DB.prepare("SELECT blob_key FROM snapshots WHERE id = ?").bind(snapshot.id).first<{ blob_key: string }>();
    await env.SNAPSHOTS.delete(row!.blob_key);
    const restorer = env.SNAPSHOT_RESTORER.getByName(restoreId);

    // The first step fails: the caller gets the restore as it is (the API answers 202), retried by alarm.
    expect(await restorer.start(restoreId)).toMatchObject({ id: restoreId, status: "pending" });
    for (let attempt = 2; attempt <= 5; attempt++) {
      expect(await runDurableObjectAlarm(restorer)).toBe(true);
    }
    expect(await restoreRow(restoreId)).toMatchObject({
      status: "failed",
      error: "The restore stopped after 5 failed attempts; it can be started again.",
    });
    expect(await runDurableObjectAlarm(restorer)).toBe(false);
    const shown = await api.get(`/v1/snapshots/${snapshot.id}/restores/${restoreId}`);
    expect(shown.body).toMatchObject({ status: "failed", completed_at: expect.any(String) });
    expectApiError(await api.post(`/v1/snapshots/${snapshot.id}/restore`), 409, "invalid_state");
  });

  it("looks a chunk's items up by the id index, not by walking the company's items", async () => {
    const recorder = recordingD1();
    const ids = Array.from({ length: APPLY_CHUNK }, () => newId("item"));
    await itemRowsByIds(createDatabase(recorder.d1), "co_x", ids);
    const [query] = recorder.prepared;
    const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN ${query}`)
      .bind("co_x", ...ids)
      .all<{ detail: string }>();
    expect(plan.results.map((row) => row.detail)).toEqual([expect.stringContaining("USING INDEX items_id_unique (id=?)")]);
  });

  it("writes no batch for pages and chunks where nothing differs, only the progress at the end", async () => {
    const co = await createCompany("enterprise");
    const api = client(co.apiKey);
    await seedLedgeredItems(co, 2 * APPLY_CHUNK + 20);
    const snapshot = await takeSnapshot(api);
    const atSnapshot = await liveItems(co.companyId);
    const restoreId = await newRestore(co, snapshot.id);
    const counts = await rowCounts(co.companyId);

    const recorder = recordingD1();
    const services = { ...createServices(env), db: createDatabase(recorder.d1) };
    const row = await runRestoreStep(services, restoreId, 10_000);
    expect(toRestore(row)).toMatchObject({ status: "complete", items_processed: 2 * APPLY_CHUNK + 20, items_updated: 0 });
    expect(recorder.batches()).toBe(1);
    expect(await restoreRow(restoreId)).toMatchObject({ status: "complete", items_processed: 2 * APPLY_CHUNK + 20, cursor: 2 * APPLY_CHUNK + 20 });
    expect(await rowCounts(co.companyId)).toEqual(counts);
    expect(await liveItems(co.companyId)).toEqual(atSnapshot);
  });
});
