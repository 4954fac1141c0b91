import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { drizzle } from "drizzle-orm/d1";
import { SQLiteAsyncDialect } from "drizzle-orm/sqlite-core";
import { liveItemsQueries, type ItemFilters } from "../../../src/db/items.ts";
import { createCompany } from "../../helpers/factories.ts";
import { client } from "../../helpers/http.ts";
import { createItem, ids, listItems, newestFirst, seedItems, type Api, type Item } from "../../helpers/items.ts";

async function setup() {
  const company = await createCompany();
  return { company, api: client(company.apiKey) };
}

/** The ids `GET /v1/items` answers for the query (one page of up to 100), as a set. */
async function found(api: Api, query: Record<string, string>): Promise<Set<string>> {
  const response = await listItems(api, { limit: 100, ...query });
  expect(response.body.pagination.total).toBe(response.body.data.length);
  return new Set(ids(response));
}

const idSet = (...list: Item[]) => new Set(list.map((item) => item.id));

describe("search", () => {
  it("matches words of the name by prefix, case-insensitively, but not inside a word", async () => {
    const { api } = await setup();
    const blue = await createItem(api, { name: "Blue Widget", sku: "BW-1" });
    const red = await createItem(api, { name: "Red widget-pro", sku: "RW-1" });
    await createItem(api, { name: "Gadget", sku: "GD-1" });

    expect(await found(api, { search: "wid" })).toEqual(idSet(blue, red));
    expect(await found(api, { search: "WIDGET" })).toEqual(idSet(blue, red));
    expect(await found(api, { search: "Wid" })).toEqual(idSet(blue, red));
    expect(await found(api, { search: "blu" })).toEqual(idSet(blue));
    expect(await found(api, { search: "pro" })).toEqual(idSet(red));
    expect(await found(api, { search: "idget" })).toEqual(new Set());
    expect(await found(api, { search: "dget" })).toEqual(new Set());
  });

  it("needs every word of a multi-word search, in any order", async () => {
    const { api } = await setup();
    const blueWidget = await createItem(api, { name: "Blue Widget Large", sku: "X-1" });
    const blueGadget = await createItem(api, { name: "Blue Gadget", sku: "X-2" });
    const redWidget = await createItem(api, { name: "Red Widget", sku: "X-3" });

    expect(await found(api, { search: "blue wid" })).toEqual(idSet(blueWidget));
    expect(await found(api, { search: "wid blue" })).toEqual(idSet(blueWidget));
    expect(await found(api, { search: "  Blue   Lar " })).toEqual(idSet(blueWidget));
    expect(await found(api, { search: "blue" })).toEqual(idSet(blueWidget, blueGadget));
    expect(await found(api, { search: "red gad" })).toEqual(new Set());
    expect(await found(api, { search: "wid" })).toEqual(idSet(blueWidget, redWidget));
  });

  it("matches names with accents and digits", async () => {
    const { api } = await setup();
    const cafe = await createItem(api, { name: "Café crème 250g", sku: "CAFE-1" });
    expect(await found(api, { search: "cafe" })).toEqual(idSet(cafe));
    expect(await found(api, { search: "crème" })).toEqual(idSet(cafe));
    expect(await found(api, { search: "250" })).toEqual(idSet(cafe));
  });

  it("matches the SKU by prefix, case-insensitively, but not in the middle", async () => {
    const { api } = await setup();
    const wpx1 = await createItem(api, { name: "First", sku: "WPX-001" });
    const wpx2 = await createItem(api, { name: "Second", sku: "wpx-002" });
    await createItem(api, { name: "Third", sku: "AWPX-003" });

    expect(await found(api, { search: "WPX" })).toEqual(idSet(wpx1, wpx2));
    expect(await found(api, { search: "wpx-00" })).toEqual(idSet(wpx1, wpx2));
    expect(await found(api, { search: "WPX-001" })).toEqual(idSet(wpx1));
    expect(await found(api, { search: "wpx-0021" })).toEqual(new Set());
    expect(await found(api, { search: "PX-00" })).toEqual(new Set());
  });

  it("matches the barcode exactly or by prefix, not in the middle", async () => {
    const { api } = await setup();
    const a = await createItem(api, { name: "Alpha", sku: "A-1", barcode: "012345678901" });
    const b = await createItem(api, { name: "Beta", sku: "B-1", barcode: "012399999999" });

    expect(await found(api, { search: "012345678901" })).toEqual(idSet(a));
    expect(await found(api, { search: "01234" })).toEqual(idSet(a));
    expect(await found(api, { search: "0123" })).toEqual(idSet(a, b));
    expect(await found(api, { search: "345678" })).toEqual(new Set());
  });

  it("treats search syntax and wildcards as plain text", async () => {
    const { api } = await setup();
    const item = await createItem(api, { name: "Blue Widget", sku: "BW-1" });
    const cases: [string, Item[]][] = [
      ["%", []],
      ["_", []],
      ["*", []],
      ['"', []],
      ['blue" OR "x', []],
      ["NEAR(blue", []],
      ["blue OR", []],
      ["AND", []],
      ["'; DROP TABLE items; --", []],
      ["-", []],
      ["wid*", [item]],
      ["^blue", [item]],
      ["blue-wid", [item]],
    ];
    for (const [search, expected] of cases) {
      expect(await found(api, { search }), search).toEqual(idSet(...expected));
    }
    expect((await listItems(api)).body.pagination.total).toBe(1);
  });

  it("ignores spaces around the search, and treats an empty or blank search as none", async () => {
    const { api } = await setup();
    const item = await createItem(api, { name: "Thing", sku: "WPX-001", barcode: "0123456" });
    const other = await createItem(api, { name: "Other", sku: "OTH-1" });
    expect(await found(api, { search: "WPX-001 " })).toEqual(idSet(item));
    expect(await found(api, { search: " 0123456" })).toEqual(idSet(item));
    expect(await found(api, { search: "\tthin " })).toEqual(idSet(item));
    expect(await found(api, { search: "" })).toEqual(idSet(item, other));
    expect(await found(api, { search: "   " })).toEqual(idSet(item, other));
  });

  it("follows a rename", async () => {
    const { api } = await setup();
    const item = await createItem(api, { name: "Blue Widget", sku: "R-1" });
    expect((await api.patch(`/v1/items/${item.id}`, { name: "Red Gadget" })).status).toBe(200);
    expect(await found(api, { search: "wid" })).toEqual(new Set());
    expect(await found(api, { search: "gad" })).toEqual(idSet(item));
  });

  it("does not return trashed items, and returns them again once restored", async () => {
    const { api } = await setup();
    const item = await createItem(api, { name: "Blue Widget", sku: "BW-9", barcode: "999" });
    expect((await api.delete(`/v1/items/${item.id}`)).status).toBe(204);
    for (const search of ["wid", "BW", "999"]) expect(await found(api, { search })).toEqual(new Set());
    expect((await api.post(`/v1/items/${item.id}/restore`)).status).toBe(200);
    for (const search of ["wid", "BW", "999"]) expect(await found(api, { search })).toEqual(idSet(item));
  });

  it("does not return other companies' items", async () => {
    const { api } = await setup();
    const other = client((await createCompany()).apiKey);
    const mine = await createItem(api, { name: "Blue Widget", sku: "BW-1", barcode: "555", location: "Dock" });
    await createItem(other, { name: "Blue Widget", sku: "BW-1", barcode: "555", location: "Dock", reorder_point: 5 });
    for (const search of ["wid", "bw", "555"]) expect(await found(api, { search })).toEqual(idSet(mine));
    expect(await found(api, { location: "dock" })).toEqual(idSet(mine));
    expect(await found(api, { low_stock: "true" })).toEqual(new Set());
  });

  it("indexes a company's words under terms of its own, so that a search reads no other company's", async () => {
    const mine = await createCompany();
    const other = await createCompany();
    await createItem(client(mine.apiKey), { name: "Blue Widget", sku: "BW-1" });
    await createItem(client(other.apiKey), { name: "Blue Widget", sku: "BW-1" });
    await createItem(client(other.apiKey), { name: "Widget Large", sku: "WL-1" });
    await env.DB.exec("CREATE VIRTUAL TABLE IF NOT EXISTS test_items_fts_terms USING fts5vocab(items_fts, 'row')");
    // The key of migration 0008: the company id in hex, then "x".
    const key = (companyId: string) => Buffer.from(companyId).toString("hex") + "x";
    const terms = async (prefix: string) => {
      const { results } = await env.DB.prepare(
        "SELECT term, doc FROM test_items_fts_terms WHERE term >= ? AND term < ? ORDER BY term",
      )
        .bind(prefix, prefix + "\u{10FFFF}")
        .all<{ term: string; doc: number }>();
      return results;
    };
    expect(await terms(key(mine.companyId))).toEqual([
      { term: `${key(mine.companyId)}blue`, doc: 1 },
      { term: `${key(mine.companyId)}widget`, doc: 1 },
    ]);
    expect(await terms(key(other.companyId))).toEqual([
      { term: `${key(other.companyId)}blue`, doc: 1 },
      { term: `${key(other.companyId)}large`, doc: 1 },
      { term: `${key(other.companyId)}widget`, doc: 2 },
    ]);
    // No term without a company's key: the plain word has no postings at all.
    expect(await terms("widget")).toEqual([]);
  });

  it("indexes the items that existed before search was per company (migration 0008 rebuilds it)", async () => {
    const { api } = await setup();
    const widget = await createItem(api, { name: "Café Widget", sku: "CW-1" });
    const renamed = await createItem(api, { name: "Old Name", sku: "ON-1" });
    expect((await api.patch(`/v1/items/${renamed.id}`, { name: "Blue Widget" })).status).toBe(200);
    await createItem(api, { name: "Gadget", sku: "GD-1" });
    expect((await api.delete(`/v1/items/${(await createItem(api, { name: "Widget gone" })).id}`)).status).toBe(204);

    // Back to the index of migration 0001 (which the items' rows do not depend on), then 0008 again.
    const migration = (name: string) => env.TEST_MIGRATIONS.find((m) => m.name.startsWith(name))!.queries;
    await env.DB.batch(
      [
        "DROP TRIGGER items_fts_after_insert",
        "DROP TRIGGER items_fts_after_delete",
        "DROP TRIGGER items_fts_after_update",
        "DROP TABLE items_fts",
        "DROP TABLE items_fts_word_terms",
        "DROP TABLE items_fts_words",
        ...migration("0001_"),
        "INSERT INTO items_fts(items_fts) VALUES ('rebuild')",
        ...migration("0008_"),
      ].map((query) => env.DB.prepare(query)),
    );

    expect(await found(api, { search: "wid" })).toEqual(idSet(widget, renamed));
    expect(await found(api, { search: "cafe wid" })).toEqual(idSet(widget));
    expect(await found(api, { search: "old" })).toEqual(new Set());
    // The words table is left empty, and the triggers work on the rebuilt index.
    expect((await env.DB.prepare("SELECT count(*) AS n FROM items_fts_word_terms").first())?.n).toBe(0);
    const later = await createItem(api, { name: "Widget Later", sku: "WL-1" });
    expect(await found(api, { search: "wid" })).toEqual(idSet(widget, renamed, later));
  });

  it("counts and pages the matches, newest first", async () => {
    const { company, api } = await setup();
    const seeded = await seedItems(
      company,
      Array.from({ length: 120 }, (_, i) => ({ name: i % 2 ? `Widget ${i}` : `Gadget ${i}` })),
    );
    const widgets = newestFirst(seeded.filter((item) => item.name.startsWith("Widget"))).map((i) => i.id);
    const first = await listItems(api, { search: "widg", limit: 50 });
    const second = await listItems(api, { search: "widg", limit: 50, offset: 50 });
    expect(first.body.pagination).toEqual({ total: 60, limit: 50, offset: 0, has_more: true });
    expect(second.body.pagination).toEqual({ total: 60, limit: 50, offset: 50, has_more: false });
    expect([...ids(first), ...ids(second)]).toEqual(widgets);
  });
});

