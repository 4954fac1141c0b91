import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { newApiKey, newUser, setPlanStatement } from "../../../src/db/provisioning.ts";
import { DAY_MS, setClock } from "../../../src/lib/clock.ts";
import type { PlanName } from "../../../src/plans.ts";
import { createCompany, createKey, run } from "../../helpers/factories.ts";
import { client, expectApiError, REQUEST_ID } from "../../helpers/http.ts";
import { at, createItem, type Api } from "../../helpers/items.ts";
import {
  companyState,
  EVT_ID,
  expectAuditEntryShape,
  postBatch,
  postTransaction,
  qs,
  type AuditEntry,
} from "../../helpers/ledger.ts";

afterEach(() => setClock(null));

const T0 = at("2025-02-01T08:00:00.000Z");
const iso = (ms: number) => new Date(ms).toISOString();

async function setup(plan: PlanName = "professional") {
  const company = await createCompany(plan);
  return { company, api: client(company.apiKey) };
}

async function auditLog(api: Api, query: Record<string, string | number> = {}) {
  const response = await api.get(`/v1/audit_log${qs(query)}`);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body as { data: AuditEntry[]; pagination: { total: number; limit: number; offset: number; has_more: boolean } };
}

/** The item's entries, newest first. */
const entriesOf = async (api: Api, itemId: string) => (await auditLog(api, { item_id: itemId })).data;

