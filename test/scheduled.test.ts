import { env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DAY_MS, setClock } from "../src/lib/clock.ts";
import { createCompany, run, type TestCompany } from "./helpers/factories.ts";
import { runDailyJob } from "./helpers/daily-job.ts";
import { client } from "./helpers/http.ts";

// The daily job's trash step: items trashed 30 days ago or more are purged for good.

// The job runs once a UTC day (a second run that day does nothing more), so each test has its own day.
const FIRST_DAY = Date.parse("2031-03-15T03:00:00.000Z");
let NOW = FIRST_DAY;

beforeEach(() => {
  NOW += 400 * DAY_MS;
});

afterEach(() => {
  setClock(null);
  vi.restoreAllMocks();
});


/** Creates an item through the API 100 days ago and, if `trashedAt` is given, deletes it then. */
async function item(co: TestCompany, sku: string, trashedAt?: number): Promise<string> {
  const api = client(co.apiKey);
  setClock(() => NOW - 100 * DAY_MS);
  const created = await api.post("/v1/items", { name: `Item ${sku}`, sku });
  expect(created.status).toBe(201);
  if (trashedAt !== undefined) {
    setClock(() => trashedAt);
    expect((await api.delete(`/v1/items/${created.body.id}`)).status).toBe(204);
  }
  setClock(null);
  return created.body.id;
}

async function storedIds(companyId: string): Promise<string[]> {
  const { results } = await env.DB.prepare("SELECT id FROM items WHERE company_id = ? ORDER BY id")
    .bind(companyId)
    .all<{ id: string }>();
  return results.map((r) => r.id);
}

async function deletedAt(id: string): Promise<string | null | undefined> {
  const row = await env.DB.prepare("SELECT deleted_at FROM items WHERE id = ?")
    .bind(id)
    .first<{ deleted_at: string | null }>();
  return row === null ? undefined : row.deleted_at;
}

describe("scheduled: purging the trash", () => {
  it("purges items trashed 30 days ago or more and keeps the rest", async () => {
    const co = await createCompany();
    const ago = (days: number, extraMs = 0) => NOW - days * DAY_MS + extraMs;
    const purged = {
      days90: await item(co, "P-90", ago(90)),
      days31: await item(co, "P-31", ago(31)),
      exactly30: await item(co, "P-30", ago(30)),
    };
    const kept = {
      justUnder30: await item(co, "K-30", ago(30, 1)),
      days29: await item(co, "K-29", ago(29)),
      today: await item(co, "K-0", ago(0, -60_000)),
      live: await item(co, "LIVE"),
    };
    expect(await deletedAt(kept.days29)).toBe(new Date(ago(29)).toISOString());
    expect(await deletedAt(purged.exactly30)).toBe(new Date(ago(30)).toISOString());

    await runDailyJob(NOW);

    for (const id of Object.values(purged)) expect(await deletedAt(id), id).toBeUndefined();
    expect(await deletedAt(kept.justUnder30)).toBe(new Date(ago(30, 1)).toISOString());
    expect(await deletedAt(kept.days29)).toBe(new Date(ago(29)).toISOString());
    expect(await deletedAt(kept.today)).not.toBeNull();
    expect(await deletedAt(kept.live)).toBeNull();
    expect(await storedIds(co.companyId)).toEqual(Object.values(kept).sort());

    // What the API shows afterwards agrees: the 29-day item can still be restored.
    setClock(() => NOW);
    const trash = await client(co.apiKey).get("/v1/trash");
    expect(trash.body.data.map((i: any) => i.id).sort()).toEqual(
      [kept.justUnder30, kept.days29, kept.today].sort(),
    );
    const restored = await client(co.apiKey).post(`/v1/items/${kept.days29}/restore`);
    expect(restored.status).toBe(200);
    expect(restored.body).toMatchObject({ id: kept.days29, sku: "K-29" });
    const gone = await client(co.apiKey).post(`/v1/items/${purged.days31}/restore`);
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe("not_found");
  });

  it("purges the 29-day item once it reaches 30 days, and is idempotent", async () => {
    const co = await createCompany();
    const id = await item(co, "LATER", NOW - 29 * DAY_MS);

    await runDailyJob(NOW);
    expect(await deletedAt(id)).toBe(new Date(NOW - 29 * DAY_MS).toISOString());
    await runDailyJob(NOW);
    expect(await deletedAt(id)).toBe(new Date(NOW - 29 * DAY_MS).toISOString());

    await runDailyJob(NOW + DAY_MS);
    expect(await deletedAt(id)).toBeUndefined();
    const before = await storedIds(co.companyId);
    await runDailyJob(NOW + DAY_MS);
    expect(await storedIds(co.companyId)).toEqual(before);
  });

  it("purges the trash of every company, leaving a live item with the same SKU", async () => {
    const [a, b] = await Promise.all([createCompany(), createCompany("enterprise")]);
    const oldA = await item(a, "SAME", NOW - 40 * DAY_MS);
    const oldB = await item(b, "SAME", NOW - 40 * DAY_MS);
    const liveA = await item(a, "SAME");

    await runDailyJob(NOW);

    expect(await storedIds(a.companyId)).toEqual([liveA]);
    expect(await storedIds(b.companyId)).toEqual([]);
    expect(await deletedAt(oldA)).toBeUndefined();
    expect(await deletedAt(oldB)).toBeUndefined();
  });

  it("purges more than one batch in one run and keeps the search index consistent", async () => {
    const co = await createCompany();
    const expired = new Date(NOW - 45 * DAY_MS).toISOString();
    const created = new Date(NOW - 60 * DAY_MS).toISOString();
    const insert = (count: number, tag: string, deleted: string | null) => ({
      sql: `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${count})
            INSERT INTO items (id, company_id, name, sku, quantity, created_at, updated_at, deleted_at)
            SELECT 'item_${tag}' || printf('%06d', i), ?, 'Bulk ${tag} ' || i, '${tag}-' || i, 0, ?, ?, ?
            FROM n`,
      params: [co.companyId, created, created, deleted],
    });
    await run([insert(1_234, "gone", expired), insert(3, "live", null)]);
    expect(await storedIds(co.companyId)).toHaveLength(1_237);
    const logged = vi.spyOn(console, "log").mockImplementation(() => {});

    await runDailyJob(NOW);

    const left = await storedIds(co.companyId);
    expect(left).toEqual(["item_live000001", "item_live000002", "item_live000003"]);
    const reports = logged.mock.calls.flatMap(([line]) => {
      try {
        return [JSON.parse(String(line))];
      } catch {
        return [];
      }
    });
    expect(reports).toContainEqual(expect.objectContaining({ purged_items: 1_234 }));
    // The FTS5 index holds no row for a purged item (this statement throws if it does).
    await env.DB.prepare("INSERT INTO items_fts(items_fts) VALUES ('integrity-check')").run();
    setClock(() => NOW);
    const search = await client(co.apiKey).get("/v1/items?search=Bulk");
    expect(search.body.pagination.total).toBe(3);
    expect(search.body.data.map((i: any) => i.sku).sort()).toEqual(["live-1", "live-2", "live-3"]);
  });
});
