// node scripts/bench/imports.ts [--rows 100000] [--changed 0.05]
// Imports N rows into an empty Enterprise company through the API (the local runtime, no wrangler
// proxy), then a stocktake of the same N rows with a share of changed quantities; prints the time
// of each until complete, the D1 calls per 1,000 rows (the ImportRunner's step log lines) and
// workerd's peak memory.
import assert from "node:assert/strict";
import { parseArgs } from "node:util";
import { provisionCompany } from "../../src/db/provisioning.ts";
import { startLocalWorker, workerdPeakMemoryMiB } from "../local-runtime.ts";

const { values } = parseArgs({ options: { rows: { type: "string", default: "100000" }, changed: { type: "string", default: "0.05" } } });
const rows = Number(values.rows);
const changedShare = Number(values.changed);

// The Worker's log lines carry each import step's D1 calls: VERBOSE=1 makes Miniflare print them.
process.env.VERBOSE ??= "1";
const steps: { import_id: string; d1_calls: number; ms: number; rows_processed: number }[] = [];
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
  const text = typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk);
  for (const match of text.matchAll(/\{"event":"import_step"[^}]*\}/g)) steps.push(JSON.parse(match[0]));
  if (text.includes('"event":"import_step"')) return true;
  return write(chunk as never, ...(rest as []));
}) as typeof process.stdout.write;

const runtime = await startLocalWorker();
const company = await provisionCompany({ name: "Import bench", plan: "enterprise", mode: "test" });
await runtime.db.batch(company.statements.map((s) => runtime.db.prepare(s.sql).bind(...s.params)));

const sku = (i: number) => `BENCH-${String(i).padStart(7, "0")}`;
const header = "sku,name,quantity,location,barcode,reorder_point\n";
const initial = header + Array.from({ length: rows }, (_, i) => `${sku(i)},"Part ${i}, bench",${i % 1000},Aisle ${i % 50},${i % 3 === 0 ? String(i).padStart(12, "0") : ""},${i % 4 === 0 ? 100 : ""}\n`).join("");
const everyNth = Math.round(1 / changedShare);
const stocktake = "sku,quantity\n" + Array.from({ length: rows }, (_, i) => `${sku(i)},${i % everyNth === 0 ? (i % 1000) + 1 : i % 1000}\n`).join("");

async function importFile(csv: string, label: string) {
  const started = performance.now();
  const response = await fetch(`${runtime.url}/v1/imports`, {
    method: "POST",
    headers: { Authorization: `Bearer ${company.apiKey}`, "Content-Type": "text/csv" },
    body: csv,
  });
  let body = (await response.json()) as Record<string, any>;
  assert.ok([201, 202].includes(response.status), JSON.stringify(body));
  const uploaded = performance.now();
  while (body.status !== "complete" && body.status !== "failed") {
    await new Promise((resolve) => setTimeout(resolve, 500));
    try {
      const poll = await fetch(`${runtime.url}/v1/imports/${body.id}`, { headers: { Authorization: `Bearer ${company.apiKey}` } });
      body = (await poll.json()) as Record<string, any>;
    } catch {
      // The local runtime closes a kept-alive socket now and then while a step runs: ask again.
    }
  }
  const seconds = (performance.now() - started) / 1000;
  assert.equal(body.status, "complete", JSON.stringify(body).slice(0, 1000));
  const mine = steps.filter((s) => s.import_id === body.id);
  const calls = mine.reduce((sum, s) => sum + s.d1_calls, 0);
  console.log(
    `${label.padEnd(34)} ${seconds.toFixed(1).padStart(6)} s  (upload + answer ${((uploaded - started) / 1000).toFixed(1)} s, ${mine.length} steps)  ` +
      `${(Buffer.byteLength(csv) / 1024 / 1024).toFixed(1)} MiB  D1 calls ${calls} = ${((calls / rows) * 1000).toFixed(1)} per 1,000 rows`,
  );
  console.log(`  ${JSON.stringify({ created: body.items_created, updated: body.items_updated, unchanged: body.items_unchanged, quantity_changes: body.quantity_changes, errors: body.errors_count })}`);
  return body;
}

const first = await importFile(initial, `import ${rows} new items`);
assert.equal(first.items_created, rows);
const second = await importFile(stocktake, `stocktake of ${rows} (${changedShare * 100}% changed)`);
assert.equal(second.quantity_changes, Math.ceil(rows / everyNth));

const check = await runtime.db
  .prepare(
    `SELECT count(*) AS live,
            sum(quantity = (SELECT coalesce(sum(quantity_change), 0) FROM transactions t WHERE t.company_id = i.company_id AND t.item_id = i.id)) AS balanced
     FROM items i WHERE company_id = ? AND deleted_at IS NULL`,
  )
  .bind(company.companyId)
  .first<{ live: number; balanced: number }>();
assert.equal(check!.live, rows);
assert.equal(check!.balanced, rows);
console.log(`live items: ${check!.live}; ledger balanced for all of them`);
console.log(`workerd peak resident memory: ${workerdPeakMemoryMiB()} MiB`);
await runtime.stop();