describe("entries for every change", () => {
  it("item create: the full object, the initial transaction and the request", async () => {
    const { company, api } = await setup();
    setClock(() => T0);
    const response = await api.post("/v1/items", { name: "Widget", sku: "W-1", quantity: 5, location: "A1" });
    expect(response.status).toBe(201);
    const item = response.body;
    const initial = (await api.get(`/v1/transactions?item_id=${item.id}`)).body.data[0];

    const [entry, ...rest] = await entriesOf(api, item.id);

    expect(rest).toEqual([]);
    expectAuditEntryShape(entry);
    expect(entry).toEqual({
      id: expect.stringMatching(EVT_ID),
      action: "create",
      resource_type: "item",
      resource_id: item.id,
      item_id: item.id,
      user_id: company.userId,
      api_key_id: company.apiKeyId,
      changes: item,
      transaction_id: initial.id,
      request_id: response.headers.get("Request-Id"),
      created_at: iso(T0),
    });
    expect(entry!.request_id).toMatch(REQUEST_ID);
  });

  it("item create without a quantity: no transaction_id", async () => {
    const { api } = await setup();
    const item = await createItem(api);
    const [entry] = await entriesOf(api, item.id);
    expect(entry).toMatchObject({ action: "create", changes: item, transaction_id: null });
  });

  it("item update: {field: {from, to}} for the fields that changed, and nothing for a no-op", async () => {
    const { company, api } = await setup();
    setClock(() => T0 - 1000);
    const item = await createItem(api, { name: "Old", location: "A1", reorder_point: 3 });
    setClock(() => T0);

    const response = await api.patch(`/v1/items/${item.id}`, { name: "New", location: null, reorder_point: 3 });
    expect(response.status).toBe(200);
    const noop = await api.patch(`/v1/items/${item.id}`, { name: "New" });
    expect(noop.status).toBe(200);

    const [entry, create] = await entriesOf(api, item.id);
    expect(create!.action).toBe("create");
    expect(entry).toEqual({
      id: expect.stringMatching(EVT_ID),
      action: "update",
      resource_type: "item",
      resource_id: item.id,
      item_id: item.id,
      user_id: company.userId,
      api_key_id: company.apiKeyId,
      changes: { name: { from: "Old", to: "New" }, location: { from: "A1", to: null } },
      transaction_id: null,
      request_id: response.headers.get("Request-Id"),
      created_at: iso(T0),
    });
    expect((await auditLog(api, { item_id: item.id })).pagination.total).toBe(2);
  });

  it("item update with a quantity: changes.quantity and the adjust transaction", async () => {
    const { api } = await setup();
    const item = await createItem(api, { quantity: 8 });
    const response = await api.patch(`/v1/items/${item.id}`, { quantity: 3, sku: "NEW-SKU-1" });
    const adjust = (await api.get(`/v1/transactions?item_id=${item.id}&type=adjust`)).body.data[0];

    const [entry] = await entriesOf(api, item.id);
    expect(entry).toMatchObject({
      action: "update",
      changes: { quantity: { from: 8, to: 3 }, sku: { from: item.sku, to: "NEW-SKU-1" } },
      transaction_id: adjust.id,
      request_id: response.headers.get("Request-Id"),
    });
    expect(Object.keys(entry!.changes).sort()).toEqual(["quantity", "sku"]);
  });

  it("item delete and restore: the full object each time", async () => {
    const { company, api } = await setup();
    setClock(() => T0 - 1000);
    const item = await createItem(api, { quantity: 2 });
    setClock(() => T0);
    const deleted = await api.delete(`/v1/items/${item.id}`);
    expect(deleted.status).toBe(204);
    setClock(() => T0 + 1000);
    const restored = await api.post(`/v1/items/${item.id}/restore`);
    expect(restored.status).toBe(200);

    const [restore, del] = await entriesOf(api, item.id);
    const common = {
      id: expect.stringMatching(EVT_ID),
      resource_type: "item",
      resource_id: item.id,
      item_id: item.id,
      user_id: company.userId,
      api_key_id: company.apiKeyId,
      transaction_id: null,
    };
    expect(del).toEqual({
      ...common,
      action: "delete",
      changes: item,
      request_id: deleted.headers.get("Request-Id"),
      created_at: iso(T0),
    });
    expect(restore).toEqual({
      ...common,
      action: "restore",
      changes: restored.body,
      request_id: restored.headers.get("Request-Id"),
      created_at: iso(T0 + 1000),
    });
    expect(restored.body).toMatchObject({ id: item.id, quantity: 2, updated_at: iso(T0 + 1000) });
  });

  it.each([
    ["receive", { type: "receive", quantity: 4 }, 14],
    ["issue", { type: "issue", quantity: 4 }, 6],
    ["adjust", { type: "adjust", quantity: -1, reason: "damaged" }, 9],
    ["count", { type: "count", quantity: 10 }, 10],
  ])("%s: an update of the item with changes.quantity", async (_, movement, after) => {
    const { company, api } = await setup();
    setClock(() => T0 - 1000);
    const item = await createItem(api, { quantity: 10 });
    setClock(() => T0);
    const response = await postTransaction(api, { item_id: item.id, ...movement });
    expect(response.status).toBe(201);

    const [entry] = await entriesOf(api, item.id);
    expect(entry).toEqual({
      id: expect.stringMatching(EVT_ID),
      action: "update",
      resource_type: "item",
      resource_id: item.id,
      item_id: item.id,
      user_id: company.userId,
      api_key_id: company.apiKeyId,
      changes: { quantity: { from: 10, to: after } },
      transaction_id: response.body.id,
      request_id: response.headers.get("Request-Id"),
      created_at: iso(T0),
    });
  });

  it("a batch: one entry per transaction, all with the batch's request id", async () => {
    const { api } = await setup();
    const a = await createItem(api, { quantity: 1 });
    const b = await createItem(api, { quantity: 1 });
    const response = await postBatch(api, [
      { item_id: a.id, type: "receive", quantity: 1 },
      { item_id: b.id, type: "issue", quantity: 1 },
      { item_id: a.id, type: "receive", quantity: 3 },
    ]);
    expect(response.status).toBe(201);
    const requestId = response.headers.get("Request-Id");

    const entries = (await auditLog(api, { action: "update" })).data;
    expect(entries).toHaveLength(3);
    for (const entry of entries) expect(entry.request_id).toBe(requestId);
    const byTransaction = new Map(entries.map((e) => [e.transaction_id, e]));
    const [t0, t1, t2] = response.body.data;
    expect(byTransaction.get(t0.id)).toMatchObject({ item_id: a.id, changes: { quantity: { from: 1, to: 2 } } });
    expect(byTransaction.get(t1.id)).toMatchObject({ item_id: b.id, changes: { quantity: { from: 1, to: 0 } } });
    expect(byTransaction.get(t2.id)).toMatchObject({ item_id: a.id, changes: { quantity: { from: 2, to: 5 } } });
  });

  it("records the key and the user that made the change", async () => {
    const { company, api } = await setup();
    const memberKey = await createKey(company, { role: "member" });
    const member = client(memberKey);
    const item = await createItem(member);
    const memberKeyId = await env.DB.prepare("SELECT id FROM api_keys WHERE company_id = ? AND id != ?")
      .bind(company.companyId, company.apiKeyId)
      .first<string>("id");
    const [entry] = (await auditLog(member)).data;
    expect(entry).toMatchObject({ item_id: item.id, user_id: company.userId, api_key_id: memberKeyId });
    expect(memberKeyId).toMatch(/^key_/);
    // The admin key's own change carries the admin key's id.
    await api.patch(`/v1/items/${item.id}`, { name: "By admin" });
    expect((await entriesOf(api, item.id))[0]!.api_key_id).toBe(company.apiKeyId);
  });
});

