import { describe, expect, it } from "vitest";
import { createCompany, createKey } from "../../helpers/factories.ts";
import { callJson, client, expectApiError } from "../../helpers/http.ts";
import { createItem, seedItems, type Api } from "../../helpers/items.ts";
import { companyState, postBatch, postTransaction, qs } from "../../helpers/ledger.ts";

async function setup() {
  const company = await createCompany();
  const api = client(company.apiKey);
  const item = await createItem(api, { quantity: 10 });
  return { company, api, item };
}

const MISSING = "item_Zz9Zz9Zz9Zz9Zz9Zz9Zz9Zz9";

describe("POST /v1/transactions: validation", () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ["receive of 0", { type: "receive", quantity: 0 }, "quantity"],
    ["receive of a negative quantity", { type: "receive", quantity: -5 }, "quantity"],
    ["issue of 0", { type: "issue", quantity: 0 }, "quantity"],
    ["issue of a negative quantity", { type: "issue", quantity: -1 }, "quantity"],
    ["adjust by 0", { type: "adjust", quantity: 0, reason: "correction" }, "quantity"],
    ["adjust without a reason", { type: "adjust", quantity: -2 }, "reason"],
    ["adjust with a null reason", { type: "adjust", quantity: -2, reason: null }, "reason"],
    ["an unknown reason", { type: "adjust", quantity: -2, reason: "stolen" }, "reason"],
    ["a count below zero", { type: "count", quantity: -1 }, "quantity"],
    ["a fractional quantity", { type: "receive", quantity: 1.5 }, "quantity"],
    ["a quantity as a string", { type: "receive", quantity: "5" }, "quantity"],
    ["a quantity over 1,000,000,000", { type: "receive", quantity: 1_000_000_001 }, "quantity"],
    ["no quantity", { type: "receive" }, "quantity"],
    ["an unknown type", { type: "sell", quantity: 1 }, "type"],
    ["the server-only type initial", { type: "initial", quantity: 1 }, "type"],
    ["the server-only type restore", { type: "restore", quantity: 1 }, "type"],
    ["no type", { quantity: 1 }, "type"],
    ["a negative expected_quantity", { type: "receive", quantity: 1, expected_quantity: -1 }, "expected_quantity"],
    ["a fractional expected_quantity", { type: "receive", quantity: 1, expected_quantity: 2.5 }, "expected_quantity"],
    ["a note over 500 characters", { type: "receive", quantity: 1, note: "n".repeat(501) }, "note"],
    ["a reference over 200 characters", { type: "receive", quantity: 1, reference: "r".repeat(201) }, "reference"],
    ["an unknown field", { type: "receive", quantity: 1, unit_cost: 5 }, "unit_cost"],
    ["a mass-assigned quantity_after", { type: "receive", quantity: 1, quantity_after: 999 }, "quantity_after"],
    ["a mass-assigned user_id", { type: "receive", quantity: 1, user_id: "user_x" }, "user_id"],
  ];

  it.each(cases)("answers 400 naming the field for %s, and changes nothing", async (_, fields, field) => {
    const { company, api, item } = await setup();
    const before = await companyState(company.companyId);

    const response = await postTransaction(api, { item_id: item.id, ...fields });

    expectApiError(response, 400, "invalid_request", field);
    expect(await companyState(company.companyId)).toEqual(before);
  });

  it("answers 400 naming item_id when it is missing or empty", async () => {
    const { api } = await setup();
    expectApiError(await postTransaction(api, { type: "receive", quantity: 1 }), 400, "invalid_request", "item_id");
    expectApiError(await postTransaction(api, { item_id: "", type: "receive", quantity: 1 }), 400, "invalid_request", "item_id");
    expectApiError(await postTransaction(api, { item_id: 7, type: "receive", quantity: 1 }), 400, "invalid_request", "item_id");
  });

  it("answers 400 invalid_json and 415 for bodies that are not JSON", async () => {
    const { company, api, item } = await setup();
    const before = await companyState(company.companyId);
    expectApiError(await api.post("/v1/transactions", "{item_id:"), 400, "invalid_json");
    const text = await callJson("POST", "/v1/transactions", {
      key: company.apiKey,
      body: { item_id: item.id, type: "receive", quantity: 1 },
      headers: { "Content-Type": "text/plain" },
    });
    expectApiError(text, 415, "unsupported_media_type");
    expect(await companyState(company.companyId)).toEqual(before);
  });
});

