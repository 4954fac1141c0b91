import { env, runInDurableObject } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { provisionCompany } from "../src/db/provisioning.ts";
import { startOfUtcDay } from "../src/db/snapshots.ts";
import { DAY_MS, setClock } from "../src/lib/clock.ts";
import { newId } from "../src/lib/ids.ts";
import type { PlanName } from "../src/plans.ts";
import { runDailyJob } from "./helpers/daily-job.ts";
import { createCompany, run, type TestCompany } from "./helpers/factories.ts";
import { client } from "./helpers/http.ts";
import { createItem } from "./helpers/items.ts";
import { gunzipLines, sha256Hex, snapshotRow, takeSnapshot } from "./helpers/snapshots.ts";
import { insertEndpoint, insertEvent } from "./helpers/webhooks.ts";

// The daily job, idempotent and bounded: automatic snapshots for Enterprise companies, audit
// entries past the plan's retention, expired snapshots, idempotency records over 24 hours old, and
// events past 30 days with their webhook deliveries.
// (The trash purge has its own file, scheduled.test.ts.) Storage is shared by the tests of this
// file, so every test runs the job on a day of its own, and counts only the rows it made.

const HOUR_MS = 3_600_000;
const FIRST_DAY = Date.parse("2034-01-10T03:00:00.000Z");
let NOW = FIRST_DAY;

beforeEach(() => {
  NOW += 400 * DAY_MS;
});

afterEach(() => setClock(null));

const iso = (ms: number) => new Date(ms).toISOString();

async function count(sql: string, ...params: unknown[]): Promise<number> {
  return (await env.DB.prepare(sql).bind(...params).first<number>("n"))!;
}

/** Complete automatic snapshots made on the UTC day of `at`. */
function automaticSnapshotsOn(at: number, companyId?: string): Promise<number> {
  const start = startOfUtcDay(at);
  const end = iso(Date.parse(start) + DAY_MS);
  return count(
    `SELECT count(*) AS n FROM snapshots WHERE type = 'automatic' AND status = 'complete'
     AND created_at >= ? AND created_at < ?${companyId ? " AND company_id = ?" : ""}`,
    start,
    end,
    ...(companyId ? [companyId] : []),
  );
}

/**
 * Runs the day's job at `at` and waits until every Enterprise company has the day's automatic
 * snapshot: each is taken by an alarm of its own object, which may still be running when the
 * coordinator is done.
 */
async function runJob(at: number): Promise<void> {
  await runDailyJob(at);
  const enterprise = await count("SELECT count(*) AS n FROM companies WHERE plan = 'enterprise'");
  await vi.waitFor(async () => expect(await automaticSnapshotsOn(at)).toBe(enterprise), { timeout: 20_000, interval: 50 });
}

/** Row counts of every table the job touches, and the blobs in R2: equal when nothing changed. */
async function everything() {
  const tables = ["companies", "items", "transactions", "audit_log", "snapshots", "snapshot_restores", "idempotency_keys"];
  const counts = Object.fromEntries(
    await Promise.all(tables.map(async (table) => [table, await count(`SELECT count(*) AS n FROM ${table}`)])),
  );
  const snapshots = (await env.DB.prepare("SELECT id, status, sha256 FROM snapshots ORDER BY id").all()).results;
  let blobs: string[] = [];
  for (let cursor: string | undefined, more = true; more; ) {
    const page = await env.SNAPSHOTS.list({ cursor });
    blobs = blobs.concat(page.objects.map((o) => o.key));
    more = page.truncated;
    cursor = page.truncated ? page.cursor : undefined;
  }
  return { counts, snapshots, blobs: blobs.sort() };
}

/** Audit entries straight into D1, one per age; returns their ids by age in days. */
async function auditEntriesAged(co: TestCompany, ages: Record<string, number>): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  const insert = env.DB.prepare(
    `INSERT INTO audit_log (id, company_id, action, resource_type, resource_id, changes, created_at)
     VALUES (?, ?, 'update', 'item', 'item_x', '{}', ?)`,
  );
  await env.DB.batch(
    Object.entries(ages).map(([name, ageMs]) => {
      ids[name] = newId("evt");
      return insert.bind(ids[name], co.companyId, iso(NOW - ageMs));
    }),
  );
  return ids;
}