describe("failed requests write no entry", () => {
  const MISSING = "item_missing000000000000000";
  const failures: [string, (api: Api, id: string) => Promise<{ status: number; body: any }>, number][] = [
    ["insufficient stock", (api, id) => postTransaction(api, { item_id: id, type: "issue", quantity: 99 }), 409],
    ["a quantity conflict", (api, id) => postTransaction(api, { item_id: id, type: "issue", quantity: 1, expected_quantity: 1 }), 409],
    [
      "a failing batch",
      (api, id) =>
        postBatch(api, [
          { item_id: id, type: "receive", quantity: 1 },
          { item_id: id, type: "issue", quantity: 50 },
        ]),
      409,
    ],
    ["an unknown item", (api) => postTransaction(api, { item_id: MISSING, type: "receive", quantity: 1 }), 404],
    ["a validation failure", (api, id) => postTransaction(api, { item_id: id, type: "adjust", quantity: 1 }), 400],
    ["a taken SKU", (api) => api.post("/v1/items", { name: "Dup", sku: "TAKEN-1" }), 409],
    ["a PATCH to a taken SKU", (api, id) => api.patch(`/v1/items/${id}`, { sku: "TAKEN-1" }), 409],
    ["a DELETE of a missing item", (api) => api.delete(`/v1/items/${MISSING}`), 404],
    ["a restore of a live item", (api, id) => api.post(`/v1/items/${id}/restore`), 404],
  ];

  it.each(failures)("%s", async (_, request, status) => {
    const { company, api } = await setup();
    await createItem(api, { sku: "TAKEN-1" });
    const item = await createItem(api, { quantity: 10 });
    const before = await companyState(company.companyId);
    const log = await auditLog(api);

    const response = await request(api, item.id);

    expect(response.status, JSON.stringify(response.body)).toBe(status);
    expect(await companyState(company.companyId)).toEqual(before);
    expect(await auditLog(api)).toEqual(log);
  });
});