describe("POST /v1/transactions: the item must be the company's live item", () => {
  it("answers 404 for an unknown item", async () => {
    const { company, api } = await setup();
    const before = await companyState(company.companyId);
    const response = await postTransaction(api, { item_id: MISSING, type: "receive", quantity: 1 });
    expectApiError(response, 404, "not_found", "item_id");
    expect(response.body.error.message).toContain(MISSING);
    expect(await companyState(company.companyId)).toEqual(before);
  });

  it("answers 404 for another company's item, exactly as for a missing one, and changes nothing", async () => {
    const { company: owner, item } = await setup();
    const intruder = client((await createCompany()).apiKey);
    const before = await companyState(owner.companyId);

    for (const body of [
      { item_id: item.id, type: "issue", quantity: 1 },
      { item_id: item.id, type: "count", quantity: 0 },
      { item_id: item.id, type: "adjust", quantity: -10, reason: "lost" },
    ]) {
      const foreign = await postTransaction(intruder, body);
      const missing = await postTransaction(intruder, { ...body, item_id: MISSING });
      expectApiError(foreign, 404, "not_found", "item_id");
      expect(foreign.body.error.message.replace(item.id, "<id>")).toBe(missing.body.error.message.replace(MISSING, "<id>"));
    }
    const batch = await postBatch(intruder, [{ item_id: item.id, type: "issue", quantity: 1 }]);
    expectApiError(batch, 404, "not_found", "transactions[0].item_id");
    expect(await companyState(owner.companyId)).toEqual(before);
  });

  it("answers 404 for a trashed item", async () => {
    const { company, api, item } = await setup();
    expect((await api.delete(`/v1/items/${item.id}`)).status).toBe(204);
    const before = await companyState(company.companyId);

    expectApiError(await postTransaction(api, { item_id: item.id, type: "receive", quantity: 1 }), 404, "not_found", "item_id");
    expectApiError(await postTransaction(api, { item_id: item.id, type: "count", quantity: 3 }), 404, "not_found", "item_id");
    expect(await companyState(company.companyId)).toEqual(before);
  });
});

describe("POST /v1/transactions: never below zero, and compare-and-set", () => {
  it("answers 409 insufficient_stock stating the current quantity, and changes nothing", async () => {
    const { company, api, item } = await setup();
    const before = await companyState(company.companyId);

    const response = await postTransaction(api, { item_id: item.id, type: "issue", quantity: 11 });

    expectApiError(response, 409, "insufficient_stock", "quantity");
    expect(response.body.error.message).toMatch(/\b10\b/);
    expect(await companyState(company.companyId)).toEqual(before);
    expect((await api.get(`/v1/items/${item.id}`)).body.quantity).toBe(10);
  });

  it("answers 409 insufficient_stock for an adjust below zero", async () => {
    const { company, api, item } = await setup();
    const before = await companyState(company.companyId);
    const response = await postTransaction(api, { item_id: item.id, type: "adjust", quantity: -11, reason: "lost" });
    expectApiError(response, 409, "insufficient_stock", "quantity");
    expect(response.body.error.message).toMatch(/\b10\b/);
    expect(await companyState(company.companyId)).toEqual(before);
  });

  it("answers 409 insufficient_stock for any issue from an empty item", async () => {
    const { company, api } = await setup();
    const empty = await createItem(api);
    const before = await companyState(company.companyId);
    const response = await postTransaction(api, { item_id: empty.id, type: "issue", quantity: 1 });
    expectApiError(response, 409, "insufficient_stock", "quantity");
    expect(response.body.error.message).toMatch(/\b0\b/);
    expect(await companyState(company.companyId)).toEqual(before);
  });

  it("answers 409 quantity_conflict when expected_quantity differs, and changes nothing", async () => {
    const { company, api, item } = await setup();
    const before = await companyState(company.companyId);

    for (const body of [
      { item_id: item.id, type: "issue", quantity: 1, expected_quantity: 9 },
      { item_id: item.id, type: "count", quantity: 4, expected_quantity: 0 },
      { item_id: item.id, type: "receive", quantity: 1, expected_quantity: 11 },
    ]) {
      const response = await postTransaction(api, body);
      expectApiError(response, 409, "quantity_conflict", "expected_quantity");
      expect(response.body.error.message).toMatch(/\b10\b/);
    }
    expect(await companyState(company.companyId)).toEqual(before);
  });

  it("checks expected_quantity before stock: a stale expectation is a conflict, not insufficient stock", async () => {
    const { api, item } = await setup();
    const response = await postTransaction(api, { item_id: item.id, type: "issue", quantity: 50, expected_quantity: 3 });
    expectApiError(response, 409, "quantity_conflict", "expected_quantity");
  });
});

