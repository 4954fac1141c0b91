import { describe, expect, it } from "vitest";
import { createCompany } from "../../helpers/factories.ts";
import { client } from "../../helpers/http.ts";
import { countTransactions, getCsv, IMPORT_ID, postCsv } from "../../helpers/imports.ts";
import { createItem, ISO_UTC } from "../../helpers/items.ts";
import { ledgerMismatches, liveItems } from "../../helpers/snapshots.ts";

describe("POST /v1/imports", () => {
  it("creates new items and answers the complete import (201)", async () => {
    const co = await createCompany();
    const res = await postCsv(co.apiKey, "sku,name,quantity,location\nA-1,Bolt,5,Shelf 1\nA-2,Nut,,\n");
    expect(res.body).toEqual({
      id: expect.stringMatching(IMPORT_ID),
      status: "complete",
      dry_run: false,
      on_error: "fail",
      rows_total: 2,
      rows_processed: 2,
      items_created: 2,
      items_updated: 0,
      items_unchanged: 0,
      quantity_changes: 1,
      errors_count: 0,
      errors: [],
      created_at: expect.stringMatching(ISO_UTC),
      completed_at: expect.stringMatching(ISO_UTC),
    });
    expect(res.status).toBe(201);
    const items = await liveItems(co.companyId);
    expect(items.map(({ sku, name, quantity, location }) => ({ sku, name, quantity, location })).sort((a, b) => a.sku.localeCompare(b.sku))).toEqual([
      { sku: "A-1", name: "Bolt", quantity: 5, location: "Shelf 1" },
      { sku: "A-2", name: "Nut", quantity: 0, location: null },
    ]);
    const ledger = await countTransactions(co.companyId, res.body.id);
    expect(ledger).toEqual([{ item_id: expect.any(String), quantity_change: 5, quantity_before: 0, quantity_after: 5, reference: res.body.id, type: "count" }]);
    expect(await ledgerMismatches(co.companyId)).toEqual([]);
    const got = await client(co.apiKey).get(`/v1/imports/${res.body.id}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(res.body);
  });

  it("a stocktake writes one count transaction per changed quantity, referencing the import", async () => {
    const co = await createCompany();
    const api = client(co.apiKey);
    const a = await createItem(api, { sku: "S-1", name: "One", quantity: 10 });
    const b = await createItem(api, { sku: "S-2", name: "Two", quantity: 20 });
    const c = await createItem(api, { sku: "S-3", name: "Three", quantity: 30 });
    const res = await postCsv(co.apiKey, "SKU,Quantity\ns-1,12\nS-2,20\nS-3,0\n");
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: "complete", items_updated: 2, items_unchanged: 1, quantity_changes: 2, items_created: 0 });
    expect(await countTransactions(co.companyId, res.body.id)).toEqual([
      { item_id: a.id, quantity_change: 2, quantity_before: 10, quantity_after: 12, reference: res.body.id, type: "count" },
      { item_id: c.id, quantity_change: -30, quantity_before: 30, quantity_after: 0, reference: res.body.id, type: "count" },
    ]);
    expect((await api.get(`/v1/items/${b.id}`)).body.quantity).toBe(20);
    expect((await api.get(`/v1/items/${a.id}`)).body).toMatchObject({ sku: "S-1", quantity: 12 });
    expect(await ledgerMismatches(co.companyId)).toEqual([]);
  });

  it("errors CSV lists nothing for a clean import", async () => {
    const co = await createCompany();
    const res = await postCsv(co.apiKey, "sku,name\nE-1,Thing\n");
    const errors = await getCsv(co.apiKey, `/v1/imports/${res.body.id}/errors`);
    expect(errors.status).toBe(200);
    expect(errors.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    expect(errors.text).toBe("row,column,message\r\n");
  });
});
