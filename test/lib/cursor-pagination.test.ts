import { env } from "cloudflare:test";
import { drizzle } from "drizzle-orm/d1";
import { SQLiteAsyncDialect } from "drizzle-orm/sqlite-core";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { listApiKeys } from "../../src/db/api-keys.ts";
import { listAuditEntries } from "../../src/db/audit.ts";
import type { Database } from "../../src/db/client.ts";
import { listEvents } from "../../src/db/events.ts";
import { liveItemsQueries, listLiveItems, listTrashedItems, type ItemFilters } from "../../src/db/items.ts";
import { listOrders } from "../../src/db/orders.ts";
import { listSnapshots } from "../../src/db/snapshots.ts";
import { listTransactions } from "../../src/db/transactions.ts";
import { setClock } from "../../src/lib/clock.ts";
import type { Page } from "../../src/lib/pagination.ts";
import { createCompany, type TestCompany } from "../helpers/factories.ts";
import { client, expectApiError } from "../helpers/http.ts";
import { createItem, seedItems, type Api } from "../helpers/items.ts";
import { createApiKey, createUser } from "../helpers/keys.ts";
import { postTransaction } from "../helpers/ledger.ts";
import { createOrder } from "../helpers/orders.ts";
import { takeSnapshot } from "../helpers/snapshots.ts";

afterEach(() => setClock(null));

// Objects are made in groups that share one created_at, so that the id must break the ties.
const T0 = Date.now() - 60 * 60 * 1000;
const tick = (group: number) => setClock(() => T0 + group * 1000);

interface Fixture {
  company: TestCompany;
  api: Api;
  other: { company: TestCompany; api: Api };
  ids: {
    item: string;
    trashed: string;
    /** Trashed long ago: outside the 30 days, so no longer in the trash list (not yet purged). */
    expired: string;
    txn: string;
    order: string;
    snapshot: string;
    user: string;
    apiKey: string;
    evt: string;
    event: string;
  };
  otherIds: Fixture["ids"];
}

let fx: Fixture;

/** One of each list's objects, several of them at one created_at. */
async function populate(api: Api, company: TestCompany): Promise<Fixture["ids"]> {
  const items = [];
  for (let i = 0; i < 7; i++) {
    tick(Math.floor(i / 3));
    items.push(await createItem(api, { name: `Cursor item ${i}`, location: i % 2 ? "Dock" : "Shelf", quantity: 1 }));
  }
  // A trashed item among the live ones (by created_at), trashed in groups of equal deleted_at.
  const now = Date.now();
  const trashed = await seedItems(company, [
    { name: "Trashed 0", createdAt: new Date(T0 + 1500).toISOString(), deletedAt: new Date(now - 5000).toISOString() },
    { name: "Trashed 1", createdAt: new Date(T0 + 900).toISOString(), deletedAt: new Date(now - 5000).toISOString() },
    { name: "Trashed 2", createdAt: new Date(T0 + 800).toISOString(), deletedAt: new Date(now - 5000).toISOString() },
    { name: "Trashed 3", createdAt: new Date(T0 + 700).toISOString(), deletedAt: new Date(now - 3000).toISOString() },
    { name: "Trashed 4", createdAt: new Date(T0 + 600).toISOString(), deletedAt: new Date(now - 2000).toISOString() },
    { name: "Expired", createdAt: new Date(T0 + 500).toISOString(), deletedAt: new Date(now - 40 * 86_400_000).toISOString() },
  ]);
  const txns = [];
  for (let i = 0; i < 5; i++) {
    tick(10 + Math.floor(i / 2));
    const response = await postTransaction(api, { item_id: items[i % 3]!.id, type: "receive", quantity: i + 1 });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    txns.push(response.body);
  }
  const orders = [];
  for (let i = 0; i < 5; i++) {
    tick(20 + Math.floor(i / 2));
    orders.push(await createOrder(api, { line_items: [{ item_id: items[i]!.id, quantity_ordered: i + 1, unit_cost: 100 }] }));
  }
  const snapshots = [];
  for (let i = 0; i < 5; i++) {
    tick(30 + Math.floor(i / 3));
    snapshots.push(await takeSnapshot(api, `Cursor snapshot ${i}`));
  }
  const users = [];
  const keys = [];
  for (let i = 0; i < 4; i++) {
    tick(40 + Math.floor(i / 2));
    users.push(await createUser(api, { name: `Cursor user ${i}` }));
    keys.push(await createApiKey(api, { name: `Cursor key ${i}` }));
  }
  setClock(null);
  const audit = await api.get("/v1/audit_log?limit=1");
  expect(audit.status).toBe(200);
  const events = await api.get("/v1/events?limit=1");
  expect(events.status).toBe(200);
  return {
    item: items[0]!.id,
    trashed: trashed[1]!.id,
    expired: trashed[5]!.id,
    txn: txns[0]!.id,
    order: orders[0]!.id,
    snapshot: snapshots[0]!.id,
    user: users[0]!.id,
    apiKey: keys[0]!.id,
    evt: audit.body.data[0].id,
    event: events.body.data[0].id,
  };
}