describe("POST /v1/transactions/batch: errors", () => {
  const receive = (item_id: string, quantity = 1) => ({ item_id, type: "receive", quantity });

  it("answers 400 for 101 entries, and changes nothing", async () => {
    const { company, api, item } = await setup();
    const before = await companyState(company.companyId);
    const response = await postBatch(api, Array.from({ length: 101 }, () => receive(item.id)));
    expectApiError(response, 400, "invalid_request", "transactions");
    expect(await companyState(company.companyId)).toEqual(before);
  });

  it("answers 400 for no entries, a missing list and an unknown top-level field", async () => {
    const { api, item } = await setup();
    expectApiError(await postBatch(api, []), 400, "invalid_request", "transactions");
    expectApiError(await api.post("/v1/transactions/batch", {}), 400, "invalid_request", "transactions");
    expectApiError(await api.post("/v1/transactions/batch", { transactions: "x" }), 400, "invalid_request", "transactions");
    expectApiError(
      await api.post("/v1/transactions/batch", { transactions: [receive(item.id)], atomic: false }),
      400,
      "invalid_request",
      "atomic",
    );
  });

  it.each([
    ["a receive of 0", { type: "receive", quantity: 0 }, "transactions[3].quantity"],
    ["an adjust without reason", { type: "adjust", quantity: 2 }, "transactions[3].reason"],
    ["a bad type", { type: "borrow", quantity: 2 }, "transactions[3].type"],
    ["an unknown field", { type: "receive", quantity: 2, cost: 1 }, "transactions[3].cost"],
  ])("answers 400 naming the entry for %s at index 3, and applies nothing", async (_, fields, field) => {
    const { company, api, item } = await setup();
    const before = await companyState(company.companyId);
    const entries: unknown[] = [receive(item.id), receive(item.id), receive(item.id), { item_id: item.id, ...fields }, receive(item.id)];

    expectApiError(await postBatch(api, entries), 400, "invalid_request", field);
    expect(await companyState(company.companyId)).toEqual(before);
  });

  it("answers 409 insufficient_stock naming entry 2, and applies none of the batch", async () => {
    const { company, api, item } = await setup();
    const other = await createItem(api, { quantity: 5 });
    const before = await companyState(company.companyId);

    const response = await postBatch(api, [
      { item_id: item.id, type: "receive", quantity: 5 },
      { item_id: other.id, type: "issue", quantity: 5 },
      { item_id: item.id, type: "issue", quantity: 16 },
      { item_id: other.id, type: "receive", quantity: 1 },
    ]);

    expectApiError(response, 409, "insufficient_stock", "transactions[2].quantity");
    // The stock entry 2 met: 10 plus entry 0's receive.
    expect(response.body.error.message).toMatch(/\b15\b/);
    expect(await companyState(company.companyId)).toEqual(before);
  });

  it("names the entry that fails only because of earlier entries on the same item", async () => {
    const { company, api, item } = await setup();
    const before = await companyState(company.companyId);
    const response = await postBatch(api, [
      { item_id: item.id, type: "issue", quantity: 8 },
      { item_id: item.id, type: "issue", quantity: 3 },
    ]);
    expectApiError(response, 409, "insufficient_stock", "transactions[1].quantity");
    expect(response.body.error.message).toMatch(/\b2\b/);
    expect(await companyState(company.companyId)).toEqual(before);
  });

  it("names entry 99 of a batch over 100 different items, and applies nothing", async () => {
    const { company, api } = await setup();
    const seeded = await seedItems(company, Array.from({ length: 100 }, () => ({ quantity: 0 })));
    const before = await companyState(company.companyId);
    const entries = seeded.map((item, i) => ({ item_id: item.id, type: i === 99 ? "issue" : "receive", quantity: 1 }));

    const response = await postBatch(api, entries);

    expectApiError(response, 409, "insufficient_stock", "transactions[99].quantity");
    expect(await companyState(company.companyId)).toEqual(before);
    // And the same batch over 100 items applies when it can.
    const ok = await postBatch(api, entries.map((e) => ({ ...e, type: "receive" })));
    expect(ok.status).toBe(201);
    expect(ok.body.data.map((t: { item_id: string }) => t.item_id)).toEqual(seeded.map((i) => i.id));
  });

  it("answers 404 naming entry 1 for an unknown item, and applies none of the batch", async () => {
    const { company, api, item } = await setup();
    const before = await companyState(company.companyId);
    const response = await postBatch(api, [receive(item.id, 3), receive(MISSING), receive(item.id, 4)]);
    expectApiError(response, 404, "not_found", "transactions[1].item_id");
    expect(await companyState(company.companyId)).toEqual(before);
  });

  it("answers 409 quantity_conflict naming the entry whose expectation fails, and applies nothing", async () => {
    const { company, api, item } = await setup();
    const before = await companyState(company.companyId);
    const response = await postBatch(api, [
      { item_id: item.id, type: "receive", quantity: 2, expected_quantity: 10 },
      // After entry 0 the stock is 12, so an expectation of 10 no longer holds.
      { item_id: item.id, type: "issue", quantity: 1, expected_quantity: 10 },
    ]);
    expectApiError(response, 409, "quantity_conflict", "transactions[1].expected_quantity");
    expect(response.body.error.message).toMatch(/\b12\b/);
    expect(await companyState(company.companyId)).toEqual(before);
  });

  it("accepts expectations that hold in order", async () => {
    const { api, item } = await setup();
    const response = await postBatch(api, [
      { item_id: item.id, type: "receive", quantity: 2, expected_quantity: 10 },
      { item_id: item.id, type: "issue", quantity: 1, expected_quantity: 12 },
    ]);
    expect(response.status).toBe(201);
    expect(response.body.data.map((t: { quantity_after: number }) => t.quantity_after)).toEqual([12, 11]);
  });
});

