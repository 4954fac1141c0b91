// An import's changes are events like any other (item.created, item.updated, transaction.created
// for each count row), and the import ends with import.completed or import.failed in the batch
// that records the outcome; a dry run changes nothing and has no events.
import { describe, expect, it } from "vitest";
import { createCompany } from "../../helpers/factories.ts";
import { client } from "../../helpers/http.ts";
import { eventsOf } from "../../helpers/events.ts";
import { postCsv } from "../../helpers/imports.ts";
import { createItem } from "../../helpers/items.ts";

describe("the events of an import", () => {
  it("item.created / item.updated, transaction.created for count rows, then import.completed with the import", async () => {
    const co = await createCompany();
    const api = client(co.apiKey);
    const kept = await createItem(api, { sku: "EV-1", name: "Kept", quantity: 5 });
    const before = (await eventsOf(api)).length;
    const res = await postCsv(co.apiKey, "sku,name,quantity\nEV-1,Kept,8\nEV-2,New,2\n");
    const events = (await eventsOf(api)).slice(before);
    expect(events.map((e) => e.type)).toEqual(["item.updated", "transaction.created", "item.created", "transaction.created", "import.completed"]);
    expect(events.every((e) => e.request_id === events[0].request_id && e.user_id === co.userId)).toBe(true);
    expect(events[0].data.object).toMatchObject({ id: kept.id, quantity: 8 });
    expect(events[0].data.previous_attributes).toMatchObject({ quantity: 5 });
    expect(events[1].data.object).toMatchObject({ item_id: kept.id, type: "count", quantity_change: 3, reference: res.body.id });
    expect(events[3].data.object).toMatchObject({ type: "count", quantity_change: 2, reference: res.body.id });
    expect(events[4].data.object).toEqual((await api.get(`/v1/imports/${res.body.id}`)).body);
    expect(events[4].data.previous_attributes).toBeNull();
  });

  it("import.failed for an import that fails, and nothing else", async () => {
    const co = await createCompany();
    const api = client(co.apiKey);
    const res = await postCsv(co.apiKey, "sku,name\nF-1,\n");
    expect(res.body.status).toBe("failed");
    const events = await eventsOf(api);
    expect(events.map((e) => e.type)).toEqual(["import.failed"]);
    expect(events[0].data.object).toEqual(res.body);
  });

  it("a dry run has no events", async () => {
    const co = await createCompany();
    await postCsv(co.apiKey, "sku,name\nD-1,Dry\n", "dry_run=true");
    expect(await eventsOf(client(co.apiKey))).toEqual([]);
  });
});
