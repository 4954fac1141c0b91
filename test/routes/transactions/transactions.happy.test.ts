import { afterEach, describe, expect, it } from "vitest";
import { setClock } from "../../../src/lib/clock.ts";
import { createCompany } from "../../helpers/factories.ts";
import { client, REQUEST_ID } from "../../helpers/http.ts";
import { at, createItem, type Api } from "../../helpers/items.ts";
import {
  balances,
  expectTransactionShape,
  ledgerRows,
  postBatch,
  postTransaction,
  qs,
  TXN_ID,
  type Transaction,
} from "../../helpers/ledger.ts";

afterEach(() => setClock(null));

const T0 = "2025-03-01T09:00:00.000Z";

async function setup(plan: "professional" | "enterprise" = "professional") {
  const company = await createCompany(plan);
  return { company, api: client(company.apiKey) };
}

async function quantityOf(api: Api, itemId: string): Promise<number> {
  const response = await api.get(`/v1/items/${itemId}`);
  expect(response.status).toBe(200);
  return response.body.quantity;
}

describe("POST /v1/transactions", () => {
  it("receive adds the quantity and answers the ledger entry", async () => {
    const { company, api } = await setup();
    const item = await createItem(api, { quantity: 10 });
    setClock(() => at(T0));

    const response = await postTransaction(api, {
      item_id: item.id,
      type: "receive",
      quantity: 5,
      note: "Pallet 7",
      reference: "PO-1042",
    });

    expect(response.status).toBe(201);
    expect(response.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(response.headers.get("Request-Id")).toMatch(REQUEST_ID);
    expectTransactionShape(response.body);
    expect(response.body).toEqual({
      id: expect.stringMatching(TXN_ID),
      item_id: item.id,
      type: "receive",
      quantity_change: 5,
      quantity_before: 10,
      quantity_after: 15,
      reason: null,
      note: "Pallet 7",
      reference: "PO-1042",
      order_id: null,
      user_id: company.userId,
      created_at: T0,
    });
    expect(await quantityOf(api, item.id)).toBe(15);
    // The item was changed by the same batch: its updated_at moves with the transaction.
    expect((await api.get(`/v1/items/${item.id}`)).body.updated_at).toBe(T0);
  });

  it("issue removes the quantity (a positive quantity, recorded as a negative change)", async () => {
    const { company, api } = await setup();
    const item = await createItem(api, { quantity: 10 });

    const response = await postTransaction(api, { item_id: item.id, type: "issue", quantity: 4, reference: "SO-7" });

    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      item_id: item.id,
      type: "issue",
      quantity_change: -4,
      quantity_before: 10,
      quantity_after: 6,
      reason: null,
      note: null,
      reference: "SO-7",
      order_id: null,
      user_id: company.userId,
    });
    expect(await quantityOf(api, item.id)).toBe(6);
  });

  it("issue may take the stock to exactly zero", async () => {
    const { api } = await setup();
    const item = await createItem(api, { quantity: 3 });
    const response = await postTransaction(api, { item_id: item.id, type: "issue", quantity: 3 });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ quantity_change: -3, quantity_before: 3, quantity_after: 0 });
    expect(await quantityOf(api, item.id)).toBe(0);
  });

  it.each([
    [-3, "damaged", 7],
    [4, "found", 14],
    [-10, "lost", 0],
    [1, "correction", 11],
    [2, "manual_update", 12],
    [-1, "other", 9],
  ])("adjust by %i with reason %s gives %i", async (quantity, reason, after) => {
    const { api } = await setup();
    const item = await createItem(api, { quantity: 10 });

    const response = await postTransaction(api, { item_id: item.id, type: "adjust", quantity, reason });

    expect(response.status).toBe(201);
    expectTransactionShape(response.body);
    expect(response.body).toMatchObject({
      type: "adjust",
      quantity_change: quantity,
      quantity_before: 10,
      quantity_after: after,
      reason,
    });
    expect(await quantityOf(api, item.id)).toBe(after);
  });

  it.each([
    [7, -3],
    [25, 15],
    [0, -10],
    [10, 0],
  ])("count of %i on a stock of 10 records the computed change %i", async (counted, change) => {
    const { api } = await setup();
    const item = await createItem(api, { quantity: 10 });

    const response = await postTransaction(api, { item_id: item.id, type: "count", quantity: counted });

    expect(response.status).toBe(201);
    expectTransactionShape(response.body);
    expect(response.body).toMatchObject({
      type: "count",
      quantity_change: change,
      quantity_before: 10,
      quantity_after: counted,
      reason: null,
    });
    expect(await quantityOf(api, item.id)).toBe(counted);
    // A count that matches is still on record (a zero change): the ledger says when it was counted.
    expect((await ledgerRows(item.id)).map((r) => [r.type, r.quantity_change])).toEqual([
      ["initial", 10],
      ["count", change],
    ]);
  });

  it("accepts nulls for the optional fields", async () => {
    const { api } = await setup();
    const item = await createItem(api, { quantity: 1 });
    const response = await postTransaction(api, {
      item_id: item.id,
      type: "receive",
      quantity: 2,
      reason: null,
      note: null,
      reference: null,
      expected_quantity: null,
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ quantity_after: 3, reason: null, note: null, reference: null });
  });

  it("applies with a matching expected_quantity (compare-and-set)", async () => {
    const { api } = await setup();
    const item = await createItem(api, { quantity: 10 });

    const response = await postTransaction(api, { item_id: item.id, type: "issue", quantity: 2, expected_quantity: 10 });

    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ quantity_before: 10, quantity_after: 8 });
    expect(await quantityOf(api, item.id)).toBe(8);
    // expected_quantity 0 is a real expectation, not "unset".
    const empty = await createItem(api, { quantity: 0 });
    const first = await postTransaction(api, { item_id: empty.id, type: "receive", quantity: 5, expected_quantity: 0 });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ quantity_before: 0, quantity_after: 5 });
  });

  it("works on an item that was trashed and restored", async () => {
    const { api } = await setup();
    const item = await createItem(api, { quantity: 4 });
    expect((await api.delete(`/v1/items/${item.id}`)).status).toBe(204);
    expect((await api.post(`/v1/items/${item.id}/restore`)).status).toBe(200);

    const response = await postTransaction(api, { item_id: item.id, type: "receive", quantity: 1 });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ quantity_before: 4, quantity_after: 5 });
  });
});