async function remainingAuditIds(ids: Record<string, string>): Promise<string[]> {
  const { results } = await env.DB.prepare(
    `SELECT id FROM audit_log WHERE id IN (${Object.values(ids).map(() => "?").join(",")})`,
  )
    .bind(...Object.values(ids))
    .all<{ id: string }>();
  const left = new Set(results.map((r) => r.id));
  return Object.entries(ids)
    .filter(([, id]) => left.has(id))
    .map(([name]) => name);
}

describe("automatic snapshots", () => {
  it("takes one of every Enterprise company, and none of the others", async () => {
    const enterprise = await createCompany("enterprise");
    const empty = await createCompany("enterprise");
    const others = [await createCompany("starter"), await createCompany("professional")];
    const api = client(enterprise.apiKey);
    const items = [await createItem(api, { name: "Alpha", quantity: 3 }), await createItem(api, { name: "Beta" })];
    for (const co of others) await createItem(client(co.apiKey));

    await runJob(NOW);

    const listed = await api.get("/v1/snapshots");
    const automatic = listed.body.data.filter((s: any) => s.type === "automatic" && s.created_at === iso(NOW));
    expect(automatic).toEqual([
      {
        id: expect.stringMatching(/^snap_/),
        type: "automatic",
        status: "complete",
        item_count: 2,
        size_bytes: expect.any(Number),
        sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
        note: null,
        created_by: null,
        created_at: iso(NOW),
        completed_at: iso(NOW),
        expires_at: iso(NOW + 365 * DAY_MS),
      },
    ]);
    // Its blob is there, matches its checksum and holds the company's items.
    const snapshot = automatic[0];
    const blob = await env.SNAPSHOTS.get(String((await snapshotRow(snapshot.id))!.blob_key));
    const bytes = new Uint8Array(await blob!.arrayBuffer());
    expect(await sha256Hex(bytes)).toBe(snapshot.sha256);
    const [header, ...lines] = await gunzipLines(bytes);
    expect(header).toMatchObject({ company_id: enterprise.companyId, item_count: 2 });
    expect(lines.map((l) => l.id).sort()).toEqual(items.map((i) => i.id).sort());
    // Made by the system: an audit entry without a user, key or request.
    const audit = await env.DB.prepare("SELECT * FROM audit_log WHERE resource_id = ?").bind(snapshot.id).all();
    expect(audit.results).toEqual([
      expect.objectContaining({ action: "create", resource_type: "snapshot", user_id: null, api_key_id: null, request_id: null }),
    ]);

    expect(await automaticSnapshotsOn(NOW, empty.companyId)).toBe(1);
    for (const co of others) {
      expect(await count("SELECT count(*) AS n FROM snapshots WHERE company_id = ?", co.companyId)).toBe(0);
    }
  });

  it("running twice on one day creates no second snapshot and changes nothing more", async () => {
    const enterprise = await createCompany("enterprise");
    const starter = await createCompany("starter");
    await createItem(client(enterprise.apiKey), { quantity: 5 });
    // 30 days old less an hour: kept today, past the starter plan's retention by tomorrow's run.
    const entries = await auditEntriesAged(starter, { almost30: 30 * DAY_MS - HOUR_MS, old: 40 * DAY_MS });

    await runJob(NOW);
    expect(await remainingAuditIds(entries)).toEqual(["almost30"]);
    expect(await automaticSnapshotsOn(NOW, enterprise.companyId)).toBe(1);
    const afterFirstRun = await everything();

    // Again at the same time, and again at 23:00 the same UTC day (the cron fired twice).
    await runJob(NOW);
    expect(await everything()).toEqual(afterFirstRun);
    await runJob(NOW + 20 * HOUR_MS);
    expect(await everything()).toEqual(afterFirstRun);
    expect(await remainingAuditIds(entries)).toEqual(["almost30"]);

    // The next day is a new run: a new automatic snapshot, and the entry is now past retention.
    await runJob(NOW + DAY_MS);
    expect(await automaticSnapshotsOn(NOW + DAY_MS, enterprise.companyId)).toBe(1);
    expect(await remainingAuditIds(entries)).toEqual([]);
  });
});

