import { env } from "cloudflare:test";
import type { z } from "@hono/zod-openapi";
import { expect } from "vitest";
import type { CreateItemBodySchema, PublicItem } from "../../src/domain/items.ts";
import { foldCaseOrNull } from "../../src/lib/case-fold.ts";
import { newId } from "../../src/lib/ids.ts";
import type { TestCompany } from "./factories.ts";
import { client } from "./http.ts";

export type Api = ReturnType<typeof client>;

/** A create-item body where every field may be left to `createItem`'s defaults. */
export type ItemInput = Partial<z.input<typeof CreateItemBodySchema>>;

export const ITEM_ID = /^item_[0-9A-Za-z]{20,}$/;
/** ISO 8601 in UTC with `Z`, with or without milliseconds. */
export const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;

let counter = 0;

/** A SKU no other item of the test file has (unless a test reuses it on purpose). */
export function uniqueSku(prefix = "SKU"): string {
  counter += 1;
  return `${prefix}-${counter.toString().padStart(5, "0")}`;
}

/** Creates an item through the API, asserts the 201 and returns the item. */
export async function createItem(api: Api, input: ItemInput = {}) {
  const response = await api.post("/v1/items", { name: "Test item", sku: uniqueSku(), ...input });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body as Item;
}

export type Item = PublicItem;

/** Asserts that `item` has exactly the item object's fields, with the right types. */
export function expectItemShape(item: unknown): void {
  expect(item).toEqual({
    id: expect.stringMatching(ITEM_ID),
    name: expect.any(String),
    sku: expect.any(String),
    quantity: expect.any(Number),
    location: expect.toBeOneOf([null, expect.any(String)]),
    barcode: expect.toBeOneOf([null, expect.any(String)]),
    reorder_point: expect.toBeOneOf([null, expect.any(Number)]),
    created_at: expect.stringMatching(ISO_UTC),
    updated_at: expect.stringMatching(ISO_UTC),
  });
}


export interface SeedItem extends ItemInput {
  createdAt?: string;
  deletedAt?: string | null;
}

/**
 * Inserts items straight into D1 in one batch (for lists of hundreds of items), with the same
 * columns the API writes. Returns them as the API shows them.
 */
export async function seedItems(company: TestCompany, seeds: SeedItem[]): Promise<Item[]> {
  const rows = seeds.map((seed, i) => {
    const createdAt = seed.createdAt ?? new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString();
    return {
      id: newId("item"),
      name: seed.name ?? `Seeded item ${i}`,
      sku: seed.sku ?? uniqueSku("SEED"),
      quantity: seed.quantity ?? 0,
      location: seed.location ?? null,
      barcode: seed.barcode ?? null,
      reorder_point: seed.reorder_point ?? null,
      created_at: createdAt,
      updated_at: createdAt,
      deleted_at: seed.deletedAt ?? null,
    };
  });
  const insert = env.DB.prepare(
    `INSERT INTO items (id, company_id, name, sku, quantity, location, location_key, barcode, reorder_point, created_at, updated_at, deleted_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  await env.DB.batch(
    rows.map((r) =>
      insert.bind(
        r.id,
        company.companyId,
        r.name,
        r.sku,
        r.quantity,
        r.location,
        foldCaseOrNull(r.location),
        r.barcode,
        r.reorder_point,
        r.created_at,
        r.updated_at,
        r.deleted_at,
      ),
    ),
  );
  return rows.map(({ deleted_at: _deleted, ...item }) => item);
}

/** The API's list order: newest first by created_at, then by id. */
export function newestFirst<T extends { created_at: string; id: string }>(list: T[]): T[] {
  const compare = (a: string, b: string) => (a < b ? 1 : a > b ? -1 : 0);
  return [...list].sort((a, b) => compare(a.created_at, b.created_at) || compare(a.id, b.id));
}

/** The ids of a list response, in order. */
export function ids(response: { body: any }): string[] {
  return (response.body.data as { id: string }[]).map((item) => item.id);
}

/** `GET /v1/items` with the given query parameters; asserts the 200. */
export async function listItems(api: Api, query: Record<string, string | number> = {}) {
  const params = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]));
  const qs = params.toString();
  const response = await api.get(`/v1/items${qs ? `?${qs}` : ""}`);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response;
}

export const at = (iso: string) => Date.parse(iso);