beforeAll(async () => {
  const company = await createCompany("enterprise");
  const api = client(company.apiKey);
  const otherCompany = await createCompany("enterprise");
  const otherApi = client(otherCompany.apiKey);
  const ids = await populate(api, company);
  const otherIds = await populate(otherApi, otherCompany);
  setClock(null);
  // Rows of a third company, so that the planner's statistics see a table of some size.
  await seedItems(await createCompany(), Array.from({ length: 400 }, (_, i) => ({ name: `Bulk item ${i}` })));
  fx = { company, api, other: { company: otherCompany, api: otherApi }, ids, otherIds };
}, 120_000);

/** Every list, with a filter where it has some, and an id of its own resource. */
const LISTS: { name: string; path: string; own: keyof Fixture["ids"]; foreign: keyof Fixture["ids"] }[] = [
  { name: "items", path: "/v1/items", own: "item", foreign: "txn" },
  { name: "items by location", path: "/v1/items?location=shelf", own: "item", foreign: "order" },
  { name: "items by search", path: "/v1/items?search=cursor", own: "item", foreign: "snapshot" },
  { name: "low-stock items", path: "/v1/items?low_stock=false", own: "item", foreign: "user" },
  { name: "trash", path: "/v1/trash", own: "trashed", foreign: "item" },
  { name: "transactions", path: "/v1/transactions", own: "txn", foreign: "item" },
  { name: "transactions by type", path: "/v1/transactions?type=receive", own: "txn", foreign: "evt" },
  { name: "audit log", path: "/v1/audit_log", own: "evt", foreign: "txn" },
  { name: "audit log by action", path: "/v1/audit_log?action=create", own: "evt", foreign: "item" },
  { name: "orders", path: "/v1/orders", own: "order", foreign: "item" },
  { name: "orders by status", path: "/v1/orders?status=draft", own: "order", foreign: "snapshot" },
  { name: "snapshots", path: "/v1/snapshots", own: "snapshot", foreign: "order" },
  { name: "users", path: "/v1/users", own: "user", foreign: "apiKey" },
  { name: "api keys", path: "/v1/api_keys", own: "apiKey", foreign: "user" },
  // Every change made above is an event: one type, and one resource's types, keep the walk short.
  { name: "events of one type", path: "/v1/events?type=item.created", own: "event", foreign: "evt" },
  { name: "events of a resource", path: "/v1/events?type=order.*", own: "event", foreign: "txn" },
];

const withQuery = (path: string, query: string) => `${path}${path.includes("?") ? "&" : "?"}${query}`;
const idsOf = (response: { body: any }): string[] => response.body.data.map((object: { id: string }) => object.id);

async function get(path: string, api = fx.api) {
  const response = await api.get(path);
  expect(response.status, `${path}: ${JSON.stringify(response.body)}`).toBe(200);
  return response;
}

