// Helpers for the ledger, audit log and idempotency tests: the API's shapes, and direct D1 reads
// that show what was (or was not) written.
import { env } from "cloudflare:test";
import { expect } from "vitest";
import type { AuditEntry as PublicAuditEntry } from "../../src/domain/audit.ts";
import type { NewTransaction } from "../../src/domain/transactions.ts";
import type { Api } from "./items.ts";
import { ISO_UTC } from "./items.ts";

export const TXN_ID = /^txn_[0-9A-Za-z]{20,}$/;
export const EVT_ID = /^evt_[0-9A-Za-z]{20,}$/;

export type { Transaction } from "../../src/domain/transactions.ts";

/** An audit entry, its `changes` open to any reading (a test knows what it wrote). */
export type AuditEntry = Omit<PublicAuditEntry, "changes"> & { changes: Record<string, any> };

/** POST /v1/transactions with a body as the API takes it, or any other (for the error cases). */
export const postTransaction = (api: Api, body: NewTransaction | Record<string, unknown>) => api.post("/v1/transactions", body);
export const postBatch = (api: Api, transactions: unknown[]) => api.post("/v1/transactions/batch", { transactions });

/** `?a=1&b=2` from an object (empty string for none). */
export function qs(query: Record<string, string | number> = {}): string {
  const params = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]));
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** Asserts that `txn` has exactly the transaction object's fields, with the right types. */
export function expectTransactionShape(txn: unknown): void {
  expect(txn).toEqual({
    id: expect.stringMatching(TXN_ID),
    item_id: expect.any(String),
    type: expect.any(String),
    quantity_change: expect.any(Number),
    quantity_before: expect.any(Number),
    quantity_after: expect.any(Number),
    reason: expect.toBeOneOf([null, expect.any(String)]),
    note: expect.toBeOneOf([null, expect.any(String)]),
    reference: expect.toBeOneOf([null, expect.any(String)]),
    order_id: null,
    user_id: expect.any(String),
    created_at: expect.stringMatching(ISO_UTC),
  });
}

/** Asserts that `entry` has exactly the audit entry's fields, with the right types. */
export function expectAuditEntryShape(entry: unknown): void {
  expect(entry).toEqual({
    id: expect.stringMatching(EVT_ID),
    action: expect.toBeOneOf(["create", "update", "delete", "restore"]),
    resource_type: expect.any(String),
    resource_id: expect.any(String),
    item_id: expect.toBeOneOf([null, expect.any(String)]),
    user_id: expect.toBeOneOf([null, expect.any(String)]),
    api_key_id: expect.toBeOneOf([null, expect.any(String)]),
    changes: expect.any(Object),
    transaction_id: expect.toBeOneOf([null, expect.any(String)]),
    request_id: expect.toBeOneOf([null, expect.any(String)]),
    created_at: expect.stringMatching(ISO_UTC),
  });
}

export interface LedgerRow {
  id: string;
  item_id: string;
  type: string;
  quantity_change: number;
  quantity_before: number;
  quantity_after: number;
  reason: string | null;
}

/** An item's ledger rows straight from D1, in the order they were committed. */
export async function ledgerRows(itemId: string): Promise<LedgerRow[]> {
  const { results } = await env.DB.prepare(
    `SELECT id, item_id, type, quantity_change, quantity_before, quantity_after, reason
     FROM transactions WHERE item_id = ? ORDER BY seq`,
  )
    .bind(itemId)
    .all<LedgerRow>();
  return results;
}

export interface StoredAuditRow {
  id: string;
  action: string;
  item_id: string | null;
  changes: string;
  transaction_id: string | null;
  request_id: string | null;
}

/** An item's audit entries straight from D1, in the order they were committed. */
export async function auditRows(itemId: string): Promise<StoredAuditRow[]> {
  const { results } = await env.DB.prepare(
    `SELECT id, action, item_id, changes, transaction_id, request_id FROM audit_log WHERE item_id = ? ORDER BY seq`,
  )
    .bind(itemId)
    .all<StoredAuditRow>();
  return results;
}

export interface Balance {
  id: string;
  quantity: number;
  ledger_sum: number;
  ledger_rows: number;
}

/** Every item of the company (trashed too) with its quantity and the sum of its ledger. */
export async function balances(companyId: string): Promise<Balance[]> {
  const { results } = await env.DB.prepare(
    `SELECT i.id, i.quantity,
            COALESCE((SELECT SUM(t.quantity_change) FROM transactions t WHERE t.item_id = i.id), 0) AS ledger_sum,
            (SELECT COUNT(*) FROM transactions t WHERE t.item_id = i.id) AS ledger_rows
     FROM items i WHERE i.company_id = ? ORDER BY i.seq`,
  )
    .bind(companyId)
    .all<Balance>();
  return results;
}

/**
 * Everything a write can touch for one company: items (quantity, version, trash), ledger rows and
 * audit entries. Equal before and after a request means the request changed nothing.
 */
export async function companyState(companyId: string) {
  const [items, ledger, audit] = await env.DB.batch<any>([
    env.DB.prepare(
      "SELECT id, quantity, version, name, deleted_at FROM items WHERE company_id = ? ORDER BY seq",
    ).bind(companyId),
    env.DB.prepare("SELECT COUNT(*) AS n FROM transactions WHERE company_id = ?").bind(companyId),
    env.DB.prepare("SELECT COUNT(*) AS n FROM audit_log WHERE company_id = ?").bind(companyId),
  ]);
  return {
    items: items!.results,
    transactions: ledger!.results[0].n as number,
    auditEntries: audit!.results[0].n as number,
  };
}