describe("POST /v1/transactions/batch", () => {
  it("applies the entries in order; two entries on one item compose", async () => {
    const { company, api } = await setup();
    const a = await createItem(api, { quantity: 10 });
    const b = await createItem(api, { quantity: 0 });
    setClock(() => at(T0));

    const response = await postBatch(api, [
      { item_id: a.id, type: "receive", quantity: 5 },
      { item_id: b.id, type: "receive", quantity: 2, reference: "PO-1" },
      // 15 on stock now: only possible because the receive above came first.
      { item_id: a.id, type: "issue", quantity: 12 },
      { item_id: a.id, type: "count", quantity: 1 },
      { item_id: b.id, type: "adjust", quantity: -1, reason: "damaged" },
    ]);

    expect(response.status).toBe(201);
    expect(Object.keys(response.body)).toEqual(["data"]);
    const data: Transaction[] = response.body.data;
    data.forEach(expectTransactionShape);
    expect(new Set(data.map((t) => t.id)).size).toBe(5);
    const common = { reason: null, note: null, reference: null, order_id: null, user_id: company.userId, created_at: T0 };
    expect(data).toEqual([
      { ...common, id: expect.stringMatching(TXN_ID), item_id: a.id, type: "receive", quantity_change: 5, quantity_before: 10, quantity_after: 15 },
      { ...common, id: expect.stringMatching(TXN_ID), item_id: b.id, type: "receive", quantity_change: 2, quantity_before: 0, quantity_after: 2, reference: "PO-1" },
      { ...common, id: expect.stringMatching(TXN_ID), item_id: a.id, type: "issue", quantity_change: -12, quantity_before: 15, quantity_after: 3 },
      { ...common, id: expect.stringMatching(TXN_ID), item_id: a.id, type: "count", quantity_change: -2, quantity_before: 3, quantity_after: 1 },
      { ...common, id: expect.stringMatching(TXN_ID), item_id: b.id, type: "adjust", quantity_change: -1, quantity_before: 2, quantity_after: 1, reason: "damaged" },
    ]);
    expect(await quantityOf(api, a.id)).toBe(1);
    expect(await quantityOf(api, b.id)).toBe(1);
    // The ledger holds the rows in request order.
    expect((await ledgerRows(a.id)).map((r) => r.id).slice(1)).toEqual([data[0]!.id, data[2]!.id, data[3]!.id]);
  });

  it("takes 100 entries", async () => {
    const { api } = await setup();
    const item = await createItem(api, { quantity: 0 });
    const entries = Array.from({ length: 100 }, (_, i) => ({ item_id: item.id, type: "receive", quantity: i + 1 }));

    const response = await postBatch(api, entries);

    expect(response.status).toBe(201);
    expect(response.body.data).toHaveLength(100);
    let before = 0;
    for (const [i, txn] of (response.body.data as Transaction[]).entries()) {
      expect(txn).toMatchObject({ quantity_change: i + 1, quantity_before: before, quantity_after: before + i + 1 });
      before += i + 1;
    }
    expect(await quantityOf(api, item.id)).toBe(5050);
    expect((await ledgerRows(item.id)).length).toBe(100);
  });
});