describe("location filter", () => {
  it("matches the location exactly, case-insensitively", async () => {
    const { api } = await setup();
    const a = await createItem(api, { location: "Warehouse A" });
    const a2 = await createItem(api, { location: "warehouse a" });
    await createItem(api, { location: "Warehouse AB" });
    await createItem(api, { location: "Warehouse" });
    await createItem(api);

    expect(await found(api, { location: "Warehouse A" })).toEqual(idSet(a, a2));
    expect(await found(api, { location: "WAREHOUSE A" })).toEqual(idSet(a, a2));
    expect(await found(api, { location: "Warehouse B" })).toEqual(new Set());
    expect(await found(api, { location: "Ware" })).toEqual(new Set());
  });

  it("follows a change of location", async () => {
    const { api } = await setup();
    const item = await createItem(api, { location: "Dock" });
    expect((await api.patch(`/v1/items/${item.id}`, { location: null })).status).toBe(200);
    expect(await found(api, { location: "Dock" })).toEqual(new Set());
  });
});

describe("low_stock filter", () => {
  async function stock(api: Api) {
    return {
      below: await createItem(api, { quantity: 4, reorder_point: 5 }),
      zero: await createItem(api, { quantity: 0, reorder_point: 1 }),
      equal: await createItem(api, { quantity: 5, reorder_point: 5 }),
      above: await createItem(api, { quantity: 6, reorder_point: 5 }),
      unset: await createItem(api, { quantity: 0, reorder_point: null }),
      zeroPoint: await createItem(api, { quantity: 0, reorder_point: 0 }),
    };
  }

  it("true and 1 answer items with a reorder point and quantity below it", async () => {
    const { api } = await setup();
    const s = await stock(api);
    expect(await found(api, { low_stock: "true" })).toEqual(idSet(s.below, s.zero));
    expect(await found(api, { low_stock: "1" })).toEqual(idSet(s.below, s.zero));
  });

  it("false and 0 answer all the others, including items without a reorder point", async () => {
    const { api } = await setup();
    const s = await stock(api);
    const others = idSet(s.equal, s.above, s.unset, s.zeroPoint);
    expect(await found(api, { low_stock: "false" })).toEqual(others);
    expect(await found(api, { low_stock: "0" })).toEqual(others);
  });

  it("follows a change of reorder point", async () => {
    const { api } = await setup();
    const item = await createItem(api, { quantity: 3 });
    expect(await found(api, { low_stock: "true" })).toEqual(new Set());
    expect((await api.patch(`/v1/items/${item.id}`, { reorder_point: 10 })).status).toBe(200);
    expect(await found(api, { low_stock: "true" })).toEqual(idSet(item));
    expect((await api.patch(`/v1/items/${item.id}`, { reorder_point: null })).status).toBe(200);
    expect(await found(api, { low_stock: "true" })).toEqual(new Set());
  });
});

