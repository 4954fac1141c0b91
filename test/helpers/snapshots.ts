import { env } from "cloudflare:test";
import { expect } from "vitest";
import { foldCaseOrNull } from "../../src/lib/case-fold.ts";
import { newId } from "../../src/lib/ids.ts";
import type { TestCompany } from "./factories.ts";
import { ISO_UTC, uniqueSku, type Api, type Item } from "./items.ts";

export const SNAPSHOT_ID = /^snap_[0-9A-Za-z]{20,}$/;
export const RESTORE_ID = /^rst_[0-9A-Za-z]{20,}$/;
export const SHA256_HEX = /^[0-9a-f]{64}$/;
export const MISSING_SNAPSHOT = "snap_Zz9Zz9Zz9Zz9Zz9Zz9Zz9Zz9";

export interface Snapshot {
  id: string;
  type: "manual" | "automatic" | "pre_restore";
  status: "pending" | "complete" | "failed";
  item_count: number | null;
  size_bytes: number | null;
  sha256: string | null;
  note: string | null;
  created_by: string | null;
  created_at: string;
  completed_at: string | null;
  expires_at: string;
}

export interface Restore {
  id: string;
  snapshot_id: string;
  pre_restore_snapshot_id: string | null;
  status: "pending" | "running" | "complete" | "failed";
  phase: "trash" | "apply";
  items_total: number;
  items_processed: number;
  items_updated: number;
  items_restored: number;
  items_created: number;
  items_trashed: number;
  error: string | null;
  created_at: string;
  updated_at: string;
  completed_at: string | null;
}

/** Asserts exactly the snapshot object's fields, with the right types. */
export function expectSnapshotShape(snapshot: unknown): void {
  const nullable = (matcher: unknown) => expect.toBeOneOf([null, matcher]);
  expect(snapshot).toEqual({
    id: expect.stringMatching(SNAPSHOT_ID),
    type: expect.toBeOneOf(["manual", "automatic", "pre_restore"]),
    status: expect.toBeOneOf(["pending", "complete", "failed"]),
    item_count: nullable(expect.any(Number)),
    size_bytes: nullable(expect.any(Number)),
    sha256: nullable(expect.stringMatching(SHA256_HEX)),
    note: nullable(expect.any(String)),
    created_by: nullable(expect.any(String)),
    created_at: expect.stringMatching(ISO_UTC),
    completed_at: nullable(expect.stringMatching(ISO_UTC)),
    expires_at: expect.stringMatching(ISO_UTC),
  });
}

/** `POST /v1/snapshots`; asserts the 201 and returns the snapshot. */
export async function takeSnapshot(api: Api, note?: string): Promise<Snapshot> {
  const response = await api.post("/v1/snapshots", note === undefined ? undefined : { note });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body as Snapshot;
}

/** `POST /v1/snapshots/:id/restore`; asserts a finished (200, complete) restore and returns it. */
export async function restoreSnapshot(api: Api, snapshotId: string): Promise<Restore> {
  const response = await api.post(`/v1/snapshots/${snapshotId}/restore`);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  expect(response.body.status).toBe("complete");
  return response.body as Restore;
}

/** `list` sorted by `key` in byte order, as SQLite's ORDER BY sorts ids. */
export function sortBy<T>(list: T[], key: keyof T): T[] {
  return [...list].sort((a, b) => (a[key] < b[key] ? -1 : a[key] > b[key] ? 1 : 0));
}

/** The fields a restore brings back, as the API shows them. */
export type ItemState = Omit<Item, "updated_at">;

/** Every live item of the company straight from D1, by id, with the fields a restore brings back. */
export async function liveItems(companyId: string): Promise<ItemState[]> {
  const { results } = await env.DB.prepare(
    `SELECT id, name, sku, quantity, location, barcode, reorder_point, created_at
     FROM items WHERE company_id = ? AND deleted_at IS NULL ORDER BY id`,
  )
    .bind(companyId)
    .all<ItemState>();
  return results;
}