describe("automatic snapshots after a failed attempt", () => {
  it("a failed attempt earlier in the day does not stand in for the snapshot", async () => {
    const co = await createCompany("enterprise");
    await createItem(client(co.apiKey), { quantity: 2 });
    // What a failed attempt leaves: a failed row (createSnapshot marks it and removes the blob).
    const failedAt = iso(NOW - HOUR_MS);
    await env.DB.prepare(
      `INSERT INTO snapshots (id, company_id, type, status, blob_key, error, created_at, completed_at, expires_at)
       VALUES (?, ?, 'automatic', 'failed', 'gone', 'The snapshot could not be written.', ?, ?, ?)`,
    )
      .bind(newId("snap"), co.companyId, failedAt, failedAt, iso(NOW + 365 * DAY_MS))
      .run();

    await runJob(NOW);

    expect(await automaticSnapshotsOn(NOW, co.companyId)).toBe(1);
  });
});

describe("audit log retention", () => {
  it.each([
    ["starter", ["today", "days29", "days30"]],
    ["professional", ["today", "days29", "days30", "over30", "days365"]],
    ["enterprise", ["today", "days29", "days30", "over30", "days365", "over365", "days3000"]],
  ] as [PlanName, string[]][])("%s: deletes entries older than the plan keeps them", async (plan, kept) => {
    const co = await createCompany(plan);
    const entries = await auditEntriesAged(co, {
      today: HOUR_MS,
      days29: 29 * DAY_MS,
      days30: 30 * DAY_MS,
      over30: 30 * DAY_MS + 1,
      days365: 365 * DAY_MS,
      over365: 365 * DAY_MS + 1,
      days3000: 3000 * DAY_MS,
    });
    await runJob(NOW);
    expect(await remainingAuditIds(entries)).toEqual(kept);
  });

  it("deletes more entries than one statement's batch, leaving other companies' alone", async () => {
    const starter = await createCompany("starter");
    const professional = await createCompany("professional");
    const old = iso(NOW - 100 * DAY_MS);
    const bulk = (co: TestCompany, n: number) => ({
      sql: `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${n})
            INSERT INTO audit_log (id, company_id, action, resource_type, resource_id, changes, created_at)
            SELECT 'evt_bulk' || ? || i, ?, 'update', 'item', 'item_x', '{}', ? FROM n`,
      params: [co.companyId, co.companyId, old],
    });
    await run([bulk(starter, 1_234), bulk(professional, 20)]);

    await runJob(NOW);

    expect(await count("SELECT count(*) AS n FROM audit_log WHERE company_id = ?", starter.companyId)).toBe(0);
    expect(await count("SELECT count(*) AS n FROM audit_log WHERE company_id = ?", professional.companyId)).toBe(20);
  });
});

describe("expired snapshots", () => {
  /** A manual snapshot taken `daysAgo` days before NOW, through the API. */
  async function snapshotAgo(co: TestCompany, daysAgo: number) {
    setClock(() => NOW - daysAgo * DAY_MS);
    const snapshot = await takeSnapshot(client(co.apiKey), `${daysAgo} days ago`);
    const key = String((await snapshotRow(snapshot.id))!.blob_key);
    return { ...snapshot, key };
  }

  it("deletes the row and the blob once expires_at is reached, per plan", async () => {
    const starter = await createCompany("starter");
    const professional = await createCompany("professional");
    const gone = [
      await snapshotAgo(starter, 8),
      await snapshotAgo(starter, 7), // expires exactly now
      await snapshotAgo(professional, 31),
    ];
    const kept = [await snapshotAgo(starter, 6), await snapshotAgo(professional, 29)];

    await runJob(NOW);

    for (const snapshot of gone) {
      expect(await snapshotRow(snapshot.id), snapshot.note!).toBeNull();
      expect(await env.SNAPSHOTS.head(snapshot.key), snapshot.note!).toBeNull();
    }
    for (const snapshot of kept) {
      expect(await snapshotRow(snapshot.id)).toMatchObject({ status: "complete" });
      expect(await env.SNAPSHOTS.head(snapshot.key)).not.toBeNull();
    }
    setClock(() => NOW);
    const listed = await client(starter.apiKey).get("/v1/snapshots");
    expect(listed.body.data.map((s: any) => s.id)).toEqual([kept[0]!.id]);
  });

  it("deletes more expired snapshots than one batch", async () => {
    const co = await createCompany("professional");
    const expired = iso(NOW - DAY_MS);
    const ids = Array.from({ length: 95 }, () => newId("snap"));
    const insert = env.DB.prepare(
      `INSERT INTO snapshots (id, company_id, type, status, blob_key, created_at, expires_at)
       VALUES (?, ?, 'manual', 'complete', ?, ?, ?)`,
    );
    await env.DB.batch(ids.map((id) => insert.bind(id, co.companyId, `${co.companyId}/${id}.ndjson.gz`, expired, expired)));
    await Promise.all(ids.map((id) => env.SNAPSHOTS.put(`${co.companyId}/${id}.ndjson.gz`, "blob")));

    await runJob(NOW);

    expect(await count("SELECT count(*) AS n FROM snapshots WHERE company_id = ?", co.companyId)).toBe(0);
    expect((await env.SNAPSHOTS.list({ prefix: `${co.companyId}/` })).objects).toEqual([]);
  });
});

