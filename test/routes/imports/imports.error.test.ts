import { describe, expect, it } from "vitest";
import { createCompany } from "../../helpers/factories.ts";
import { client, expectApiError } from "../../helpers/http.ts";
import { countTransactions, getCsv, postCsv, storedKeys } from "../../helpers/imports.ts";
import { createItem } from "../../helpers/items.ts";
import { liveItems, rowCounts } from "../../helpers/snapshots.ts";

describe("invalid rows", () => {
  it("one invalid row fails the import and changes nothing; every error names its row and column", async () => {
    const co = await createCompany();
    const api = client(co.apiKey);
    await createItem(api, { sku: "K-1", name: "Kept", quantity: 4 });
    const before = await rowCounts(co.companyId);
    const csv = "sku,name,quantity,reorder_point\nK-1,,9,\nN-1,New,abc,\nN-2,,1,\nN-3,Fine,2,-1\nbad sku!,X,1,\n";
    const res = await postCsv(co.apiKey, csv);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: "failed", rows_total: 5, rows_processed: 0, items_created: 0, items_updated: 0, errors_count: 4 });
    expect(res.body.errors).toEqual([
      { row: 3, column: "quantity", message: "The 'quantity' field must be a number." },
      { row: 4, column: "name", message: "The 'name' field is required." },
      { row: 5, column: "reorder_point", message: "The 'reorder_point' field must be at least 0." },
      { row: 6, column: "sku", message: "The 'sku' field may only contain letters, digits, '.', '_' and '-'." },
    ]);
    expect(await rowCounts(co.companyId)).toEqual(before);
    expect((await liveItems(co.companyId)).map((i) => i.quantity)).toEqual([4]);
    const errors = await getCsv(co.apiKey, `/v1/imports/${res.body.id}/errors`);
    expect(errors.text).toBe(
      "row,column,message\r\n" +
        "3,quantity,The 'quantity' field must be a number.\r\n" +
        "4,name,The 'name' field is required.\r\n" +
        "5,reorder_point,The 'reorder_point' field must be at least 0.\r\n" +
        "6,sku,\"The 'sku' field may only contain letters, digits, '.', '_' and '-'.\"\r\n",
    );
  });

  it("on_error=skip applies the valid rows and reports the others", async () => {
    const co = await createCompany();
    const res = await postCsv(co.apiKey, "sku,name,quantity\nG-1,Good,1\nB-1,Bad,-4\nG-2,Also good,2\n", "on_error=skip");
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      status: "complete",
      on_error: "skip",
      rows_total: 3,
      rows_processed: 3,
      items_created: 2,
      quantity_changes: 2,
      errors_count: 1,
      errors: [{ row: 3, column: "quantity", message: "The 'quantity' field must be at least 0." }],
    });
    expect((await liveItems(co.companyId)).map((i) => i.sku).sort()).toEqual(["G-1", "G-2"]);
  });

  it("refuses a SKU twice in the file (case-insensitively) and barcodes held by other items or rows", async () => {
    const co = await createCompany();
    const api = client(co.apiKey);
    await createItem(api, { sku: "HOLD-1", name: "Holder", barcode: "111" });
    const csv = "sku,name,barcode\nD-1,First,\nd-1,Second,\nD-2,Takes,111\nD-3,One,222\nD-4,Two,222\nHOLD-1,,111\n";
    const res = await postCsv(co.apiKey, csv);
    expect(res.body.status).toBe("failed");
    expect(res.body.errors).toEqual([
      { row: 3, column: "sku", message: "The SKU 'd-1' is also in row 2: a file may name each SKU once." },
      { row: 4, column: "barcode", message: "Another live item (SKU 'HOLD-1') already has this barcode." },
      { row: 6, column: "barcode", message: "The barcode '222' is also in row 5: each barcode belongs to one item." },
    ]);
  });

  it("a dry run reports what would change and changes nothing", async () => {
    const co = await createCompany();
    const api = client(co.apiKey);
    await createItem(api, { sku: "DR-1", name: "Dry", quantity: 3 });
    const before = await rowCounts(co.companyId);
    const res = await postCsv(co.apiKey, "sku,name,quantity\nDR-1,Dry,5\nDR-2,New,1\nDR-3,New too,\n", "dry_run=true");
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      status: "complete",
      dry_run: true,
      rows_total: 3,
      rows_processed: 3,
      items_created: 2,
      items_updated: 1,
      items_unchanged: 0,
      quantity_changes: 2,
      errors_count: 0,
    });
    expect(await rowCounts(co.companyId)).toEqual(before);
    expect(await countTransactions(co.companyId, res.body.id)).toEqual([]);
  });
});