describe("GET /v1/audit_log: filters, order and pages", () => {
  /** Six entries a minute apart by two users: create a, create b, receive a, patch b, delete b, restore b. */
  async function history() {
    const { company, api } = await setup();
    const other = newUser({ companyId: company.companyId, name: "Other", email: "other@example.com", role: "member" });
    const otherKey = await newApiKey({ companyId: company.companyId, userId: other.userId, role: "member", mode: "test" });
    await run([other.statement, otherKey.statement]);
    const otherApi = client(otherKey.apiKey);

    const minute = (n: number) => T0 + n * 60_000;
    setClock(() => minute(0));
    const a = await createItem(api, { quantity: 0 });
    setClock(() => minute(1));
    const b = await createItem(otherApi, { quantity: 3 });
    setClock(() => minute(2));
    expect((await postTransaction(api, { item_id: a.id, type: "receive", quantity: 2 })).status).toBe(201);
    setClock(() => minute(3));
    expect((await otherApi.patch(`/v1/items/${b.id}`, { name: "Renamed" })).status).toBe(200);
    setClock(() => minute(4));
    expect((await api.delete(`/v1/items/${b.id}`)).status).toBe(204);
    setClock(() => minute(5));
    expect((await otherApi.post(`/v1/items/${b.id}/restore`)).status).toBe(200);
    setClock(() => minute(6));
    const all = (await auditLog(api)).data;
    return { company, api, a, b, all, minute, otherUserId: other.userId };
  }
  const ids = (entries: AuditEntry[]) => entries.map((e) => e.id);

  it("lists newest first with the page", async () => {
    const { api, all, minute } = await history();
    expect(all.map((e) => [e.action, e.created_at])).toEqual([
      ["restore", iso(minute(5))],
      ["delete", iso(minute(4))],
      ["update", iso(minute(3))],
      ["update", iso(minute(2))],
      ["create", iso(minute(1))],
      ["create", iso(minute(0))],
    ]);
    all.forEach(expectAuditEntryShape);
    expect((await auditLog(api)).pagination).toEqual({ total: 6, limit: 50, offset: 0, has_more: false });

    const page1 = await auditLog(api, { limit: 4 });
    expect(ids(page1.data)).toEqual(ids(all.slice(0, 4)));
    expect(page1.pagination).toEqual({ total: 6, limit: 4, offset: 0, has_more: true });
    const page2 = await auditLog(api, { limit: 4, offset: 4 });
    expect(ids(page2.data)).toEqual(ids(all.slice(4)));
    expect(page2.pagination).toEqual({ total: 6, limit: 4, offset: 4, has_more: false });
  });

  it("filters by action, item_id, user_id and since, alone and together", async () => {
    const { api, a, b, all, minute, otherUserId, company } = await history();
    const [restore, del, patch, receive, createB, createA] = all;
    expect(ids((await auditLog(api, { action: "create" })).data)).toEqual([createB!.id, createA!.id]);
    expect(ids((await auditLog(api, { action: "update" })).data)).toEqual([patch!.id, receive!.id]);
    expect(ids((await auditLog(api, { action: "delete" })).data)).toEqual([del!.id]);
    expect(ids((await auditLog(api, { action: "restore" })).data)).toEqual([restore!.id]);
    expect(ids((await auditLog(api, { item_id: a.id })).data)).toEqual([receive!.id, createA!.id]);
    expect(ids((await auditLog(api, { item_id: b.id })).data)).toEqual([restore!.id, del!.id, patch!.id, createB!.id]);
    expect(ids((await auditLog(api, { user_id: otherUserId })).data)).toEqual([restore!.id, patch!.id, createB!.id]);
    expect(ids((await auditLog(api, { user_id: company.userId })).data)).toEqual([del!.id, receive!.id, createA!.id]);
    expect(ids((await auditLog(api, { since: iso(minute(3)) })).data)).toEqual([restore!.id, del!.id, patch!.id]);
    const combined = await auditLog(api, { item_id: b.id, user_id: otherUserId, action: "update", since: iso(minute(1)) });
    expect(ids(combined.data)).toEqual([patch!.id]);
    expect(combined.pagination.total).toBe(1);
    expect((await auditLog(api, { since: iso(minute(6)) })).data).toEqual([]);
  });

  it.each([
    [{ since: "last week" }, "since"],
    [{ since: "2025-02-30T00:00:00Z" }, "since"],
    [{ action: "purge" }, "action"],
    [{ action: "CREATE" }, "action"],
    [{ limit: 0 }, "limit"],
    [{ limit: 101 }, "limit"],
    [{ offset: -1 }, "offset"],
    [{ until: "2025-01-01" }, "until"],
  ])("answers 400 for %o naming %s", async (query, field) => {
    const { api } = await setup();
    expectApiError(await api.get(`/v1/audit_log${qs(query)}`), 400, "invalid_request", field);
  });

  it("a read_only key may read the audit log", async () => {
    const { company, api } = await setup();
    const item = await createItem(api);
    const reader = client(await createKey(company, { role: "read_only" }));
    expect((await auditLog(reader)).data.map((e) => e.item_id)).toEqual([item.id]);
  });
});

describe("entries about users and API keys", () => {
  /** An item, a user and a key made through the API, so that each has its `create` entry. */
  async function mixedHistory() {
    const { company, api } = await setup();
    const item = await createItem(api, { quantity: 2 });
    const user = await api.post("/v1/users", { name: "Ada Lovelace", email: `ada-${Date.now()}@example.com`, role: "member" });
    expect(user.status).toBe(201);
    const key = await api.post("/v1/api_keys", { name: "Warehouse tablet", role: "read_only" });
    expect(key.status).toBe(201);
    return { company, api, item, userId: user.body.id as string, keyId: key.body.id as string };
  }

  it("are shown to admin keys", async () => {
    const { api, item, userId, keyId } = await mixedHistory();
    const created = await auditLog(api, { action: "create" });
    expect(created.data.map((e) => [e.resource_type, e.resource_id])).toEqual([
      ["api_key", keyId],
      ["user", userId],
      ["item", item.id],
    ]);
    expect(created.pagination.total).toBe(3);
  });

  for (const role of ["member", "read_only"] as const) {
    it(`are left out of a ${role} key's lists, counts and filters as if they did not exist`, async () => {
      const { company, api, item, userId } = await mixedHistory();
      const reader = client(await createKey(company, { role }));
      const onlyItem = (await auditLog(reader)).data;
      expect(onlyItem.map((e) => [e.resource_type, e.resource_id])).toEqual([["item", item.id]]);
      const created = await auditLog(reader, { action: "create" });
      expect(created.data.map((e) => e.resource_id)).toEqual([item.id]);
      expect(created.pagination).toEqual({ total: 1, limit: 50, offset: 0, has_more: false });
      // The admin made all three; the other role sees only the item's entry under that user too.
      expect((await auditLog(reader, { user_id: company.userId })).pagination.total).toBe(1);
      expect(JSON.stringify(await auditLog(reader))).not.toMatch(new RegExp(`${userId}|Ada Lovelace|Warehouse tablet`));
      expect((await auditLog(api, { user_id: company.userId })).pagination.total).toBe(3);
    });
  }
});