describe.each(LISTS)("cursor pagination of $name", ({ path, own, foreign }) => {
  it("pages forward with starting_after and back with ending_before through every object once, in the offset order", async () => {
    const all = await get(withQuery(path, "limit=100"));
    const expected = idsOf(all);
    const total = all.body.pagination.total;
    expect(total).toBe(expected.length);
    expect(expected.length).toBeGreaterThanOrEqual(4);

    // Forward: the first page by offset, then starting_after the last object of each page.
    const forward: string[] = [];
    let page = await get(withQuery(path, "limit=2"));
    expect(page.body.pagination).toEqual({ total, limit: 2, offset: 0, has_more: true });
    forward.push(...idsOf(page));
    while (page.body.pagination.has_more) {
      page = await get(withQuery(path, `limit=2&starting_after=${forward.at(-1)}`));
      const more = forward.length + 2 < expected.length;
      expect(page.body.pagination).toEqual({ total, limit: 2, offset: null, has_more: more });
      forward.push(...idsOf(page));
    }
    expect(forward).toEqual(expected);

    // Back: ending_before the first object of each page, from the oldest object.
    const back: string[] = [];
    let before = expected.at(-1)!;
    for (;;) {
      page = await get(withQuery(path, `limit=2&ending_before=${before}`));
      const ids = idsOf(page);
      back.unshift(...ids);
      const more = back.length + 1 < expected.length;
      expect(page.body.pagination).toEqual({ total, limit: 2, offset: null, has_more: more });
      // Still newest first within the page.
      expect(ids).toEqual(expected.slice(expected.length - 1 - back.length, expected.length - 1 - back.length + ids.length));
      if (!page.body.pagination.has_more) break;
      before = ids[0]!;
    }
    expect(back).toEqual(expected.slice(0, -1));
  });

  it("answers an empty page without more beyond either end", async () => {
    const expected = idsOf(await get(withQuery(path, "limit=100")));
    const pastOldest = await get(withQuery(path, `starting_after=${expected.at(-1)}`));
    expect(pastOldest.body.data).toEqual([]);
    expect(pastOldest.body.pagination).toMatchObject({ offset: null, has_more: false, total: expected.length, limit: 50 });
    const beforeNewest = await get(withQuery(path, `ending_before=${expected[0]}`));
    expect(beforeNewest.body.data).toEqual([]);
    expect(beforeNewest.body.pagination).toMatchObject({ offset: null, has_more: false, total: expected.length });
    // A page that ends exactly at an end says so.
    const last = await get(withQuery(path, `limit=${expected.length - 1}&starting_after=${expected[0]}`));
    expect(idsOf(last)).toEqual(expected.slice(1));
    expect(last.body.pagination.has_more).toBe(false);
  });

  it("refuses two of offset, starting_after and ending_before, naming the later one of that order", async () => {
    const cursor = fx.ids[own];
    const cases: [string, string][] = [
      [`offset=0&starting_after=${cursor}`, "starting_after"],
      [`starting_after=${cursor}&offset=2`, "starting_after"],
      [`starting_after=${cursor}&ending_before=${cursor}`, "ending_before"],
      [`ending_before=${cursor}&starting_after=${cursor}`, "ending_before"],
      [`ending_before=${cursor}&offset=0`, "ending_before"],
    ];
    for (const [query, field] of cases) {
      expectApiError(await fx.api.get(withQuery(path, query)), 400, "invalid_request", field);
    }
  });

  it("refuses an unknown id, another company's and another resource's, naming the parameter", async () => {
    for (const parameter of ["starting_after", "ending_before"]) {
      for (const id of ["item_Zz9Zz9Zz9Zz9Zz9Zz9Zz9Zz9", fx.otherIds[own], fx.ids[foreign], "x"]) {
        const response = await fx.api.get(withQuery(path, `${parameter}=${id}`));
        expectApiError(response, 400, "invalid_request", parameter);
      }
      expectApiError(await fx.api.get(withQuery(path, `${parameter}=`)), 400, "invalid_request", parameter);
    }
    // The other company finds its own objects, not this one's.
    expectApiError(await fx.other.api.get(withQuery(path, `starting_after=${fx.ids[own]}`)), 400, "invalid_request", "starting_after");
    await get(withQuery(path, `starting_after=${fx.otherIds[own]}`), fx.other.api);
  });
});