describe("GET /v1/transactions", () => {
  /** Two items and five transactions a minute apart (T0 … T0+4min), oldest first. */
  async function ledger() {
    const { company, api } = await setup();
    const minute = (n: number) => new Date(at(T0) + n * 60_000).toISOString();
    setClock(() => at(minute(0)));
    const a = await createItem(api, { quantity: 10 }); // initial, minute 0
    setClock(() => at(minute(1)));
    const b = await createItem(api, { quantity: 0 }); // no transaction
    const t1 = (await postTransaction(api, { item_id: b.id, type: "receive", quantity: 3 })).body;
    setClock(() => at(minute(2)));
    const t2 = (await postTransaction(api, { item_id: a.id, type: "issue", quantity: 1 })).body;
    setClock(() => at(minute(3)));
    const t3 = (await postTransaction(api, { item_id: a.id, type: "adjust", quantity: 2, reason: "found" })).body;
    setClock(() => at(minute(4)));
    const t4 = (await postTransaction(api, { item_id: b.id, type: "issue", quantity: 1 })).body;
    setClock(null);
    const initial = (await api.get(`/v1/transactions?item_id=${a.id}&type=initial`)).body.data[0];
    return { company, api, a, b, minute, all: [t4, t3, t2, t1, initial] as Transaction[] };
  }

  const list = async (api: Api, query: Record<string, string | number> = {}) => {
    const response = await api.get(`/v1/transactions${qs(query)}`);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return response.body as { data: Transaction[]; pagination: Record<string, unknown> };
  };
  const idsOf = (body: { data: Transaction[] }) => body.data.map((t) => t.id);

  it("lists the company's transactions newest first, with the page", async () => {
    const { api, all } = await ledger();
    const body = await list(api);
    expect(body).toEqual({ data: all, pagination: { total: 5, limit: 50, offset: 0, has_more: false } });
    expect(all[4]).toMatchObject({ type: "initial", quantity_change: 10, quantity_before: 0, quantity_after: 10 });
  });

  it("pages with limit and offset", async () => {
    const { api, all } = await ledger();
    const first = await list(api, { limit: 2 });
    expect(idsOf(first)).toEqual(all.slice(0, 2).map((t) => t.id));
    expect(first.pagination).toEqual({ total: 5, limit: 2, offset: 0, has_more: true });
    const last = await list(api, { limit: 2, offset: 4 });
    expect(idsOf(last)).toEqual([all[4]!.id]);
    expect(last.pagination).toEqual({ total: 5, limit: 2, offset: 4, has_more: false });
    const beyond = await list(api, { offset: 10 });
    expect(beyond).toEqual({ data: [], pagination: { total: 5, limit: 50, offset: 10, has_more: false } });
  });

  it("filters by item_id and type", async () => {
    const { api, a, b, all } = await ledger();
    const [t4, t3, t2, t1, initial] = all;
    expect(idsOf(await list(api, { item_id: a.id }))).toEqual([t3!.id, t2!.id, initial!.id]);
    expect(idsOf(await list(api, { item_id: b.id }))).toEqual([t4!.id, t1!.id]);
    expect(idsOf(await list(api, { type: "issue" }))).toEqual([t4!.id, t2!.id]);
    expect(idsOf(await list(api, { type: "initial" }))).toEqual([initial!.id]);
    expect(idsOf(await list(api, { item_id: b.id, type: "issue" }))).toEqual([t4!.id]);
    expect((await list(api, { item_id: "item_unknown", type: "count" })).pagination.total).toBe(0);
  });

  it("filters by since (inclusive) and until (exclusive)", async () => {
    const { api, minute, all } = await ledger();
    const [t4, t3, t2, t1] = all;
    expect(idsOf(await list(api, { since: minute(2) }))).toEqual([t4!.id, t3!.id, t2!.id]);
    expect(idsOf(await list(api, { until: minute(2) }))).toEqual([t1!.id, all[4]!.id]);
    const window = await list(api, { since: minute(1), until: minute(3) });
    expect(idsOf(window)).toEqual([t2!.id, t1!.id]);
    expect(window.pagination.total).toBe(2);
    // An offset is accepted and normalised to UTC: 10:02+01:00 is 09:02Z.
    expect(idsOf(await list(api, { since: "2025-03-01T10:02:00+01:00" }))).toEqual([t4!.id, t3!.id, t2!.id]);
    // A date is midnight UTC.
    expect((await list(api, { since: "2025-03-02" })).data).toEqual([]);
    expect((await list(api, { until: "2025-03-02" })).pagination.total).toBe(5);
  });
});