describe("the file", () => {
  it("reads a header in another case with spaces, Excel's BOM, ';' separators and CRLF", async () => {
    const co = await createCompany();
    const bom = new Uint8Array([0xef, 0xbb, 0xbf]);
    const body = new TextEncoder().encode(" SKU ;Name;QUANTITY\r\nX-1;Semi, colon;7\r\n");
    const res = await postCsv(co.apiKey, new Uint8Array([...bom, ...body]));
    expect(res.body).toMatchObject({ status: "complete", items_created: 1, errors: [] });
    expect((await liveItems(co.companyId)).map(({ sku, name, quantity }) => ({ sku, name, quantity }))).toEqual([
      { sku: "X-1", name: "Semi, colon", quantity: 7 },
    ]);
  });

  it("fails on unknown, doubled or missing header columns, naming them at row 1", async () => {
    const co = await createCompany();
    const res = await postCsv(co.apiKey, "name,colour,name\nA,red,B\n");
    expect(res.body.status).toBe("failed");
    expect(res.body.errors).toEqual([
      { row: 1, column: "colour", message: expect.stringContaining("Unknown column 'colour'") },
      { row: 1, column: "name", message: "The column 'name' appears twice in the header." },
      { row: 1, column: "sku", message: expect.stringContaining("no 'sku' column") },
    ]);
  });

  it("reports rows with a broken quote, too many cells or bytes that are not UTF-8", async () => {
    const co = await createCompany();
    const bytes = new Uint8Array([...new TextEncoder().encode('sku,name\nQ-1,"a"b\nQ-2,x,extra\nQ-3,'), 0xff, 0x0a]);
    const res = await postCsv(co.apiKey, bytes, "on_error=skip");
    expect(res.body.errors).toEqual([
      { row: 2, column: null, message: expect.stringContaining("closing quote") },
      { row: 3, column: null, message: "This row has 3 cells; the header has 2 columns." },
      { row: 4, column: null, message: expect.stringContaining("not UTF-8") },
    ]);
  });

  it("415 for a body that is not CSV, 400 for an empty one, 413 past 50 MiB", async () => {
    const co = await createCompany();
    expectApiError(await postCsv(co.apiKey, "sku\n", "", { "Content-Type": "application/json" }), 415, "unsupported_media_type");
    expectApiError(await postCsv(co.apiKey, ""), 400, "invalid_request");
    expectApiError(await postCsv(co.apiKey, "sku\n", "", { "Content-Length": String(50 * 1024 * 1024 + 1) }), 413, "payload_too_large");
    expect(await storedKeys(`imports/${co.companyId}/`)).toEqual([]);
  });

  it("413 for more rows than the plan imports a file (starter: 5,000), leaving nothing stored", async () => {
    const co = await createCompany("starter");
    const rows = Array.from({ length: 5_001 }, (_, i) => `R-${i},Row ${i}`).join("\n");
    const res = await postCsv(co.apiKey, `sku,name\n${rows}\n`);
    expectApiError(res, 413, "payload_too_large");
    expect(res.body.error.message).toBe("The file has 5,001 rows; the starter plan imports at most 5,000 rows a file. Split it into smaller files.");
    expect(await storedKeys(`imports/${co.companyId}/`)).toEqual([]);
    expect((await client(co.apiKey).get("/v1/imports")).body.data).toEqual([]);
  });

  it("400 for a bad on_error or dry_run", async () => {
    const co = await createCompany();
    expectApiError(await postCsv(co.apiKey, "sku\n", "on_error=ignore"), 400, "invalid_request", "on_error");
    expectApiError(await postCsv(co.apiKey, "sku\n", "dry_run=maybe"), 400, "invalid_request", "dry_run");
  });
});
