import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { DAY_MS, setClock } from "../../../src/lib/clock.ts";
import { newId } from "../../../src/lib/ids.ts";
import { PLANS, type PlanName } from "../../../src/plans.ts";
import { createCompany, type TestCompany } from "../../helpers/factories.ts";
import { client, expectApiError } from "../../helpers/http.ts";
import { createItem } from "../../helpers/items.ts";
import { expectSnapshotShape, restoreSnapshot, rowCounts, takeSnapshot } from "../../helpers/snapshots.ts";

// Each plan allows so many manual snapshots and restores a UTC day, counted per company (then 429
// plan_limit_exceeded with Retry-After), and keeps snapshots so long, all read from the one
// plans table.

afterEach(() => setClock(null));

/** 22:59:30.250 UTC: 1 h 0 min 29.75 s before the next UTC day. */
const LATE = Date.parse("2030-03-05T22:59:30.250Z");
const SECONDS_TO_MIDNIGHT = 3630;
const NEXT_DAY = Date.parse("2030-03-06T00:00:00.000Z");

/** Rows as the API would have made them earlier today, straight into D1 (cheaper than N requests). */
async function madeToday(co: TestCompany, table: "snapshots" | "snapshot_restores", count: number, type = "manual") {
  const at = new Date(LATE - 3_600_000).toISOString();
  const statements = Array.from({ length: count }, () => {
    const id = newId(table === "snapshots" ? "snap" : "rst");
    return table === "snapshots"
      ? env.DB.prepare(
          `INSERT INTO snapshots (id, company_id, type, status, blob_key, created_at, expires_at)
           VALUES (?, ?, ?, 'complete', ?, ?, ?)`,
        ).bind(id, co.companyId, type, `${co.companyId}/${id}.ndjson.gz`, at, at)
      : env.DB.prepare(
          `INSERT INTO snapshot_restores (id, company_id, snapshot_id, status, created_at, updated_at)
           VALUES (?, ?, 'snap_x', 'complete', ?, ?)`,
        ).bind(id, co.companyId, at, at);
  });
  if (statements.length > 0) await env.DB.batch(statements);
}

function expectPlanLimit(response: { status: number; headers: Headers; body: any }) {
  expectApiError(response, 429, "plan_limit_exceeded");
  expect(response.headers.get("Retry-After")).toBe(String(SECONDS_TO_MIDNIGHT));
  expect(response.body.error.message).toMatch(/a day \(UTC\)/);
}

describe("manual snapshots per UTC day", () => {
  it("starter: the second of the day is 429 with Retry-After to 00:00 UTC; the next day is allowed", async () => {
    setClock(() => LATE);
    const co = await createCompany("starter");
    const api = client(co.apiKey);
    await createItem(api, { quantity: 1 });
    const first = await takeSnapshot(api, "first");
    expectSnapshotShape(first);
    const counts = await rowCounts(co.companyId);

    const second = await api.post("/v1/snapshots", { note: "second" });
    expectPlanLimit(second);
    expect(second.body.error.message).toContain("1 manual snapshots a day");
    // Refused before anything was written: no row, no blob, no audit entry.
    expect(await rowCounts(co.companyId)).toEqual(counts);
    const listed = await env.SNAPSHOTS.list({ prefix: `${co.companyId}/` });
    expect(listed.objects.map((o) => o.key)).toEqual([`${co.companyId}/${first.id}.ndjson.gz`]);

    setClock(() => NEXT_DAY - 1);
    expectApiError(await api.post("/v1/snapshots"), 429, "plan_limit_exceeded");
    setClock(() => NEXT_DAY);
    const nextDay = await takeSnapshot(api, "next day");
    expect(nextDay.created_at).toBe("2030-03-06T00:00:00.000Z");
    expect((await api.get("/v1/snapshots")).body.pagination.total).toBe(2);
  });

  it.each([
    ["starter", 1],
    ["professional", 10],
    ["enterprise", 100],
  ] as [PlanName, number][])("%s: %i a day, and only manual ones count", async (plan, limit) => {
    expect(PLANS[plan].manualSnapshotsPerDay).toBe(limit);
    setClock(() => LATE);
    const co = await createCompany(plan);
    const api = client(co.apiKey);
    await madeToday(co, "snapshots", 3, "automatic");
    await madeToday(co, "snapshots", 3, "pre_restore");
    await madeToday(co, "snapshots", limit - 1);

    await takeSnapshot(api);
    const refused = await api.post("/v1/snapshots");
    expectPlanLimit(refused);
    expect(refused.body.error.message).toContain(`${limit} manual snapshots a day`);
  });

  it("concurrent requests cannot take more than the day's allowance", async () => {
    setClock(() => LATE);
    const co = await createCompany("starter");
    const api = client(co.apiKey);
    const responses = await Promise.all(Array.from({ length: 6 }, () => api.post("/v1/snapshots")));
    expect(responses.map((r) => r.status).sort()).toEqual([201, 429, 429, 429, 429, 429]);
    for (const refused of responses.filter((r) => r.status === 429)) expectPlanLimit(refused);
    expect((await rowCounts(co.companyId)).snapshots).toBe(1);
  });
});

