// Atomicity (one D1 batch: all or nothing) and concurrency (no lost update) of the stock ledger,
// with real concurrent requests against the Worker and the real local D1.
import { env } from "cloudflare:test";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import type { Actor } from "../../../src/db/audit.ts";
import { createDatabase } from "../../../src/db/client.ts";
import { recordMovements } from "../../../src/db/transactions.ts";
import { newId } from "../../../src/lib/ids.ts";
import { createCompany, createKey } from "../../helpers/factories.ts";
import { client, expectApiError } from "../../helpers/http.ts";
import { createItem } from "../../helpers/items.ts";
import { auditRows, companyState, ledgerRows, postBatch, postTransaction, type LedgerRow } from "../../helpers/ledger.ts";

function tally(statuses: number[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const status of statuses) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}

/** Ledger rows form one chain: each row starts where the previous one ended. */
function expectChain(rows: Pick<LedgerRow, "quantity_before" | "quantity_after" | "quantity_change">[], start = 0) {
  let quantity = start;
  for (const row of rows) {
    expect(row.quantity_before).toBe(quantity);
    expect(row.quantity_after).toBe(row.quantity_before + row.quantity_change);
    quantity = row.quantity_after;
  }
  return quantity;
}

describe("atomicity: recordMovements commits the ledger row, the quantity and the audit entry together", () => {
  async function setup() {
    const company = await createCompany();
    const api = client(company.apiKey);
    const a = await createItem(api, { quantity: 10 });
    const b = await createItem(api, { quantity: 5 });
    const actor: Actor = {
      companyId: company.companyId,
      userId: company.userId,
      apiKeyId: company.apiKeyId,
      requestId: newId("req"),
    };
    return { company, a, b, actor, db: createDatabase(env.DB) };
  }

  const failingLastStatements = [
    [
      "a duplicate primary key",
      (companyId: string) =>
        sql`INSERT INTO companies (id, name, plan, created_at, updated_at) VALUES (${companyId}, 'Dup', 'starter', 'x', 'x')`,
    ],
    [
      "a row that breaks the ledger's CHECK",
      (companyId: string) =>
        sql`INSERT INTO transactions (id, company_id, item_id, type, quantity_change, quantity_before, quantity_after, user_id, created_at)
            VALUES (${newId("txn")}, ${companyId}, 'item_x', 'adjust', -1, 0, -1, 'user_x', 'x')`,
    ],
    ["a statement on a table that does not exist", () => sql`INSERT INTO no_such_table (x) VALUES (1)`],
  ] as const;

  it.each(failingLastStatements)(
    "a failing last statement (%s) leaves quantities, ledger and audit log as they were",
    async (_, failing) => {
      const { company, a, b, actor, db } = await setup();
      const before = await companyState(company.companyId);
      const ledgerBefore = [await ledgerRows(a.id), await ledgerRows(b.id)];
      const auditBefore = [await auditRows(a.id), await auditRows(b.id)];

      await expect(
        recordMovements(
          db,
          actor,
          [
            { itemId: a.id, type: "receive", change: 7 },
            { itemId: b.id, type: "issue", change: -5 },
            { itemId: a.id, type: "count", level: 1 },
          ],
          { extra: [failing(company.companyId)] },
        ),
      ).rejects.toThrow();

      expect(await companyState(company.companyId)).toEqual(before);
      expect(before.items.map((i: { quantity: number }) => i.quantity)).toEqual([10, 5]);
      expect([await ledgerRows(a.id), await ledgerRows(b.id)]).toEqual(ledgerBefore);
      expect([await auditRows(a.id), await auditRows(b.id)]).toEqual(auditBefore);
      const { results } = await env.DB.prepare("SELECT COUNT(*) AS n FROM audit_log WHERE request_id = ?")
        .bind(actor.requestId)
        .all<{ n: number }>();
      expect(results[0]!.n).toBe(0);
    },
  );

  it("the same call without the failing statement commits all three, so the test above is not vacuous", async () => {
    const { company, a, b, actor, db } = await setup();
    const before = await companyState(company.companyId);

    const rows = await recordMovements(db, actor, [
      { itemId: a.id, type: "receive", change: 7 },
      { itemId: b.id, type: "issue", change: -5 },
      { itemId: a.id, type: "count", level: 1 },
    ]);

    expect(rows.map((r) => [r.itemId, r.quantityChange, r.quantityBefore, r.quantityAfter])).toEqual([
      [a.id, 7, 10, 17],
      [b.id, -5, 5, 0],
      [a.id, -16, 17, 1],
    ]);
    const after = await companyState(company.companyId);
    expect(after.items.map((i: { quantity: number }) => i.quantity)).toEqual([1, 0]);
    expect(after.transactions).toBe(before.transactions + 3);
    expect(after.auditEntries).toBe(before.auditEntries + 3);
    const entries = (await auditRows(a.id)).filter((e) => e.request_id === actor.requestId);
    expect(entries.map((e) => [e.action, JSON.parse(e.changes), e.transaction_id])).toEqual([
      ["update", { quantity: { from: 10, to: 17 } }, rows[0]!.id],
      ["update", { quantity: { from: 17, to: 1 } }, rows[2]!.id],
    ]);
  });

  it("a movement that fails in the middle of the batch undoes the movements before it", async () => {
    const { company, a, b, actor, db } = await setup();
    const before = await companyState(company.companyId);

    await expect(
      recordMovements(db, actor, [
        { itemId: a.id, type: "receive", change: 7 },
        { itemId: b.id, type: "issue", change: -6 },
        { itemId: a.id, type: "receive", change: 1 },
      ]),
    ).rejects.toMatchObject({ code: "insufficient_stock", field: "quantity" });

    expect(await companyState(company.companyId)).toEqual(before);
  });
});