describe("tenancy", () => {
  it("another company's entries are never shown, even filtered by its item or user", async () => {
    const { company: owner, api } = await setup();
    const item = await createItem(api, { quantity: 4 });
    await postTransaction(api, { item_id: item.id, type: "issue", quantity: 1 });
    const intruder = client((await createCompany()).apiKey);

    const empty = { data: [], pagination: { total: 0, limit: 50, offset: 0, has_more: false } };
    expect(await auditLog(intruder)).toEqual(empty);
    expect(await auditLog(intruder, { item_id: item.id })).toEqual(empty);
    expect(await auditLog(intruder, { user_id: owner.userId })).toEqual(empty);
    expect((await auditLog(api)).pagination.total).toBe(2);
  });
});

describe("retention by plan", () => {
  /** A company with one entry written at T0. */
  async function entryAt(plan: PlanName, when = T0) {
    const { company, api } = await setup(plan);
    setClock(() => when);
    const item = await createItem(api);
    return { company, api, item };
  }
  const visible = async (api: Api, now: number) => {
    setClock(() => now);
    return (await auditLog(api)).pagination.total;
  };

  it("starter keeps 30 days: an entry 29 days old is shown, 31 days old is not", async () => {
    const { api } = await entryAt("starter");
    expect(await visible(api, T0 + 29 * DAY_MS)).toBe(1);
    expect(await visible(api, T0 + 31 * DAY_MS)).toBe(0);
    // Hidden from every filter too.
    expect((await auditLog(api, { action: "create", since: "2020-01-01" })).data).toEqual([]);
  });

  it("professional keeps 365 days: 31 days old is shown, 366 days old is not", async () => {
    const { api } = await entryAt("professional");
    expect(await visible(api, T0 + 31 * DAY_MS)).toBe(1);
    expect(await visible(api, T0 + 364 * DAY_MS)).toBe(1);
    expect(await visible(api, T0 + 366 * DAY_MS)).toBe(0);
  });

  it("enterprise keeps everything: 366 days and more are shown", async () => {
    const { api, item } = await entryAt("enterprise");
    expect(await visible(api, T0 + 366 * DAY_MS)).toBe(1);
    expect(await visible(api, T0 + 5 * 365 * DAY_MS)).toBe(1);
    expect((await auditLog(api)).data[0]!.item_id).toBe(item.id);
  });

  it("only the expired entries are hidden, and the total counts only what is shown", async () => {
    const { api } = await entryAt("starter");
    setClock(() => T0 + 20 * DAY_MS);
    const recent = await createItem(api);
    setClock(() => T0 + 40 * DAY_MS);
    const log = await auditLog(api);
    expect(log.data.map((e) => e.item_id)).toEqual([recent.id]);
    expect(log.pagination).toEqual({ total: 1, limit: 50, offset: 0, has_more: false });
  });

  it("follows a change of plan", async () => {
    const { company, api } = await entryAt("professional");
    expect(await visible(api, T0 + 31 * DAY_MS)).toBe(1);
    await run([setPlanStatement(company.companyId, "starter")]);
    // Authentication may remember a key's plan for a second.
    expect(await visible(api, T0 + 31 * DAY_MS + 2000)).toBe(0);
    await run([setPlanStatement(company.companyId, "enterprise")]);
    expect(await visible(api, T0 + 400 * DAY_MS)).toBe(1);
  });

  it("the retained entries still exist in D1 (hiding is not deleting)", async () => {
    const { company, api } = await entryAt("starter");
    expect(await visible(api, T0 + 31 * DAY_MS)).toBe(0);
    expect((await companyState(company.companyId)).auditEntries).toBe(1);
  });
});