describe("GET /v1/transactions/:id", () => {
  it("answers the transaction as it was created", async () => {
    const { api } = await setup();
    const item = await createItem(api, { quantity: 2 });
    const created = await postTransaction(api, { item_id: item.id, type: "issue", quantity: 2, note: "Sold" });

    const response = await api.get(`/v1/transactions/${created.body.id}`);

    expect(response.status).toBe(200);
    expect(response.body).toEqual(created.body);
  });
});

describe("items write through the ledger", () => {
  it("creating an item with quantity 10 writes one initial transaction (0 → 10)", async () => {
    const { company, api } = await setup();
    setClock(() => at(T0));
    const item = await createItem(api, { quantity: 10 });

    const response = await api.get(`/v1/transactions?item_id=${item.id}`);

    expect(response.status).toBe(200);
    expect(response.body.data).toEqual([
      {
        id: expect.stringMatching(TXN_ID),
        item_id: item.id,
        type: "initial",
        quantity_change: 10,
        quantity_before: 0,
        quantity_after: 10,
        reason: null,
        note: null,
        reference: null,
        order_id: null,
        user_id: company.userId,
        created_at: T0,
      },
    ]);
    expect(item.quantity).toBe(10);
  });

  it("creating an item without a quantity writes no transaction", async () => {
    const { api } = await setup();
    const item = await createItem(api);
    expect((await api.get(`/v1/transactions?item_id=${item.id}`)).body.pagination.total).toBe(0);
    expect(await ledgerRows(item.id)).toEqual([]);
  });

  it("PATCH with quantity writes an adjust transaction with reason manual_update", async () => {
    const { company, api } = await setup();
    const item = await createItem(api, { quantity: 10 });
    setClock(() => at(T0));

    const patched = await api.patch(`/v1/items/${item.id}`, { quantity: 4, name: "Renamed" });

    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ id: item.id, quantity: 4, name: "Renamed", updated_at: T0 });
    expect((await api.get(`/v1/transactions?item_id=${item.id}&type=adjust`)).body.data).toEqual([
      {
        id: expect.stringMatching(TXN_ID),
        item_id: item.id,
        type: "adjust",
        quantity_change: -6,
        quantity_before: 10,
        quantity_after: 4,
        reason: "manual_update",
        note: null,
        reference: null,
        order_id: null,
        user_id: company.userId,
        created_at: T0,
      },
    ]);
    expect(await quantityOf(api, item.id)).toBe(4);

    // Up again, and from zero.
    expect((await api.patch(`/v1/items/${item.id}`, { quantity: 0 })).body.quantity).toBe(0);
    expect((await api.patch(`/v1/items/${item.id}`, { quantity: 9 })).body.quantity).toBe(9);
    expect((await ledgerRows(item.id)).map((r) => [r.type, r.quantity_change, r.reason])).toEqual([
      ["initial", 10, null],
      ["adjust", -6, "manual_update"],
      ["adjust", -4, "manual_update"],
      ["adjust", 9, "manual_update"],
    ]);
  });

  it("PATCH without a quantity change writes no transaction", async () => {
    const { api } = await setup();
    const item = await createItem(api, { quantity: 10 });
    expect((await api.patch(`/v1/items/${item.id}`, { name: "Only the name" })).status).toBe(200);
    expect((await api.patch(`/v1/items/${item.id}`, { quantity: 10 })).status).toBe(200);
    expect((await ledgerRows(item.id)).map((r) => r.type)).toEqual(["initial"]);
  });

  it("keeps quantity == sum(quantity_change) across creates, transactions and patches", async () => {
    const { company, api } = await setup();
    const a = await createItem(api, { quantity: 10 });
    const b = await createItem(api, { quantity: 0 });
    await postTransaction(api, { item_id: a.id, type: "issue", quantity: 3 });
    await postTransaction(api, { item_id: b.id, type: "receive", quantity: 8 });
    await postBatch(api, [
      { item_id: a.id, type: "count", quantity: 20 },
      { item_id: b.id, type: "adjust", quantity: -2, reason: "lost" },
    ]);
    await api.patch(`/v1/items/${a.id}`, { quantity: 5 });

    const rows = await balances(company.companyId);
    expect(rows.map(({ id, quantity, ledger_sum }) => ({ id, quantity, ledger_sum }))).toEqual([
      { id: a.id, quantity: 5, ledger_sum: 5 },
      { id: b.id, quantity: 6, ledger_sum: 6 },
    ]);
  });
});
