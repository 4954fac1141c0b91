// npm run snapshot-demo -- [--items 100000]
// Seeds one Enterprise company with N items in a local runtime (Miniflare, no wrangler proxy),
// snapshots it, changes it through the API, dry-runs and restores the snapshot, waits for the
// background restore to finish, checks the result, and prints the times and workerd's peak memory.
import assert from "node:assert/strict";
import { parseArgs } from "node:util";
import { provisionCompany } from "../src/db/provisioning.ts";
import { startLocalWorker, workerdPeakMemoryMiB } from "./local-runtime.ts";
import { seedItemId, seedItems } from "./seed.ts";

const { values } = parseArgs({ options: { items: { type: "string", default: "100000" } } });
const count = Number(values.items);
const runtime = await startLocalWorker();
const { db } = runtime;

async function timed<T>(label: string, work: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const result = await work();
  console.log(`${label.padEnd(44)} ${((performance.now() - start) / 1000).toFixed(2).padStart(7)} s`);
  return result;
}

async function api(method: string, path: string, body?: unknown) {
  const response = await fetch(`${runtime.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${company.apiKey}`, ...(body ? { "Content-Type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

const company = await provisionCompany({ name: "Snapshot demo", plan: "enterprise", mode: "test" });
await db.batch(company.statements.map((s) => db.prepare(s.sql).bind(...s.params)));
await timed(`seed ${count} items (+ initial ledger rows)`, () =>
  seedItems(db, { companyId: company.companyId, userId: company.userId, count }),
);

const snapshot = await timed("POST /v1/snapshots", () => api("POST", "/v1/snapshots", { note: "demo" }));
assert.equal(snapshot.status, 201, JSON.stringify(snapshot.body));
console.log(`  ${snapshot.body.item_count} items, ${(snapshot.body.size_bytes / 1024 / 1024).toFixed(2)} MiB gzip`);

await timed("change: 1,000 receives, 100 deletes, 100 new items", async () => {
  for (let b = 0; b < 10; b++) {
    const transactions = Array.from({ length: 100 }, (_, i) => ({
      item_id: seedItemId(b * 100 + i + 1),
      type: "receive",
      quantity: 5,
    }));
    assert.equal((await api("POST", "/v1/transactions/batch", { transactions })).status, 201);
  }
  for (let i = 0; i < 100; i++) {
    assert.equal((await api("DELETE", `/v1/items/${seedItemId(Math.floor(count / 2) + i)}`)).status, 204);
    assert.equal((await api("POST", "/v1/items", { name: `New ${i}`, sku: `NEW-${i}`, quantity: 1 })).status, 201);
  }
});

const dry = await timed("POST …/restore?dry_run=true", () => api("POST", `/v1/snapshots/${snapshot.body.id}/restore?dry_run=true`));
assert.equal(dry.status, 200, JSON.stringify(dry.body));
const { sample: _, ...counts } = dry.body;
console.log(`  ${JSON.stringify(counts)}`);

const restore = await timed("restore, until complete", async () => {
  let current = await api("POST", `/v1/snapshots/${snapshot.body.id}/restore`);
  assert.ok([200, 202].includes(current.status), JSON.stringify(current.body));
  while (current.body.status === "running" || current.body.status === "pending") {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    try {
      current = await api("GET", `/v1/snapshots/${snapshot.body.id}/restores/${current.body.id}`);
    } catch (error) {
      console.log(`  poll failed (${(error as Error).cause ?? error}); trying again`);
    }
  }
  return current.body;
});
assert.equal(restore.status, "complete", JSON.stringify(restore));
console.log(`  ${JSON.stringify({ updated: restore.items_updated, restored: restore.items_restored, trashed: restore.items_trashed })}`);

const check = await db
  .prepare(
    `SELECT count(*) AS live,
            sum(quantity = (SELECT coalesce(sum(quantity_change), 0) FROM transactions t WHERE t.company_id = i.company_id AND t.item_id = i.id)) AS balanced
     FROM items i WHERE company_id = ? AND deleted_at IS NULL`,
  )
  .bind(company.companyId)
  .first<{ live: number; balanced: number }>();
assert.equal(check!.live, count);
assert.equal(check!.balanced, count);
console.log(`live items after restore: ${check!.live}; ledger balanced for all of them`);
console.log(`workerd peak resident memory: ${workerdPeakMemoryMiB()} MiB`);
await runtime.stop();