describe("restores per UTC day", () => {
  it("starter: the second restore of the day is 429 and changes nothing; the next day is allowed", async () => {
    setClock(() => LATE);
    const co = await createCompany("starter");
    const api = client(co.apiKey);
    const item = await createItem(api, { name: "Original", quantity: 2 });
    const snapshot = await takeSnapshot(api);
    await api.patch(`/v1/items/${item.id}`, { name: "Changed once" });
    await restoreSnapshot(api, snapshot.id);
    await api.patch(`/v1/items/${item.id}`, { name: "Changed twice" });
    const counts = await rowCounts(co.companyId);

    const refused = await api.post(`/v1/snapshots/${snapshot.id}/restore`);
    expectPlanLimit(refused);
    expect(refused.body.error.message).toContain("1 snapshot restores a day");
    // No pre_restore snapshot, no restore row, nothing restored.
    expect(await rowCounts(co.companyId)).toEqual(counts);
    expect((await api.get(`/v1/items/${item.id}`)).body.name).toBe("Changed twice");

    // A dry run is not a restore: still allowed.
    const dry = await api.post(`/v1/snapshots/${snapshot.id}/restore?dry_run=true`);
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ dry_run: true, items_to_update: 1 });

    setClock(() => NEXT_DAY);
    await restoreSnapshot(api, snapshot.id);
    expect((await api.get(`/v1/items/${item.id}`)).body.name).toBe("Original");
  });

  it("dry runs do not count against the limit", async () => {
    setClock(() => LATE);
    const co = await createCompany("starter");
    const api = client(co.apiKey);
    await createItem(api);
    const snapshot = await takeSnapshot(api);
    for (let i = 0; i < 3; i++) {
      expect((await api.post(`/v1/snapshots/${snapshot.id}/restore?dry_run=true`)).status).toBe(200);
    }
    expect((await rowCounts(co.companyId)).restores).toBe(0);
    await restoreSnapshot(api, snapshot.id);
    expectPlanLimit(await api.post(`/v1/snapshots/${snapshot.id}/restore`));
  });

  it.each([
    ["professional", 5],
    ["enterprise", 50],
  ] as [PlanName, number][])("%s: %i a day", async (plan, limit) => {
    expect(PLANS[plan].restoresPerDay).toBe(limit);
    setClock(() => LATE);
    const co = await createCompany(plan);
    const api = client(co.apiKey);
    const snapshot = await takeSnapshot(api);
    await madeToday(co, "snapshot_restores", limit - 1);
    await restoreSnapshot(api, snapshot.id);
    const refused = await api.post(`/v1/snapshots/${snapshot.id}/restore`);
    expectPlanLimit(refused);
    expect(refused.body.error.message).toContain(`${limit} snapshot restores a day`);
  });

  it("concurrent restores cannot take more than the day's allowance", async () => {
    setClock(() => LATE);
    const co = await createCompany("starter");
    const api = client(co.apiKey);
    await createItem(api);
    const snapshot = await takeSnapshot(api);
    const responses = await Promise.all(Array.from({ length: 4 }, () => api.post(`/v1/snapshots/${snapshot.id}/restore`)));
    expect(responses.map((r) => r.status).sort()).toEqual([200, 429, 429, 429]);
    const counts = await rowCounts(co.companyId);
    expect(counts.restores).toBe(1);
    // One pre_restore snapshot, for the one restore that ran.
    expect(counts.snapshots).toBe(2);
  });
});

describe("how long snapshots are kept", () => {
  it.each([
    ["starter", 7],
    ["professional", 30],
    ["enterprise", 365],
  ] as [PlanName, number][])("%s: expires_at is created_at + %i days, pre_restore snapshots too", async (plan, days) => {
    expect(PLANS[plan].snapshotRetentionDays).toBe(days);
    setClock(() => LATE);
    const co = await createCompany(plan);
    const api = client(co.apiKey);
    const snapshot = await takeSnapshot(api);
    expect(snapshot.created_at).toBe(new Date(LATE).toISOString());
    expect(Date.parse(snapshot.expires_at) - Date.parse(snapshot.created_at)).toBe(days * DAY_MS);

    const restore = await restoreSnapshot(api, snapshot.id);
    const pre = await api.get(`/v1/snapshots/${restore.pre_restore_snapshot_id}`);
    expect(pre.body).toMatchObject({ type: "pre_restore", expires_at: new Date(LATE + days * DAY_MS).toISOString() });
  });
});