describe("idempotency records", () => {
  it("deletes records older than 24 hours, however many", async () => {
    const co = await createCompany("professional");
    const insert = env.DB.prepare(
      `INSERT INTO idempotency_keys (company_id, key, fingerprint, response_status, response_body, created_at)
       VALUES (?, ?, 'f', 201, '{}', ?)`,
    );
    await env.DB.batch([
      insert.bind(co.companyId, "just-over-24h", iso(NOW - DAY_MS - 1)),
      insert.bind(co.companyId, "exactly-24h", iso(NOW - DAY_MS)),
      insert.bind(co.companyId, "an-hour", iso(NOW - HOUR_MS)),
    ]);
    await run([
      {
        sql: `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1234)
              INSERT INTO idempotency_keys (company_id, key, fingerprint, created_at)
              SELECT ?, 'bulk-' || i, 'f', ? FROM n`,
        params: [co.companyId, iso(NOW - 3 * DAY_MS)],
      },
    ]);

    await runJob(NOW);

    const { results } = await env.DB.prepare("SELECT key FROM idempotency_keys WHERE company_id = ? ORDER BY key")
      .bind(co.companyId)
      .all<{ key: string }>();
    expect(results.map((r) => r.key)).toEqual(["an-hour", "exactly-24h"]);
  });
});

describe("events and webhook deliveries", () => {
  it("deletes events past 30 days with their deliveries and attempts, however many, and keeps the rest", { timeout: 60_000 }, async () => {
    const co = await createCompany("professional");
    const other = await createCompany("enterprise");
    const endpoint = await insertEndpoint(co.companyId);
    const aged = async (company: TestCompany, ageMs: number) => {
      const event = await insertEvent(company.companyId, "item.updated", { createdAt: iso(NOW - ageMs) });
      const deliveryId = newId("wd");
      await env.DB.batch([
        env.DB.prepare(
          `INSERT INTO webhook_deliveries (id, company_id, endpoint_id, event_id, status, attempts, created_at, updated_at)
           VALUES (?, ?, ?, ?, 'succeeded', 1, ?, ?)`,
        ).bind(deliveryId, company.companyId, endpoint.id, event.id, iso(NOW - ageMs + 1000), iso(NOW - ageMs + 1000)),
        env.DB.prepare(
          `INSERT INTO webhook_delivery_attempts (delivery_id, attempt, attempted_at, status_code, error, duration_ms)
           VALUES (?, 1, ?, 200, NULL, 12)`,
        ).bind(deliveryId, iso(NOW - ageMs + 1000)),
      ]);
      return { eventId: event.id, deliveryId };
    };
    const old = await aged(co, 31 * DAY_MS);
    const otherOld = await aged(other, 40 * DAY_MS);
    const almost = await aged(co, 30 * DAY_MS - 2 * HOUR_MS);
    const young = await aged(co, DAY_MS);
    // More old events than one invocation looks at (20 statements of 500), all of one moment (as
    // an import's), every third with a delivery.
    await run([
      {
        sql: `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10600)
              INSERT INTO events (id, company_id, sequence, type, object_type, object, created_at)
              SELECT 'event_bulk' || ? || i, ?, 100000 + i, 'item.updated', 'import', '{}', ? FROM n`,
        params: [co.companyId, co.companyId, iso(NOW - 45 * DAY_MS)],
      },
      {
        sql: `INSERT INTO webhook_deliveries (id, company_id, endpoint_id, event_id, status, attempts, created_at, updated_at)
              SELECT 'wd_bulk' || id, company_id, ?, id, 'failed', 12, created_at, created_at FROM events
              WHERE id LIKE 'event_bulk' || ? || '%' AND sequence % 3 = 0`,
        params: [endpoint.id, co.companyId],
      },
    ]);
    const lastSequence = await count("SELECT MAX(sequence) AS n FROM events WHERE company_id = ?", co.companyId);
    expect(await count("SELECT count(*) AS n FROM webhook_deliveries WHERE id LIKE 'wd_bulk%'")).toBe(3533);

    await runJob(NOW);

    const left = async (table: string, column: string, ids: string[]) =>
      (await env.DB.prepare(`SELECT ${column} AS id FROM ${table} WHERE ${column} IN (${ids.map(() => "?").join(",")})`).bind(...ids).all<{ id: string }>()).results
        .map((r) => r.id)
        .sort();
    const all = [old, otherOld, almost, young];
    expect(await left("events", "id", all.map((x) => x.eventId))).toEqual([almost.eventId, young.eventId].sort());
    expect(await left("webhook_deliveries", "id", all.map((x) => x.deliveryId))).toEqual([almost.deliveryId, young.deliveryId].sort());
    expect(await left("webhook_delivery_attempts", "delivery_id", all.map((x) => x.deliveryId))).toEqual(
      [almost.deliveryId, young.deliveryId].sort(),
    );
    expect(await count("SELECT count(*) AS n FROM events WHERE id LIKE 'event_bulk%'")).toBe(0);
    expect(await count("SELECT count(*) AS n FROM webhook_deliveries WHERE id LIKE 'wd_bulk%'")).toBe(0);
    // The company's numbering goes on after its newest events are gone.
    expect(await count("SELECT last_sequence AS n FROM event_counters WHERE company_id = ?", co.companyId)).toBe(lastSequence);
  });
});