/** Ids of the company's trashed items (not purged), sorted. */
export async function trashedIds(companyId: string): Promise<string[]> {
  const { results } = await env.DB.prepare(
    "SELECT id FROM items WHERE company_id = ? AND deleted_at IS NOT NULL ORDER BY id",
  )
    .bind(companyId)
    .all<{ id: string }>();
  return results.map((row) => row.id);
}

/** Items (live or trashed) whose quantity is not the sum of their ledger rows: should be none. */
export async function ledgerMismatches(companyId: string) {
  const { results } = await env.DB.prepare(
    `SELECT i.id, i.quantity,
            (SELECT coalesce(sum(quantity_change), 0) FROM transactions t WHERE t.item_id = i.id) AS ledger
     FROM items i WHERE i.company_id = ? AND i.quantity != ledger`,
  )
    .bind(companyId)
    .all<{ id: string; quantity: number; ledger: number }>();
  return results;
}

/** How many items, ledger rows, audit entries, snapshots and restores the company has. */
export async function rowCounts(companyId: string) {
  const count = (table: string, where = "") =>
    env.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE company_id = ?${where}`).bind(companyId);
  const results = await env.DB.batch<{ n: number }>([
    count("items"),
    count("items", " AND deleted_at IS NULL"),
    count("transactions"),
    count("audit_log"),
    count("snapshots"),
    count("snapshot_restores"),
  ]);
  const [items, live, transactions, audit, snapshots, restores] = results.map((r) => r.results[0]!.n);
  return { items, live, transactions, audit, snapshots, restores };
}

/** The snapshot's row as stored, read straight from D1. */
export function snapshotRow(id: string) {
  return env.DB.prepare("SELECT * FROM snapshots WHERE id = ?").bind(id).first<Record<string, string | number | null>>();
}

/** The restore's row as stored, read straight from D1. */
export function restoreRow(id: string) {
  return env.DB.prepare("SELECT * FROM snapshot_restores WHERE id = ?")
    .bind(id)
    .first<{ status: string; phase: string; cursor: number; items_processed: number; items_trashed: number } & Record<string, unknown>>();
}

export async function sha256Hex(bytes: ArrayBuffer | Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The lines of a gzip NDJSON blob, parsed. */
export async function gunzipLines(bytes: Uint8Array): Promise<Record<string, unknown>[]> {
  const text = await new Response(
    new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip")),
  ).text();
  expect(text.endsWith("\n")).toBe(true);
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/**
 * Inserts `count` items straight into D1 with a matching `initial` ledger row each (so that the
 * ledger invariant holds from the start), in one batch. Returns their ids in insertion order.
 */
export async function seedLedgeredItems(
  company: TestCompany,
  count: number,
  item: (i: number) => { name?: string; quantity?: number; location?: string | null } = () => ({}),
): Promise<string[]> {
  const createdAt = "2025-01-01T00:00:00.000Z";
  const insertItem = env.DB.prepare(
    `INSERT INTO items (id, company_id, name, sku, quantity, location, location_key, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertLedger = env.DB.prepare(
    `INSERT INTO transactions (id, company_id, item_id, type, quantity_change, quantity_before, quantity_after, user_id, created_at)
     VALUES (?, ?, ?, 'initial', ?, 0, ?, ?, ?)`,
  );
  const ids: string[] = [];
  const statements: D1PreparedStatement[] = [];
  for (let i = 0; i < count; i++) {
    const { name = `Seeded ${i}`, quantity = i % 7, location = null } = item(i);
    const id = newId("item");
    ids.push(id);
    statements.push(insertItem.bind(id, company.companyId, name, uniqueSku("BULK"), quantity, location, foldCaseOrNull(location), createdAt, createdAt));
    if (quantity > 0) {
      statements.push(insertLedger.bind(newId("txn"), company.companyId, id, quantity, quantity, company.userId, createdAt));
    }
  }
  await env.DB.batch(statements);
  return ids;
}
