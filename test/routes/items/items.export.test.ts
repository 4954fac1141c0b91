import { describe, expect, it } from "vitest";
import { nowIso } from "../../../src/lib/clock.ts";
import { createCompany } from "../../helpers/factories.ts";
import { client, expectApiError } from "../../helpers/http.ts";
import { countTransactions, getCsv, postCsv, runImportAlarms } from "../../helpers/imports.ts";
import { createItem } from "../../helpers/items.ts";
import { ledgerMismatches, liveItems, rowCounts } from "../../helpers/snapshots.ts";

const TRICKY = [
  { sku: "-LEADING", name: "=SUM(A1:A9)", location: "+49 Lager", barcode: "@home" },
  { sku: "UNI-1", name: "Überlager Süd — 🚀 ß", location: "Straße", barcode: "'=already" },
  { sku: "COMMA-1", name: 'Bolt, "hex", 5 mm', location: "A;B", barcode: null },
  { sku: "TAB-1", name: "Plain", location: null, barcode: "'plain" },
];

describe("GET /v1/items/export", () => {
  it("answers every live item as CSV with the object's field names, formula cells escaped", async () => {
    const co = await createCompany();
    const api = client(co.apiKey);
    const item = await createItem(api, { sku: "EXP-1", name: "=cmd|' /C calc'!A0", quantity: 3, reorder_point: 1 });
    const res = await getCsv(co.apiKey, "/v1/items/export");
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("Content-Disposition")).toBe(`attachment; filename="items-${nowIso().slice(0, 10)}.csv"`);
    expect(res.text).toBe(
      "id,name,sku,quantity,location,barcode,reorder_point,created_at,updated_at\r\n" +
        `${item.id},'=cmd|' /C calc'!A0,EXP-1,3,,,1,${item.created_at},${item.updated_at}\r\n`,
    );
  });

  it("takes the list's filters and pages through more items than a D1 page", async () => {
    const co = await createCompany();
    const api = client(co.apiKey);
    const rows = Array.from({ length: 1_203 }, (_, i) => `P-${i},Part ${i},${i % 3},${i % 2 ? "Hall" : "Yard"},,2`).join("\n");
    const imported = await postCsv(co.apiKey, `sku,name,quantity,location,barcode,reorder_point\n${rows}\n`);
    expect(imported.status).toBe(202);
    await runImportAlarms(imported.body.id);
    expect((await api.get(`/v1/imports/${imported.body.id}`)).body).toMatchObject({ status: "complete", items_created: 1_203 });
    const all = (await getCsv(co.apiKey, "/v1/items/export")).text.trimEnd().split("\r\n");
    expect(all.length).toBe(1_204);
    expect(new Set(all.slice(1).map((line) => line.split(",")[2])).size).toBe(1_203);
    const hall = (await getCsv(co.apiKey, "/v1/items/export?location=hall")).text.trimEnd().split("\r\n");
    expect(hall.length).toBe(602);
    const low = (await getCsv(co.apiKey, "/v1/items/export?low_stock=true&location=Yard")).text.trimEnd().split("\r\n");
    expect(low.slice(1).every((line) => /,[01],Yard,/.test(line))).toBe(true);
    expect(low.length - 1).toBe(Array.from({ length: 1_203 }, (_, i) => i).filter((i) => i % 2 === 0 && i % 3 < 2).length);
  }, 60_000);

  it("refuses paging parameters and unknown filters", async () => {
    const co = await createCompany();
    expectApiError(await client(co.apiKey).get("/v1/items/export?limit=10"), 400, "invalid_request", "limit");
    expectApiError(await client(co.apiKey).get("/v1/items/export?colour=red"), 400, "invalid_request", "colour");
  });

  it("export → import changes nothing, with formula-like text, unicode, commas, quotes and newlines", async () => {
    const co = await createCompany();
    const api = client(co.apiKey);
    for (const [i, input] of TRICKY.entries()) await createItem(api, { ...input, quantity: i * 7, reorder_point: i === 0 ? null : i });
    const before = await liveItems(co.companyId);
    const counts = await rowCounts(co.companyId);
    const csv = (await getCsv(co.apiKey, "/v1/items/export")).text;
    const res = await postCsv(co.apiKey, csv);
    expect(res.body).toMatchObject({ status: "complete", rows_total: 4, items_unchanged: 4, items_updated: 0, items_created: 0, quantity_changes: 0, errors: [] });
    expect(await liveItems(co.companyId)).toEqual(before);
    expect(await rowCounts(co.companyId)).toEqual(counts);
  });

  it("round trip: export, edit three quantities, dry run, import: three count transactions and their events", async () => {
    const co = await createCompany();
    const api = client(co.apiKey);
    const items = [];
    for (let i = 0; i < 5; i++) items.push(await createItem(api, { sku: `RT-${i}`, name: `Item ${i}`, quantity: 10 }));
    const csv = (await getCsv(co.apiKey, "/v1/items/export")).text;
    const edited = csv
      .split("\r\n")
      .map((line) => (/^item_\w+,Item [024],/.test(line) ? line.replace(/,RT-(\d),10,/, ",RT-$1,7,") : line))
      .join("\r\n");
    const dry = await postCsv(co.apiKey, edited, "dry_run=true");
    expect(dry.body).toMatchObject({ status: "complete", dry_run: true, items_updated: 3, items_unchanged: 2, quantity_changes: 3 });
    expect((await api.get("/v1/items/" + items[0]!.id)).body.quantity).toBe(10);
    const run = await postCsv(co.apiKey, edited);
    expect(run.body).toMatchObject({ status: "complete", items_updated: 3, items_unchanged: 2, quantity_changes: 3 });
    const ledger = await countTransactions(co.companyId, run.body.id);
    expect(ledger.map((t) => [t.item_id, t.type, t.quantity_change]).sort()).toEqual(
      [items[0]!, items[2]!, items[4]!].map((item) => [item.id, "count", -3]).sort(),
    );
    expect(await ledgerMismatches(co.companyId)).toEqual([]);
    // The import's transactions are in the ledger's own export too.
    const txns = (await getCsv(co.apiKey, "/v1/transactions/export?type=count")).text.trimEnd().split("\r\n");
    expect(txns[0]).toBe("id,item_id,type,quantity_change,quantity_before,quantity_after,reason,note,reference,order_id,user_id,created_at");
    expect(txns.slice(1).map((line) => line.split(",").slice(2, 6).concat(line.split(",")[8]!))).toEqual([
      ["count", "-3", "10", "7", run.body.id],
      ["count", "-3", "10", "7", run.body.id],
      ["count", "-3", "10", "7", run.body.id],
    ]);
  });
});