describe("cursors that no longer match the list", () => {
  it("a trashed item is a cursor for /v1/items at its place by created_at", async () => {
    const expected = idsOf(await get("/v1/items?limit=100"));
    // Trashed 1 was created at T0 + 900 ms: after the three items of the first second, before the others.
    const trashed = await get(`/v1/items?starting_after=${fx.ids.trashed}`);
    expect(idsOf(trashed)).toEqual(expected.slice(-3));
    expect(trashed.body.pagination).toEqual({ total: expected.length, limit: 50, offset: null, has_more: false });
    const before = await get(`/v1/items?ending_before=${fx.ids.trashed}&limit=2`);
    expect(idsOf(before)).toEqual(expected.slice(-5, -3));
    expect(before.body.pagination.has_more).toBe(true);
    // So is one trashed beyond the 30 days and not yet purged (created at T0 + 500 ms).
    expect(idsOf(await get(`/v1/items?ending_before=${fx.ids.expired}`))).toEqual(expected.slice(0, -3));
  });

  it("an item the filter leaves out is a cursor for the filtered list", async () => {
    const dock = idsOf(await get("/v1/items?location=DOCK&limit=100"));
    const all = idsOf(await get("/v1/items?limit=100"));
    const shelf = all.find((id) => !dock.includes(id))!;
    const after = idsOf(await get(`/v1/items?location=DOCK&starting_after=${shelf}`));
    expect(after).toEqual(dock.filter((id) => all.indexOf(id) > all.indexOf(shelf)));
  });

  it("the trash takes only trashed items as cursors: a live item has no place in it", async () => {
    expectApiError(await fx.api.get(`/v1/trash?starting_after=${fx.ids.item}`), 400, "invalid_request", "starting_after");
    // One trashed beyond the 30 days keeps its place (before every item still in the trash).
    const trash = await get(`/v1/trash?ending_before=${fx.ids.expired}`);
    expect(idsOf(trash)).toEqual(idsOf(await get("/v1/trash")));
  });

  it("audit entries about users and keys are no cursor for a role that may not see them", async () => {
    const entries = (await get("/v1/audit_log?limit=100")).body.data as { id: string; resource_type: string }[];
    const hidden = entries.find((entry) => entry.resource_type === "user" || entry.resource_type === "api_key")!;
    const visible = entries.find((entry) => entry.resource_type === "item")!;
    const member = await createApiKey(fx.api, { role: "member", name: "Cursor member" });
    const memberApi = client(member.secret);
    expectApiError(await memberApi.get(`/v1/audit_log?starting_after=${hidden.id}`), 400, "invalid_request", "starting_after");
    const page = await get(`/v1/audit_log?starting_after=${visible.id}&limit=100`, memberApi);
    expect(idsOf(page).every((id) => entries.findIndex((e) => e.id === id) > entries.indexOf(visible))).toBe(true);
  });
});