describe("GET /v1/transactions: errors", () => {
  it.each([
    [{ since: "yesterday" }, "since"],
    [{ since: "2025-13-01" }, "since"],
    [{ until: "2025-01-01T25:00:00Z" }, "until"],
    [{ type: "sell" }, "type"],
    [{ limit: 0 }, "limit"],
    [{ limit: 101 }, "limit"],
    [{ offset: -1 }, "offset"],
    [{ sort: "asc" }, "sort"],
  ])("answers 400 for %o naming %s", async (query, field) => {
    const { api } = await setup();
    expectApiError(await api.get(`/v1/transactions${qs(query)}`), 400, "invalid_request", field);
  });

  it("answers 404 for an unknown transaction id", async () => {
    const { api } = await setup();
    expectApiError(await api.get("/v1/transactions/txn_Zz9Zz9Zz9Zz9Zz9Zz9Zz9Zz9"), 404, "not_found", "id");
  });
});

describe("transactions across companies and roles", () => {
  async function twoCompanies() {
    const { company, api, item } = await setup();
    const txn = (await postTransaction(api, { item_id: item.id, type: "issue", quantity: 1 })).body;
    const intruder = client((await createCompany()).apiKey);
    return { company, api, item, txn, intruder };
  }

  it("another company's transaction answers 404, like a missing one", async () => {
    const { txn, intruder } = await twoCompanies();
    const response = await intruder.get(`/v1/transactions/${txn.id}`);
    expectApiError(response, 404, "not_found", "id");
    expect(response.body.error.message).not.toContain("item_");
  });

  it("another company's transactions never appear in a list, even filtered by the item", async () => {
    const { item, intruder } = await twoCompanies();
    const all = await intruder.get("/v1/transactions");
    expect(all.body).toEqual({ data: [], pagination: { total: 0, limit: 50, offset: 0, has_more: false } });
    const filtered = await intruder.get(`/v1/transactions?item_id=${item.id}`);
    expect(filtered.body.pagination.total).toBe(0);
  });

  it("a read_only key may list and read but not record: 403 on both POSTs, nothing changed", async () => {
    const { company, item, txn } = await twoCompanies();
    const reader: Api = client(await createKey(company, { role: "read_only" }));
    const before = await companyState(company.companyId);

    expectApiError(await postTransaction(reader, { item_id: item.id, type: "receive", quantity: 1 }), 403, "permission_denied");
    expectApiError(await postBatch(reader, [{ item_id: item.id, type: "receive", quantity: 1 }]), 403, "permission_denied");
    expect(await companyState(company.companyId)).toEqual(before);

    expect((await reader.get(`/v1/transactions/${txn.id}`)).body).toEqual(txn);
    expect((await reader.get("/v1/transactions")).body.pagination.total).toBe(2);
  });

  it("a member key may record transactions", async () => {
    const { company, item } = await twoCompanies();
    const member = client(await createKey(company, { role: "member" }));
    const response = await postTransaction(member, { item_id: item.id, type: "receive", quantity: 1 });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ quantity_before: 9, quantity_after: 10, user_id: company.userId });
  });
});