describe("filters combined", () => {
  it("applies search, location and low_stock together", async () => {
    const { api } = await setup();
    const hit = await createItem(api, { name: "Blue Widget", location: "Dock", quantity: 1, reorder_point: 5 });
    const enough = await createItem(api, { name: "Blue Widget 2", location: "Dock", quantity: 9, reorder_point: 5 });
    const elsewhere = await createItem(api, { name: "Blue Widget 3", location: "Shelf", quantity: 1, reorder_point: 5 });
    const gadget = await createItem(api, { name: "Blue Gadget", location: "Dock", quantity: 1, reorder_point: 5 });

    expect(await found(api, { search: "wid", location: "dock", low_stock: "true" })).toEqual(idSet(hit));
    expect(await found(api, { search: "wid", location: "DOCK", low_stock: "0" })).toEqual(idSet(enough));
    expect(await found(api, { search: "wid", low_stock: "1" })).toEqual(idSet(hit, elsewhere));
    expect(await found(api, { search: "blue", location: "Dock" })).toEqual(idSet(hit, enough, gadget));
    expect(await found(api, { location: "dock", low_stock: "true" })).toEqual(idSet(hit, gadget));
  });
});

describe("query plans", () => {
  const filters: [string, ItemFilters][] = [
    ["a plain list", {}],
    ["a name search", { search: "blue wid" }],
    ["a SKU or barcode search without words", { search: "-" }],
    ["a location filter", { location: "Warehouse A" }],
    ["low_stock=true", { lowStock: true }],
    ["low_stock=false", { lowStock: false }],
    ["search with location and low_stock", { search: "wid", location: "Dock", lowStock: true }],
  ];

  /** The EXPLAIN QUERY PLAN steps of the statements GET /v1/items runs for `filter`. */
  async function plans(companyId: string, filter: ItemFilters) {
    const queries = liveItemsQueries(drizzle(env.DB), companyId, filter, { limit: 20, offset: 20 });
    const out = [];
    // The page's rows alone, and the one statement the list runs (rows, total and all).
    for (const { sql, params } of [queries.rows.toSQL(), new SQLiteAsyncDialect().sqlToQuery(queries.page)]) {
      const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
        .bind(...params)
        .all<{ detail: string }>();
      out.push({ sql, details: plan.results.map((row) => row.detail) });
    }
    return out;
  }

  it("no list query scans the items table, with or without planner statistics", async () => {
    const company = await createCompany();
    // Rows in two companies, so that the planner has something to choose between.
    await seedItems(
      company,
      Array.from({ length: 50 }, (_, i) => ({ name: `Blue Widget ${i}`, location: "Dock", reorder_point: i % 3 })),
    );
    await seedItems(await createCompany(), Array.from({ length: 50 }, () => ({ name: "Blue Widget" })));

    for (const statistics of [false, true]) {
      if (statistics) await env.DB.exec("ANALYZE");
      for (const [name, filter] of filters) {
        for (const { sql, details } of await plans(company.companyId, filter)) {
          const context = `${name} (statistics: ${statistics})\n${sql}\n${details.join("\n")}`;
          expect(details.length, context).toBeGreaterThan(0);
          // `SCAN items` reads every row (through an index or not); `SCAN items_fts VIRTUAL TABLE`
          // is an FTS5 index look-up.
          expect(details.filter((d) => /^SCAN items\b(?!_)/.test(d)), context).toEqual([]);
          // Every statement is an index look-up: of the items, or (the plain list's total) of the
          // company's row in item_counts.
          expect(
            details.some((d) => /^SEARCH (items|item_counts) USING (INDEX|COVERING INDEX|INTEGER PRIMARY KEY)/.test(d)),
            context,
          ).toBe(true);
        }
      }
    }
  });
});