describe("many companies", () => {
  it("gives every one of 120 Enterprise companies its snapshot, handing out at most 50 per invocation", { timeout: 120_000 }, async () => {
    const companies = await Promise.all(
      Array.from({ length: 120 }, () => provisionCompany({ name: "Tiny Co", plan: "enterprise", mode: "test" })),
    );
    await run(companies.flatMap((co) => co.statements));
    const small = await createCompany("starter");

    await runJob(NOW);

    for (const co of companies) expect(await automaticSnapshotsOn(NOW, co.companyId), co.companyId).toBe(1);
    expect(await count("SELECT count(*) AS n FROM snapshots WHERE company_id = ?", small.companyId)).toBe(0);

    // The day's coordinator walked the companies 50 at a time: replaying its snapshot step from the
    // start hands out 50, then 50 more, then the rest, and only then moves on (the hand-outs are
    // no-ops now: each company's object has its snapshot for the day).
    const enterprise = (
      await env.DB.prepare("SELECT id FROM companies WHERE plan = 'enterprise' ORDER BY id").all<{ id: string }>()
    ).results.map((r) => r.id);
    const coordinator = env.DAILY_JOB.getByName(`day:${startOfUtcDay(NOW)}`);
    expect(await coordinator.progress()).toMatchObject({
      step: "done",
      counts: expect.objectContaining({ automatic_snapshots_started: enterprise.length }),
    });
    const steps = await runInDurableObject(coordinator, async (job) => {
      // runStep is private: the bounded unit of work one alarm does.
      const runStep = (job as unknown as { runStep: (p: unknown) => Promise<any> }).runStep.bind(job);
      const seen = [];
      let progress = { day: startOfUtcDay(NOW), step: "snapshots", cursor: "", counts: {} };
      while (progress.step === "snapshots") {
        progress = await runStep(progress);
        seen.push(progress);
      }
      return seen;
    });
    // A last hand-out of fewer than 50 (possibly none) tells the step it has seen every company.
    const handedOut = Math.floor(enterprise.length / 50) + 1;
    expect(steps).toHaveLength(handedOut);
    expect(steps.map((s: any) => s.counts.automatic_snapshots_started)).toEqual(
      Array.from({ length: handedOut }, (_, i) => Math.min(50 * (i + 1), enterprise.length)),
    );
    expect(steps.slice(0, -1).map((s: any) => s.cursor)).toEqual(
      Array.from({ length: handedOut - 1 }, (_, i) => enterprise[50 * (i + 1) - 1]),
    );
    expect(steps.at(-1)!.step).toBe("trash");
    for (const co of companies) expect(await automaticSnapshotsOn(NOW, co.companyId)).toBe(1);
  });
});