/** A D1 client that records every statement drizzle prepares, so that a list's queries can be EXPLAINed. */
function recordingDatabase() {
  const statements: { sql: string; params: unknown[] }[] = [];
  const d1 = {
    prepare(query: string) {
      const statement = env.DB.prepare(query);
      const entry = { sql: query, params: [] as unknown[] };
      statements.push(entry);
      return new Proxy(statement, {
        get(target, property) {
          if (property === "bind") {
            return (...params: unknown[]) => {
              entry.params = params;
              return target.bind(...params);
            };
          }
          const value = Reflect.get(target, property);
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
    },
    batch: (list: D1PreparedStatement[]) => env.DB.batch(list),
  };
  return { db: drizzle(d1 as unknown as D1Database) as unknown as Database, statements };
}

async function plan(statement: { sql: string; params: unknown[] }): Promise<string[]> {
  const result = await env.DB.prepare(`EXPLAIN QUERY PLAN ${statement.sql}`)
    .bind(...statement.params)
    .all<{ detail: string }>();
  return result.results.map((row) => row.detail);
}

describe("EXPLAIN QUERY PLAN of a cursor page", () => {
  const cursorPages: { name: string; table: string; sorted: boolean; read: (db: Database, page: Page) => Promise<unknown> }[] = [
    { name: "items", table: "items", sorted: true, read: (db, page) => listLiveItems(db, fx.company.companyId, {}, page) },
    {
      name: "items by location",
      table: "items",
      sorted: true,
      read: (db, page) => listLiveItems(db, fx.company.companyId, { location: "Dock" }, page),
    },
    {
      name: "low-stock items",
      table: "items",
      sorted: true,
      read: (db, page) => listLiveItems(db, fx.company.companyId, { lowStock: false }, page),
    },
    // A search is driven from its (few) matches by rowid, then sorted: it never walks the index.
    {
      name: "items by search",
      table: "items",
      sorted: false,
      read: (db, page) => listLiveItems(db, fx.company.companyId, { search: "cursor" }, page),
    },
    { name: "trash", table: "items", sorted: true, read: (db, page) => listTrashedItems(db, fx.company.companyId, page) },
    {
      name: "transactions",
      table: "transactions",
      sorted: true,
      read: (db, page) => listTransactions(db, fx.company.companyId, {}, page),
    },
    {
      name: "transactions by type",
      table: "transactions",
      sorted: true,
      read: (db, page) => listTransactions(db, fx.company.companyId, { type: "receive" }, page),
    },
    {
      name: "audit log",
      table: "audit_log",
      sorted: true,
      read: (db, page) => listAuditEntries(db, fx.company.companyId, null, {}, page),
    },
    {
      name: "audit log by action",
      table: "audit_log",
      sorted: true,
      read: (db, page) => listAuditEntries(db, fx.company.companyId, 30, { action: "create" }, page),
    },
    { name: "orders", table: "orders", sorted: true, read: (db, page) => listOrders(db, fx.company.companyId, {}, page) },
    {
      name: "orders by status",
      table: "orders",
      sorted: true,
      read: (db, page) => listOrders(db, fx.company.companyId, { status: "draft" }, page),
    },
    { name: "snapshots", table: "snapshots", sorted: true, read: (db, page) => listSnapshots(db, fx.company.companyId, page) },
    { name: "api keys", table: "api_keys", sorted: true, read: (db, page) => listApiKeys(db, fx.company.companyId, page) },
    { name: "events", table: "events", sorted: true, read: (db, page) => listEvents(db, fx.company.companyId, 30, {}, page) },
  ];
  const cursorOf: Record<string, string> = {
    items: "item",
    trash: "trashed",
    transactions: "txn",
    audit_log: "evt",
    orders: "order",
    snapshots: "snapshot",
    api_keys: "apiKey",
    events: "event",
  };

  it.each(cursorPages)("$name: an index SEARCH in both directions, no SCAN", async ({ name, table, sorted, read }) => {
    const id = fx.ids[(name === "trash" ? "trashed" : cursorOf[table]) as keyof Fixture["ids"]];
    for (const statistics of [false, true]) {
      if (statistics) await env.DB.exec("ANALYZE");
      for (const page of [{ limit: 2, starting_after: id }, { limit: 2, ending_before: id }] as Page[]) {
        const { db, statements } = recordingDatabase();
        await read(db, page);
        // The page's own statement (orders read their lines with it as a subquery, by order id).
        const keyset = statements.filter(
          (s) => /\) [<>] \(select/i.test(s.sql) && /^\s*(SELECT list_page|WITH list_matches)/.test(s.sql) && s.sql.includes(`from "${table}"`),
        );
        expect(keyset.length, statements.map((s) => s.sql).join("\n")).toBeGreaterThan(0);
        for (const statement of keyset) {
          const details = await plan(statement);
          const context = `${name} (statistics: ${statistics})\n${statement.sql}\n${details.join("\n")}`;
          expect(details.some((d) => new RegExp(`^SEARCH ${table}\\b`).test(d)), context).toBe(true);
          // A SCAN of one of the statement's own `list_…` subqueries reads its few rows, not a table.
          expect(details.filter((d) => /^SCAN (?!list_|CONSTANT ROW)/.test(d) && !/VIRTUAL TABLE/.test(d)), context).toEqual([]);
          if (sorted) {
            // A range of the list's index in list order: no sort of the rows beyond the cursor.
            expect(details.filter((d) => /TEMP B-TREE/.test(d)), context).toEqual([]);
            // SQLite seeks to the cursor's sort value and checks the id at that one value.
            const seek = new RegExp(`^SEARCH ${table} USING (COVERING )?INDEX \\w+ \\(company_id=\\?.* AND (created_at|deleted_at|sequence)[<>]\\?\\)$`);
            expect(details.some((d) => seek.test(d)), context).toBe(true);
          }
        }
      }
    }
  });

  it("the live-item statements of a cursor page are exported for EXPLAIN too", async () => {
    const filters: ItemFilters = { location: "Dock" };
    const queries = liveItemsQueries(createPlainDatabase(), fx.company.companyId, filters, { limit: 2, starting_after: fx.ids.item });
    for (const { sql, params } of [queries.rows.toSQL(), new SQLiteAsyncDialect().sqlToQuery(queries.page)]) {
      const details = await plan({ sql, params });
      expect(details.filter((d) => /^SCAN (?!list_|CONSTANT ROW)/.test(d)), details.join("\n")).toEqual([]);
    }
  });
});

function createPlainDatabase(): Database {
  return drizzle(env.DB) as unknown as Database;
}