describe("concurrency: no lost update", () => {
  it("200 concurrent issues of 1 against a stock of 100: exactly 100 succeed and 100 are refused", async () => {
    const company = await createCompany("enterprise");
    // Two keys: each stays far below the enterprise limit of 1,000 requests a minute.
    const keys = [company.apiKey, await createKey(company, { role: "member" })].map(client);
    const item = await createItem(keys[0]!, { quantity: 100 });

    const responses = await Promise.all(
      Array.from({ length: 200 }, (_, i) => postTransaction(keys[i % 2]!, { item_id: item.id, type: "issue", quantity: 1 })),
    );

    expect(tally(responses.map((r) => r.status))).toEqual({ 201: 100, 409: 100 });
    for (const refused of responses.filter((r) => r.status === 409)) {
      expectApiError(refused, 409, "insufficient_stock", "quantity");
      expect(refused.body.error.message).toMatch(/\b0\b/);
    }
    const succeeded = responses.filter((r) => r.status === 201).map((r) => r.body);
    // Every success saw a different stock level: 100, 99, …, 1 each exactly once.
    expect(succeeded.map((t) => t.quantity_before).sort((x, y) => x - y)).toEqual(
      Array.from({ length: 100 }, (_, i) => i + 1),
    );
    for (const t of succeeded) expect(t).toMatchObject({ quantity_change: -1, quantity_after: t.quantity_before - 1 });

    const rows = await ledgerRows(item.id);
    expect(rows.filter((r) => r.type === "issue")).toHaveLength(100);
    expect(rows.filter((r) => r.type === "initial")).toHaveLength(1);
    expect(rows).toHaveLength(101);
    expect(expectChain(rows)).toBe(0);
    const sum = rows.reduce((total, r) => total + r.quantity_change, 0);
    expect(sum).toBe(0);
    expect((await keys[0]!.get(`/v1/items/${item.id}`)).body.quantity).toBe(0);
    // One audit entry per applied movement, none for the refused ones.
    const entries = await auditRows(item.id);
    expect(entries.filter((e) => e.action === "update")).toHaveLength(100);
    expect(entries).toHaveLength(101);
  }, 20_000);

  it("concurrent receives on one item never lose an update", async () => {
    const company = await createCompany("enterprise");
    const api = client(company.apiKey);
    const item = await createItem(api, { quantity: 0 });
    const amounts = Array.from({ length: 60 }, (_, i) => (i % 7) + 1);

    const responses = await Promise.all(
      amounts.map((quantity) => postTransaction(api, { item_id: item.id, type: "receive", quantity })),
    );

    expect(tally(responses.map((r) => r.status))).toEqual({ 201: 60 });
    const total = amounts.reduce((a, b) => a + b, 0);
    expect((await api.get(`/v1/items/${item.id}`)).body.quantity).toBe(total);
    const rows = await ledgerRows(item.id);
    expect(rows).toHaveLength(60);
    expect(expectChain(rows)).toBe(total);
  }, 20_000);

  it("concurrent mixed movements and batches keep quantity == sum(quantity_change) and never go negative", async () => {
    const company = await createCompany("enterprise");
    const api = client(company.apiKey);
    const a = await createItem(api, { quantity: 10 });
    const b = await createItem(api, { quantity: 15 });

    // 20 batches each take one from a and one from b: only 10 can, and each is all or nothing.
    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        postBatch(api, [
          { item_id: b.id, type: "issue", quantity: 1 },
          { item_id: a.id, type: "issue", quantity: 1 },
        ]),
      ),
    );

    expect(tally(responses.map((r) => r.status))).toEqual({ 201: 10, 409: 10 });
    for (const refused of responses.filter((r) => r.status === 409)) {
      expectApiError(refused, 409, "insufficient_stock", "transactions[1].quantity");
    }
    expect((await api.get(`/v1/items/${a.id}`)).body.quantity).toBe(0);
    expect((await api.get(`/v1/items/${b.id}`)).body.quantity).toBe(5);
    const rowsA = await ledgerRows(a.id);
    const rowsB = await ledgerRows(b.id);
    expect(rowsA).toHaveLength(11);
    expect(rowsB).toHaveLength(11);
    expect(expectChain(rowsA)).toBe(0);
    expect(expectChain(rowsB)).toBe(5);
  });

  /** Ten PATCHes of one item at once, each to its own quantity and name. */
  async function concurrentPatches() {
    const company = await createCompany("enterprise");
    const api = client(company.apiKey);
    const item = await createItem(api, { quantity: 0, name: "Start" });
    const targets = Array.from({ length: 10 }, (_, i) => i + 1);
    const responses = await Promise.all(
      targets.map((quantity) => api.patch(`/v1/items/${item.id}`, { quantity, name: `Name ${quantity}` })),
    );
    return { api, item, targets, responses };
  }

  it("concurrent PATCHes of one item each write an audit entry, and their from/to values form one chain", async () => {
    const { api, item, targets, responses } = await concurrentPatches();

    const applied = responses.flatMap((response, i) => (response.status === 200 ? [targets[i]!] : []));
    for (const [i, response] of responses.entries()) {
      if (response.status === 200) {
        expect(response.body).toMatchObject({ id: item.id, quantity: targets[i], name: `Name ${targets[i]}` });
      } else {
        // A PATCH may give up under extreme contention (see the next test), with a clean 503.
        expectApiError(response, 503, "service_unavailable");
      }
    }

    const updates = (await auditRows(item.id)).filter((e) => e.action === "update");
    expect(updates).toHaveLength(applied.length);
    let quantity = 0;
    let name = "Start";
    for (const entry of updates) {
      const changes = JSON.parse(entry.changes);
      expect(changes.quantity.from).toBe(quantity);
      expect(changes.name.from).toBe(name);
      expect(changes.name.to).toBe(`Name ${changes.quantity.to}`);
      expect(entry.transaction_id).not.toBeNull();
      quantity = changes.quantity.to;
      name = changes.name.to;
    }
    expect(new Set(updates.map((e) => JSON.parse(e.changes).quantity.to))).toEqual(new Set(applied));

    const final = (await api.get(`/v1/items/${item.id}`)).body;
    expect(final).toMatchObject({ quantity, name });
    const rows = await ledgerRows(item.id);
    expect(rows.map((r) => r.id)).toEqual(updates.map((e) => e.transaction_id));
    expect(rows.every((r) => r.type === "adjust" && r.reason === "manual_update")).toBe(true);
    expect(expectChain(rows)).toBe(quantity);
  });

  // Before the optimistic retry backed off with jitter, about half of these answered 500.
  it("concurrent PATCHes of one item all succeed", async () => {
    const { responses } = await concurrentPatches();
    expect(tally(responses.map((r) => r.status))).toEqual({ 200: 10 });
  });

  it("concurrent PATCHes and transactions on one item keep the ledger and the audit log in step", async () => {
    const company = await createCompany("enterprise");
    const api = client(company.apiKey);
    const item = await createItem(api, { quantity: 50 });

    const responses = await Promise.all([
      ...Array.from({ length: 15 }, () => postTransaction(api, { item_id: item.id, type: "issue", quantity: 2 })),
      ...Array.from({ length: 5 }, (_, i) => api.patch(`/v1/items/${item.id}`, { quantity: 40 + i })),
      ...Array.from({ length: 10 }, () => postTransaction(api, { item_id: item.id, type: "receive", quantity: 3 })),
    ]);

    expect(tally(responses.slice(0, 15).map((r) => r.status))).toEqual({ 201: 15 });
    expect(tally(responses.slice(20).map((r) => r.status))).toEqual({ 201: 10 });
    // The PATCHes may give up under extreme contention (see above), but only with a clean 503.
    for (const patch of responses.slice(15, 20)) {
      if (patch.status !== 200) expectApiError(patch, 503, "service_unavailable");
    }
    const rows = await ledgerRows(item.id);
    const final = expectChain(rows);
    expect((await api.get(`/v1/items/${item.id}`)).body.quantity).toBe(final);
    // Every ledger row has exactly one audit entry (the initial one is in the create entry).
    const entries = await auditRows(item.id);
    expect(entries.map((e) => e.transaction_id)).toEqual(rows.map((r) => r.id));
    for (const [i, entry] of entries.entries()) {
      if (entry.action === "create") continue;
      expect(JSON.parse(entry.changes).quantity).toEqual({ from: rows[i]!.quantity_before, to: rows[i]!.quantity_after });
    }
  });
});
