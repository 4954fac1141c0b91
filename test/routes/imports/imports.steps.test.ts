// An import that cannot finish in one go continues step by step from the byte offset of its next
// row, shows where it is, and a step run again changes nothing twice. `runImportStep` is called
// with a small chunk size and the least budget (one chunk a step) to show the stepping on a few
// hundred rows; the benchmark (scripts/bench/imports.ts) shows the size.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { findImport, insertImport } from "../../../src/db/imports.ts";
import { runImportStep } from "../../../src/imports/run-import.ts";
import { importBlobKey } from "../../../src/imports/upload.ts";
import { nowIso } from "../../../src/lib/clock.ts";
import { newId } from "../../../src/lib/ids.ts";
import { createServices } from "../../../src/services/index.ts";
import { createCompany, type TestCompany } from "../../helpers/factories.ts";
import { client } from "../../helpers/http.ts";
import { countTransactions, postCsv, runImportAlarms } from "../../helpers/imports.ts";
import { ledgerMismatches, liveItems } from "../../helpers/snapshots.ts";

/** An import row and its file, made the way POST /v1/imports makes them. */
async function newImport(co: TestCompany, csv: string, options: { onError?: "fail" | "skip" } = {}): Promise<string> {
  const id = newId("imp");
  const key = importBlobKey(co.companyId, id);
  await env.SNAPSHOTS.put(key, csv);
  const now = nowIso();
  await insertImport(createServices(env).db, {
    id,
    companyId: co.companyId,
    status: "pending",
    onError: options.onError ?? "fail",
    blobKey: key,
    sizeBytes: csv.length,
    rowsTotal: csv.trimEnd().split("\n").length - 1,
    errors: [],
    userId: co.userId,
    apiKeyId: co.apiKeyId,
    requestId: null,
    createdAt: now,
    updatedAt: now,
  });
  return id;
}

const rows = (n: number, quantity: (i: number) => number) =>
  Array.from({ length: n }, (_, i) => `ST-${String(i).padStart(4, "0")},Item "${i}",${quantity(i)}`).join("\n");

describe("an import in steps", () => {
  it("validates, then applies a chunk a step from where the last left off, with its progress", async () => {
    const co = await createCompany();
    const id = await newImport(co, `sku,name,quantity\n${rows(250, (i) => i)}\n`);
    const services = createServices(env);
    const step = () => runImportStep(services, id, { budgetMs: 0, chunkSize: 40 });
    let row = await step();
    expect(row).toMatchObject({ status: "applying", rowsProcessed: 40, itemsCreated: 40, rowsTotal: 250 });
    const file = importBlobKey(co.companyId, id);
    expect(await env.SNAPSHOTS.head(file)).not.toBeNull();
    const seen = [row.rowsProcessed];
    while (row.status === "applying") {
      row = await step();
      seen.push(row.rowsProcessed);
    }
    expect(seen).toEqual([40, 80, 120, 160, 200, 240, 250]);
    expect(row).toMatchObject({ status: "complete", itemsCreated: 250, quantityChanges: 249, rowsProcessed: 250 });
    // The uploaded file is deleted once the import is over.
    expect(await env.SNAPSHOTS.head(file)).toBeNull();
    expect((await liveItems(co.companyId)).length).toBe(250);
    expect((await countTransactions(co.companyId, id)).length).toBe(249);
    expect(await ledgerMismatches(co.companyId)).toEqual([]);
  });

  it("each step goes on from the cursor the last one saved (a stocktake: 5 of 200 counts differ)", async () => {
    const co = await createCompany();
    const services = createServices(env);
    const first = await newImport(co, `sku,name,quantity\n${rows(200, () => 10)}\n`);
    while ((await runImportStep(services, first, { budgetMs: 60_000 })).status !== "complete");
    const stocktake = await newImport(co, `sku,quantity\n${rows(200, (i) => (i % 40 === 0 ? 12 : 10)).replace(/,Item "\d+"/g, "")}\n`);
    let row = await runImportStep(services, stocktake, { budgetMs: 0, chunkSize: 30 });
    const saved = { ...row };
    row = await runImportStep(services, stocktake, { budgetMs: 0, chunkSize: 30 });
    expect(row.rowsProcessed).toBe(saved.rowsProcessed + 30);
    while (row.status === "applying") row = await runImportStep(services, stocktake, { budgetMs: 0, chunkSize: 30 });
    expect(row).toMatchObject({ status: "complete", itemsUpdated: 5, itemsUnchanged: 195, quantityChanges: 5 });
    const ledger = await countTransactions(co.companyId, stocktake);
    expect(ledger.map((t) => [t.type, t.quantity_change, t.quantity_after])).toEqual(Array(5).fill(["count", 2, 12]));
    expect(await ledgerMismatches(co.companyId)).toEqual([]);
  });

  it("skips the invalid rows in every step with on_error=skip", async () => {
    const co = await createCompany();
    const csv = `sku,name,quantity\n${rows(100, (i) => (i % 10 === 3 ? -1 : 1))}\n`;
    const id = await newImport(co, csv, { onError: "skip" });
    const services = createServices(env);
    let row = await runImportStep(services, id, { budgetMs: 0, chunkSize: 7 });
    while (row.status === "applying") row = await runImportStep(services, id, { budgetMs: 0, chunkSize: 7 });
    expect(row).toMatchObject({ status: "complete", itemsCreated: 90, errorsCount: 10, rowsProcessed: 100 });
    expect(row.errors.map((e) => e.row)).toEqual([5, 15, 25, 35, 45, 55, 65, 75, 85, 95]);
    expect((await liveItems(co.companyId)).length).toBe(90);
  });

  it("through the API: a file over the inline size answers 202 and its Durable Object finishes it", async () => {
    const co = await createCompany();
    const res = await postCsv(co.apiKey, `sku,name,quantity\n${rows(1_500, () => 1)}\n`);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: "pending", rows_total: 1_500, rows_processed: 0 });
    await runImportAlarms(res.body.id);
    const done = await client(co.apiKey).get(`/v1/imports/${res.body.id}`);
    expect(done.body).toMatchObject({ status: "complete", rows_processed: 1_500, items_created: 1_500, quantity_changes: 1_500 });
    expect((await findImport(createServices(env).db, res.body.id))!.cursorRow).toBe(1_502);
  }, 60_000);
});
