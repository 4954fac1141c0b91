// npm run bench -- [--items 100000] [--quick] [--json FILE] [--connections 10] [--duration 10] [--pair-rounds 5]
//                   [--others 9] [--other-items N]
//
// Benchmarks the built Worker in workerd (Miniflare's API, no `wrangler dev` proxy; local D1, R2
// and Durable Objects) against a bare Hono Worker (the baseline, in a second Miniflare instance
// of the same workerd build), on one Enterprise company seeded with N items. Each scenario runs
// after a warm-up at a fixed concurrency for a fixed time. The list, search and filter scenarios
// run first at 1,000 items, then again after the inventory has grown to N. Diagnostic probes and
// a calibration Worker (the platform calls alone: a Durable Object call, a D1 query) split a
// request's cost into its layers. Prints the results, the scaling ratios, the layers and the
// performance budget of issue 8 as Markdown tables; --json writes the same as JSON.
import { writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { newApiKey, provisionCompany } from "../src/db/provisioning.ts";
import { generateApiKey } from "../src/lib/api-key-format.ts";
import { startBaselineWorker, startCalibrationWorker } from "./bench/baseline.ts";
import { ownCpuSeconds, workerdCpuSeconds } from "./bench/cpu.ts";
import { drive, KeyPool, type Measurement, type RequestSpec, type Target } from "./bench/load.ts";
import { startWebhookReceiver } from "./bench/webhook-receiver.ts";
import { startLocalWorker, workerdPeakMemoryMiB } from "./local-runtime.ts";
import { SEED_ADJECTIVES, SEED_LOCATIONS, SEED_NOUNS, seedItemId, seedItems, seedSku } from "./seed.ts";

const { values } = parseArgs({
  options: {
    items: { type: "string" },
    quick: { type: "boolean", default: false },
    json: { type: "string" },
    connections: { type: "string", default: "10" },
    duration: { type: "string" },
    others: { type: "string", default: "9" },
    "other-items": { type: "string" },
    "pair-rounds": { type: "string" },
  },
});
const quick = values.quick;
const itemCount = Number(values.items ?? (quick ? 2_000 : 100_000));
const connections = Number(values.connections);
const seconds = Number(values.duration ?? (quick ? 2 : 10));
const warmupSeconds = quick ? 0.5 : 2;
/** Other companies seeded before the last name search, and their items each (the search's scope check). */
const otherCompanies = Number(values.others);
const otherItems = Number(values["other-items"] ?? (quick ? 2_000 : 20_000));
/** The small inventory of the scaling comparison. */
const SMALL = 1_000;
/** Requests per key and clock minute; the Enterprise limit is 1,000. */
const PER_KEY_PER_MINUTE = 800;
const DEEP_OFFSET = 50_000;
/** Transactions whose answer-to-delivery time is measured with a webhook endpoint subscribed. */
const LATENCY_SAMPLES = 200;
let webhookLatency: { samples: number; delivered: number; p50: number; p99: number; max: number } | null = null;
/**
 * Rounds in which each of the two throughput ratios is measured again, its floors and the API back
 * to back (a change in the machine's load then hits both sides of a ratio alike); the budget
 * takes the median of the rounds. The rows of the main run are measured minutes apart.
 */
const pairRounds = Number(values["pair-rounds"] ?? (quick ? 1 : 5));
const pairedRatios: { read: number[]; write: number[] } = { read: [], write: [] };
/** The same rounds' ratios to the floors of the API's own statements: the application's share. */
const ownRatios: { read: number[]; write: number[] } = { read: [], write: [] };
const PAGE = 50;
if (
  !Number.isInteger(itemCount) || itemCount < 1 || !(connections >= 1) || !(seconds > 0) ||
  !Number.isInteger(otherCompanies) || otherCompanies < 0 || !Number.isInteger(otherItems) || otherItems < 1
) {
  console.error("--items and --other-items must be positive integers, --others ≥ 0, --connections ≥ 1 and --duration > 0.");
  process.exit(1);
}
const scaling = itemCount > SMALL;

// ---------------------------------------------------------------------------------------------
// Scenarios

type Group = "baseline" | "calibration" | "meta" | "probe" | "read" | "list" | "write";
type Auth = "none" | "pool" | "unknown" | "limited";

interface Scenario {
  name: string;
  group: Group;
  auth: Auth;
  /** The status that counts as success, when it is not a 2xx (the probes). */
  expect?: (status: number) => boolean;
  expectText?: string;
  /** The next request, for an inventory of `items` items. */
  next: (items: number) => RequestSpec;
  /** For list scenarios: what the table shows as the request's detail. */
  detail?: (items: number) => string;
}

const randomInt = (min: number, max: number) => min + Math.floor(Math.random() * (max - min + 1));
const pick = <T>(list: readonly T[]) => list[Math.floor(Math.random() * list.length)]!;
const deepOffset = (items: number) => Math.max(0, Math.min(DEEP_OFFSET, items - PAGE));
const runTag = Date.now().toString(36);
let created = 0;

// A well-formed key (valid checksum, so it is hashed and looked up) that no company has: the
// failed-authentication probe.
const UNKNOWN_KEY = generateApiKey("test");

const get = (path: string): RequestSpec => ({ method: "GET", path });

const baseline: Scenario = { name: "baseline (bare Hono, same workerd)", group: "baseline", auth: "none", next: () => get("/") };
const health: Scenario = { name: "GET /health", group: "meta", auth: "none", next: () => get("/health") };
const probes: Scenario[] = [
  {
    name: "probe: unknown key → 401/429",
    group: "probe",
    auth: "unknown",
    expect: (s) => s === 401 || s === 429,
    expectText: "401/429",
    next: () => get("/v1/items"),
  },
  {
    name: "probe: key over its limit → 429",
    group: "probe",
    auth: "limited",
    expect: (s) => s === 429 || s === 400,
    expectText: "429 (400 for the 60 a minute let through)",
    next: () => get("/v1/items?bench=1"),
  },
  {
    name: "probe: GET /v1/items?bench=1 → 400",
    group: "probe",
    auth: "pool",
    expect: (s) => s === 400,
    expectText: "400",
    next: () => get("/v1/items?bench=1"),
  },
  {
    name: "probe: GET /v1/bench-unknown → 404",
    group: "probe",
    auth: "pool",
    expect: (s) => s === 404,
    expectText: "404",
    next: () => get("/v1/bench-unknown"),
  },
];
const calibrations: Scenario[] = [
  ["/do", "calibration: + 1 DO call (in memory)"],
  ["/do-write", "calibration: + 1 DO call with a KV write"],
  ["/d1", "calibration: + 1 D1 query (SELECT 1)"],
  ["/do-d1", "calibration: + DO call with write + D1 query"],
  ["/do-d1-write", "calibration: + DO call with write + D1 batch of 3 INSERTs"],
  ["/do-alarm-d1", "calibration: + DO call without write (alarm ≤ 1/s) + D1 query"],
  ["/do-alarm-d1-write", "calibration: + DO call without write (alarm ≤ 1/s) + D1 batch of 3 INSERTs"],
  // The same DO call with the API's own statements instead of the stand-ins: GET item's query; a
  // movement's batch of 4 and the bookmark hand-over (a second DO call), as POST /v1/transactions.
  ["/own-read", "calibration: + DO call without write + GET item's own query"],
  ["/own-write", "calibration: + DO call without write + a movement's own batch of 4 + the bookmark DO call"],
].map(([path, name]) => ({ name: name!, group: "calibration" as const, auth: "none" as const, next: () => get(path!) }));
const getItem: Scenario = {
  name: "GET /v1/items/:id",
  group: "read",
  auth: "pool",
  next: (items) => get(`/v1/items/${seedItemId(randomInt(1, items))}`),
};
const wordPrefix = (word: string) => word.slice(0, 4).toLowerCase();
const lists: Scenario[] = [
  { name: "GET /v1/items?limit=50", group: "list", auth: "pool", next: () => get("/v1/items?limit=50") },
  {
    name: "search: name prefix",
    group: "list",
    auth: "pool",
    next: () => get(`/v1/items?search=${encodeURIComponent(`${wordPrefix(pick(SEED_ADJECTIVES))} ${wordPrefix(pick(SEED_NOUNS))}`)}`),
    detail: () => "two word prefixes, e.g. `stee bolt`",
  },
  {
    name: "search: SKU prefix",
    group: "list",
    auth: "pool",
    next: (items) => get(`/v1/items?search=${encodeURIComponent(seedSku(randomInt(1, items)).slice(0, -1))}`),
    detail: () => "an SKU without its last digit, e.g. `SKU-004711`",
  },
  { name: "filter: low_stock=true", group: "list", auth: "pool", next: () => get("/v1/items?low_stock=true") },
  {
    name: "filter: location",
    group: "list",
    auth: "pool",
    next: () => get(`/v1/items?location=${encodeURIComponent(`aisle ${randomInt(0, SEED_LOCATIONS - 1)}`)}`),
    detail: () => "`location=aisle <0–49>`",
  },
  {
    name: "list: deep offset",
    group: "list",
    auth: "pool",
    next: (items) => get(`/v1/items?limit=50&offset=${deepOffset(items)}`),
    detail: (items) => `\`offset=${deepOffset(items)}\``,
  },
  {
    // Newest first: item i of the seed was created at createdFrom + i, so the list's n-th item is
    // item items − n + 1, and the page after it starts where the deep offset's does.
    name: "list: cursor page at depth",
    group: "list",
    auth: "pool",
    next: (items) => get(`/v1/items?limit=50&starting_after=${seedItemId(items - deepOffset(items) + 1)}`),
    detail: (items) => `\`starting_after=<id of item ${deepOffset(items)}>\``,
  },
];
const nameSearch = lists[1]!;
const firstPage = lists[0]!;
const cursorPage = lists[6]!;
const nameSearchCrowded: Scenario = {
  ...nameSearch,
  name: "search: name prefix, other companies seeded",
  detail: () => `${otherCompanies} other companies × ${otherItems.toLocaleString("en-US")} items, the same names`,
};
const writes: Scenario[] = [
  {
    name: "POST /v1/transactions",
    group: "write",
    auth: "pool",
    next: (items) => ({
      method: "POST",
      path: "/v1/transactions",
      body: { item_id: seedItemId(randomInt(1, items)), type: "receive", quantity: 1 },
    }),
  },
  {
    name: "POST /v1/items",
    group: "write",
    auth: "pool",
    next: () => {
      const n = ++created;
      return {
        method: "POST",
        path: "/v1/items",
        body: { name: `Bench item ${n}`, sku: `BENCH-${runTag}-${n}`, quantity: 10, location: "Bench", reorder_point: 5 },
      };
    },
  },
];
/** The same transactions while one webhook endpoint is subscribed to `transaction.created`. */
const postWithWebhook: Scenario = { ...writes[0]!, name: "POST /v1/transactions, one webhook endpoint subscribed" };
const auditLog: Scenario = { name: "GET /v1/audit_log", group: "read", auth: "pool", next: () => get("/v1/audit_log") };

// ---------------------------------------------------------------------------------------------
// Running

interface Row extends Measurement {
  name: string;
  group: Group;
  phase: "small" | "full";
  items: number;
  expect: string;
  detail: string | null;
  /** For list scenarios: the mean `pagination.total` of 20 sample requests. */
  matches: number | null;
  ratio: number | null;
  /** CPU time of the workerd processes, and of this process (the load generator), per request. */
  cpuUs: number;
  loadgenCpuUs: number;
}

const started = performance.now();
const timings: Record<string, number> = {};
async function timed<T>(label: string, work: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const result = await work();
  timings[label] = Math.round(performance.now() - start) / 1000;
  console.log(`${label.padEnd(46)} ${timings[label]!.toFixed(2).padStart(7)} s`);
  return result;
}

console.log(
  `bench: ${itemCount} items, ${connections} connections, ${seconds} s per scenario after a ${warmupSeconds} s warm-up` +
    ` — ${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}`,
);
const loadBefore = loadavg();
const runtime = await timed("build the Worker and start it (Miniflare)", () => startLocalWorker());
const stops: (() => Promise<void>)[] = [runtime.stop];
const rows: Row[] = [];

try {
  const base = await timed("start the baseline Worker (Miniflare)", () => startBaselineWorker());
  stops.push(base.stop);
  const calibration = await timed("start the calibration Worker (Miniflare)", () => startCalibrationWorker());
  stops.push(calibration.stop);
  const { db } = runtime;
  const company = await provisionCompany({ name: "Benchmark", plan: "enterprise", mode: "test" });
  await db.batch(company.statements.map((s) => db.prepare(s.sql).bind(...s.params)));
  const pool = new KeyPool(PER_KEY_PER_MINUTE);
  pool.add([company.apiKey]);
  // A Starter company (60 requests a minute) whose key the over-the-limit probe uses.
  const starter = await provisionCompany({ name: "Benchmark starter", plan: "starter", mode: "test" });
  await db.batch(starter.statements.map((s) => db.prepare(s.sql).bind(...s.params)));

  /** Adds keys (straight into D1, like `npm run provision`) until the pool can serve `rps`. */
  async function ensureKeys(rps: number) {
    const wanted = Math.ceil((rps * 1.5 * 60) / PER_KEY_PER_MINUTE) + 2;
    const missing = wanted - pool.size;
    if (missing <= 0) return;
    const keys = await Promise.all(
      Array.from({ length: missing }, (_, i) =>
        newApiKey({ companyId: company.companyId, userId: company.userId, role: "admin", mode: "test", name: `bench ${pool.size + i}` }),
      ),
    );
    for (let i = 0; i < keys.length; i += 100) {
      await db.batch(keys.slice(i, i + 100).map((k) => db.prepare(k.statement.sql).bind(...k.statement.params)));
    }
    pool.add(keys.map((k) => k.apiKey));
  }

  function targetOf(scenario: Scenario): Target {
    const url = scenario.group === "baseline" ? base.url : scenario.group === "calibration" ? calibration.url : runtime.url;
    if (scenario.auth === "pool") return { url, key: pool.take };
    if (scenario.auth === "unknown") return { url, key: () => UNKNOWN_KEY };
    if (scenario.auth === "limited") return { url, key: () => starter.apiKey };
    return { url };
  }

  async function send(scenario: Scenario, items: number) {
    const target = targetOf(scenario);
    const spec = scenario.next(items);
    const response = await fetch(`${target.url}${spec.path}`, {
      method: spec.method,
      headers: {
        ...(target.key ? { Authorization: `Bearer ${target.key()}` } : {}),
        ...(spec.body !== undefined ? { "Content-Type": "application/json" } : {}),
      },
      body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
    });
    return { status: response.status, text: await response.text() };
  }

  async function run(scenario: Scenario, phase: Row["phase"], items: number): Promise<Row> {
    const expect = scenario.expect ?? ((status: number) => status >= 200 && status < 300);
    // One request first, so that a broken scenario says why rather than only counting errors.
    const first = await send(scenario, items);
    if (!expect(first.status)) {
      console.log(`  ! ${scenario.name}: first request answered ${first.status}: ${first.text.slice(0, 300)}`);
    }
    let matches: number | null = null;
    if (scenario.group === "list") {
      let sum = 0;
      for (let i = 0; i < 20; i++) sum += (JSON.parse((await send(scenario, items)).text) as { pagination: { total: number } }).pagination.total;
      matches = sum / 20;
    }
    const target = targetOf(scenario);
    const next = () => scenario.next(items);
    await drive(target, next, { connections, seconds: warmupSeconds, expectStatus: expect });
    const cpuBefore = workerdCpuSeconds();
    const ownBefore = ownCpuSeconds();
    const measured = await drive(target, next, { connections, seconds, expectStatus: expect });
    const cpuUs = ((workerdCpuSeconds() - cpuBefore) * 1e6) / measured.requests;
    const loadgenCpuUs = ((ownCpuSeconds() - ownBefore) * 1e6) / measured.requests;
    const row: Row = {
      name: scenario.name,
      group: scenario.group,
      phase,
      items,
      expect: scenario.expectText ?? "2xx",
      detail: scenario.detail?.(items) ?? null,
      matches,
      ratio: null,
      cpuUs,
      loadgenCpuUs,
      ...measured,
    };
    console.log(
      `  ${`${scenario.name}${phase === "small" ? ` @${items}` : ""}`.padEnd(44)} ${fmt(row.rps, 0).padStart(6)} req/s` +
        `  p50 ${fmt(row.p50, 2).padStart(6)} ms  p99 ${fmt(row.p99, 2).padStart(7)} ms  ${fmt(row.cpuUs, 0).padStart(5)} µs CPU  errors ${row.errors}` +
        (row.errors > 0 ? ` ${JSON.stringify(row.statuses)}${Object.keys(row.errorKinds).length ? ` connection errors: ${JSON.stringify(row.errorKinds)}` : ""}` : "") +
        (matches !== null ? `  (total ≈ ${fmt(matches, 1)})` : ""),
    );
    rows.push(row);
    return row;
  }

  /**
   * Issue 14's cost of events: the transactions scenario again while an endpoint (a local
   * receiver) is subscribed to `transaction.created`, so that every change is also dispatched,
   * queued, signed and delivered; then the time from a transaction's answer to its delivery, over
   * LATENCY_SAMPLES transactions sent 10 at a time. The endpoint is deleted afterwards.
   */
  async function measureWebhooks() {
    const receiver = await startWebhookReceiver();
    const admin = pool.take();
    const register = await fetch(`${runtime.url}/v1/webhook_endpoints`, {
      method: "POST",
      headers: { Authorization: `Bearer ${admin}`, "Content-Type": "application/json" },
      body: JSON.stringify({ url: receiver.url, events: ["transaction.created"], description: "bench" }),
    });
    const endpoint = (await register.json()) as { id: string };
    if (register.status !== 201) throw new Error(`could not register the bench endpoint: ${register.status} ${JSON.stringify(endpoint)}`);
    try {
      const row = await run(postWithWebhook, "full", itemCount);
      // The scenario's own deliveries go first (until none has arrived for 2 s), so that the
      // probe measures the path of a delivery, not a queue the scenario left thousands deep.
      const drainStart = performance.now();
      for (let seen = -1; receiver.deliveries !== seen && performance.now() - drainStart < 120_000; ) {
        seen = receiver.deliveries;
        await new Promise((resolve) => setTimeout(resolve, 2_000));
      }
      const drainedS = (performance.now() - drainStart) / 1000 - 2;
      const latencies: number[] = [];
      const answered = new Map<string, number>();
      for (let sent = 0; sent < LATENCY_SAMPLES; sent += 10) {
        await Promise.all(
          Array.from({ length: 10 }, async () => {
            const spec = postWithWebhook.next(itemCount);
            const response = await fetch(`${runtime.url}${spec.path}`, {
              method: "POST",
              headers: { Authorization: `Bearer ${pool.take()}`, "Content-Type": "application/json" },
              body: JSON.stringify(spec.body),
            });
            const at = performance.now();
            const { id } = (await response.json()) as { id: string };
            answered.set(id, at);
          }),
        );
      }
      const deadline = performance.now() + 60_000;
      while ([...answered.keys()].some((id) => !receiver.arrivals.has(id)) && performance.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      for (const [id, at] of answered) {
        const arrived = receiver.arrivals.get(id);
        if (arrived !== undefined) latencies.push(arrived - at);
      }
      latencies.sort((a, b) => a - b);
      const pick = (p: number) => latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)] ?? NaN;
      webhookLatency = { samples: answered.size, delivered: latencies.length, p50: pick(50), p99: pick(99), max: latencies.at(-1) ?? NaN };
      console.log(
        `  answer → delivery at a local receiver: p50 ${fmt(webhookLatency.p50, 0)} ms, p99 ${fmt(webhookLatency.p99, 0)} ms ` +
          `(${latencies.length} of ${answered.size} delivered, after the scenario's deliveries had drained in ${fmt(drainedS, 1)} s; ` +
          `${receiver.deliveries} deliveries received during the scenario and the probe, ${fmt(row.rps, 0)} req/s)`,
      );
    } finally {
      await fetch(`${runtime.url}/v1/webhook_endpoints/${endpoint.id}`, { method: "DELETE", headers: { Authorization: `Bearer ${admin}` } });
      await receiver.stop();
    }
  }

  const createdFrom = Math.floor(Date.now() / 1000) - itemCount - 1;
  const small = Math.min(SMALL, itemCount);
  await timed(`seed ${small} items`, () =>
    seedItems(db, { companyId: company.companyId, userId: company.userId, count: small, createdFrom }),
  );

  console.log("baseline, to size the key pool:");
  const firstBaseline = await run(baseline, "full", itemCount);
  await ensureKeys(firstBaseline.rps);
  console.log(`  ${pool.size} API keys of ${PER_KEY_PER_MINUTE} requests a minute each`);

  if (scaling) {
    console.log(`list, search and filters at ${small} items:`);
    for (const scenario of lists) await run(scenario, "small", small);
    await timed(`grow to ${itemCount} items`, () =>
      seedItems(db, { companyId: company.companyId, userId: company.userId, count: itemCount - small, first: small + 1, createdFrom }),
    );
  }

  console.log(`at ${itemCount} items:`);
  await run(health, "full", itemCount);
  for (const scenario of probes) await run(scenario, "full", itemCount);
  for (const scenario of calibrations) await run(scenario, "full", itemCount);
  await run(getItem, "full", itemCount);
  for (const scenario of lists) await run(scenario, "full", itemCount);
  for (const scenario of writes) await run(scenario, "full", itemCount);
  await measureWebhooks();
  await run(auditLog, "full", itemCount);
  if (otherCompanies > 0) {
    await timed(`seed ${otherCompanies} other companies × ${otherItems} items`, async () => {
      let first = itemCount + 1;
      for (let c = 0; c < otherCompanies; c++) {
        const other = await provisionCompany({ name: `Benchmark other ${c + 1}`, plan: "enterprise", mode: "test" });
        await db.batch(other.statements.map((s) => db.prepare(s.sql).bind(...s.params)));
        for (let done = 0; done < otherItems; done += 10_000) {
          const count = Math.min(10_000, otherItems - done);
          await seedItems(db, { companyId: other.companyId, userId: other.userId, count, first });
          first += count;
        }
      }
    });
    await run(nameSearchCrowded, "full", itemCount);
  }
  await run({ ...baseline, name: "baseline, again at the end" }, "full", itemCount);
  if (pairRounds > 0) {
    console.log(`the two throughput ratios in ${pairRounds} paired rounds (the floor, the own-statements floor, then the API, back to back):`);
    const pairs: [keyof typeof pairedRatios, Scenario, Scenario, Scenario][] = [
      ["read", calibrations[5]!, calibrations[7]!, getItem],
      ["write", calibrations[6]!, calibrations[8]!, writes[0]!],
    ];
    for (let round = 1; round <= pairRounds; round++) {
      for (const [kind, floor, ownFloor, api] of pairs) {
        const measured: number[] = [];
        for (const scenario of [floor, ownFloor, api]) {
          const target = targetOf(scenario);
          const next = () => scenario.next(itemCount);
          await drive(target, next, { connections, seconds: warmupSeconds });
          measured.push((await drive(target, next, { connections, seconds })).rps);
        }
        const [floorRps, ownRps, apiRps] = measured as [number, number, number];
        pairedRatios[kind].push(apiRps / floorRps);
        ownRatios[kind].push(apiRps / ownRps);
        console.log(
          `  round ${round}  ${api.name.padEnd(24)} ${fmt(apiRps, 0).padStart(6)} req/s ÷ floor ${fmt(floorRps, 0).padStart(6)} req/s = ${fmt(apiRps / floorRps, 2)}` +
            `; ÷ own-statements floor ${fmt(ownRps, 0).padStart(6)} req/s = ${fmt(apiRps / ownRps, 2)}`,
        );
      }
    }
  }

  if (pool.exhausted > 0) {
    console.log(`  ! the key pool ran out ${pool.exhausted} times: some requests may have been rate-limited`);
  }
  report(pool.exhausted);
} finally {
  for (const stop of stops.reverse()) await stop();
}

// ---------------------------------------------------------------------------------------------
// Reporting

function fmt(value: number | null | undefined, digits: number): string {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  return value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function table(header: string[], body: string[][], align: ("l" | "r")[]): string {
  const lines = [
    `| ${header.join(" | ")} |`,
    `|${align.map((a) => (a === "r" ? "---:" : "---")).join("|")}|`,
    ...body.map((cells) => `| ${cells.join(" | ")} |`),
  ];
  return lines.join("\n");
}

function report(keyPoolExhausted: number) {
  const full = rows.filter((r) => r.phase === "full");
  const baselines = full.filter((r) => r.group === "baseline");
  const baselineRps = baselines.reduce((sum, r) => sum + r.rps, 0) / baselines.length;
  for (const row of rows) row.ratio = row.rps / baselineRps;
  const find = (name: string, phase: Row["phase"] = "full") => rows.find((r) => r.name === name && r.phase === phase);

  console.log(`\n### Results (${itemCount.toLocaleString("en-US")} items, ${connections} connections, ${seconds} s each)\n`);
  console.log(
    table(
      ["scenario", "req/s", "p50 ms", "p99 ms", "errors", "vs baseline", "workerd CPU µs/req"],
      full.map((r) => [
        r.group === "probe" ? `${r.name} (diagnostic)` : r.name,
        fmt(r.rps, 0),
        fmt(r.p50, 2),
        fmt(r.p99, 2),
        String(r.errors),
        `${fmt(r.ratio! * 100, 0)}%`,
        fmt(r.cpuUs, 0),
      ]),
      ["l", "r", "r", "r", "r", "r", "r"],
    ),
  );
  console.log(`\nBaseline reference: the mean of the two baseline runs, ${fmt(baselineRps, 0)} req/s.`);

  const scalingRows = lists.map((scenario) => {
    const small = find(scenario.name, "small");
    const big = find(scenario.name)!;
    return { name: scenario.name, small, big, ratio: small ? big.p50 / small.p50 : null };
  });
  if (scaling) {
    console.log(`\n### Scaling: ${SMALL.toLocaleString("en-US")} → ${itemCount.toLocaleString("en-US")} items\n`);
    console.log(
      table(
        ["scenario", "request", `matches @${SMALL}`, `matches @${itemCount}`, `p50 ms @${SMALL}`, `p50 ms @${itemCount}`, "p50 ratio", `req/s @${SMALL}`, `req/s @${itemCount}`, `CPU µs/req @${SMALL}`, `CPU µs/req @${itemCount}`],
        scalingRows.map(({ name, small, big, ratio }) => [
          name,
          lists.find((s) => s.name === name)!.detail?.(itemCount) ?? "",
          fmt(small?.matches, 0),
          fmt(big.matches, 0),
          fmt(small?.p50, 2),
          fmt(big.p50, 2),
          `${fmt(ratio, 2)}×`,
          fmt(small?.rps, 0),
          fmt(big.rps, 0),
          fmt(small?.cpuUs, 0),
          fmt(big.cpuUs, 0),
        ]),
        ["l", "l", "r", "r", "r", "r", "r", "r", "r", "r", "r"],
      ),
    );
  }

  // Where the time goes: each step adds one layer to the one before it.
  const layers = [
    ["baseline: bare Hono", find(baseline.name)!],
    ["GET /health: + the app (request id, body check, router)", find(health.name)!],
    ["unknown key: + authentication (SHA-256, cached look-up), no DO, no D1", find(probes[0]!.name)!],
    ["key over its limit: + the rate-limit DO call, without its storage write", find(probes[1]!.name)!],
    ["400 probe: + the DO's storage write, query validation", find(probes[2]!.name)!],
    ["GET /v1/items/:id: + one D1 query, the item's JSON", find(getItem.name)!],
  ] as const;
  const signed = (n: number) => `${n >= 0 ? "+" : ""}${fmt(n, 0)}`;
  console.log("\n### Where a request's time goes\n");
  console.log(
    table(
      ["step", "workerd CPU µs/req", "added", "1/throughput µs", "added", "p50 ms"],
      layers.map(([label, row], i) => {
        const previous = i === 0 ? null : layers[i - 1]![1];
        return [
          label,
          fmt(row.cpuUs, 0),
          previous ? signed(row.cpuUs - previous.cpuUs) : "",
          fmt(1e6 / row.rps, 0),
          previous ? signed(1e6 / row.rps - 1e6 / previous.rps) : "",
          fmt(row.p50, 2),
        ];
      }),
      ["l", "r", "r", "r", "r", "r"],
    ),
  );

  // The platform's own cost: the same calls with no application code around them.
  const bare = find(baseline.name)!;
  const floor = find(calibrations[3]!.name)!;
  const writeFloor = find(calibrations[4]!.name)!;
  const readFloor = find(calibrations[5]!.name)!;
  const changeFloor = find(calibrations[6]!.name)!;
  const readOwn = find(calibrations[7]!.name)!;
  const writeOwn = find(calibrations[8]!.name)!;
  const item0 = find(getItem.name)!;
  const post0 = find(writes[0]!.name)!;
  console.log("\n### The platform's floor (calibration Worker: Hono + the binding calls only)\n");
  console.log(
    table(
      ["request", "req/s", "p50 ms", "workerd CPU µs/req", "added to the bare Worker", "vs baseline"],
      [bare, ...calibrations.map((c) => find(c.name)!), item0, post0].map((row) => [
        row.name,
        fmt(row.rps, 0),
        fmt(row.p50, 2),
        fmt(row.cpuUs, 0),
        row === bare ? "" : signed(row.cpuUs - bare.cpuUs),
        `${fmt((row.rps / baselineRps) * 100, 0)}%`,
      ]),
      ["l", "r", "r", "r", "r", "r"],
    ),
  );
  console.log(
    `\nGET /v1/items/:id costs ${fmt(item0.cpuUs, 0)} µs of workerd CPU; its platform calls alone (DO call with write + D1 query) cost ${fmt(floor.cpuUs, 0)} µs, ` +
      `so the application adds ${fmt(item0.cpuUs - floor.cpuUs, 0)} µs. The floor alone reaches ${fmt((floor.rps / baselineRps) * 100, 0)}% of the baseline's requests/s.\n` +
      `POST /v1/transactions costs ${fmt(post0.cpuUs, 0)} µs; DO call with write + a D1 batch of 3 INSERTs cost ${fmt(writeFloor.cpuUs, 0)} µs ` +
      `(the application adds ${fmt(post0.cpuUs - writeFloor.cpuUs, 0)} µs); that floor reaches ${fmt((writeFloor.rps / baselineRps) * 100, 0)}% of the baseline.\n` +
      `With the limiter's DO call answering before any write (the alarm writes at most once a second), the floors are ` +
      `${fmt(readFloor.rps, 0)} req/s (${fmt(readFloor.cpuUs, 0)} µs) for a read and ${fmt(changeFloor.rps, 0)} req/s (${fmt(changeFloor.cpuUs, 0)} µs) for a change.\n` +
      `With the API's own statements in place of the stand-ins, the same floors are ${fmt(readOwn.rps, 0)} req/s (${fmt(readOwn.cpuUs, 0)} µs) for GET item's query ` +
      `and ${fmt(writeOwn.rps, 0)} req/s (${fmt(writeOwn.cpuUs, 0)} µs) for a movement's batch of 4 and the bookmark call; ` +
      `over them GET /v1/items/:id adds ${fmt(item0.cpuUs - readOwn.cpuUs, 0)} µs and POST /v1/transactions ${fmt(post0.cpuUs - writeOwn.cpuUs, 0)} µs.`,
  );

  const item = find(getItem.name)!;
  const post = find(writes[0]!.name)!;
  // pass null: a figure reported with no goal.
  const budget: { check: string; measured: string; pass: boolean | null }[] = [];
  budget.push({
    check: "GET /v1/items/:id ≥ 40% of baseline req/s",
    measured: `${fmt(item.ratio! * 100, 1)}% (${fmt(item.rps, 0)} of ${fmt(baselineRps, 0)})`,
    pass: item.ratio! >= 0.4,
  });
  for (const { name, small, big, ratio } of scalingRows.filter((r) => r.name.startsWith("search") || r.name.startsWith("filter"))) {
    budget.push({
      check: `${name}: p50 ≤ 2× GET item p50`,
      measured: `${fmt(big.p50, 2)} ms vs 2 × ${fmt(item.p50, 2)} = ${fmt(2 * item.p50, 2)} ms`,
      pass: big.p50 <= 2 * item.p50,
    });
    if (small) {
      budget.push({
        check: `${name}: p50 ${itemCount}/${SMALL} ≤ 1.5`,
        measured: `${fmt(ratio, 2)} (${fmt(big.p50, 2)} / ${fmt(small.p50, 2)} ms)`,
        pass: ratio! <= 1.5,
      });
    }
  }
  budget.push({
    check: "POST /v1/transactions ≥ 25% of baseline req/s, 0 errors",
    measured: `${fmt(post.ratio! * 100, 1)}%, ${post.errors} errors`,
    pass: post.ratio! >= 0.25 && post.errors === 0,
  });
  const ratioCheck = (check: string, value: number, measured: string, pass: (v: number) => boolean | null) =>
    budget.push({ check, measured: `${fmt(value, 2)} (${measured})`, pass: pass(value) });
  // The median of the paired rounds when there are any; the main run's single pair otherwise.
  const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;
  const throughputRatio = (paired: number[], api: Row, floorRow: Row) =>
    paired.length > 0
      ? ([
          median(paired),
          `median of ${paired.length} paired rounds: ${paired.map((r) => fmt(r, 2)).join(", ")}; ` +
            `main run ${fmt(api.rps, 0)} / ${fmt(floorRow.rps, 0)} req/s`,
        ] as const)
      : ([api.rps / floorRow.rps, `${fmt(api.rps, 0)} / ${fmt(floorRow.rps, 0)} req/s`] as const);
  ratioCheck(
    "GET /v1/items/:id req/s ÷ floor (DO call without write + 1 D1 query) ≥ 0.85",
    ...throughputRatio(pairedRatios.read, item, readFloor),
    (v) => v >= 0.85,
  );
  ratioCheck(
    "POST /v1/transactions req/s ÷ floor (DO call without write + D1 batch of 3) ≥ 0.85",
    ...throughputRatio(pairedRatios.write, post, changeFloor),
    (v) => v >= 0.85,
  );
  ratioCheck(
    "GET /v1/items/:id req/s ÷ the floor of its own statements (no goal: the application's share)",
    ...throughputRatio(ownRatios.read, item, readOwn),
    () => null,
  );
  ratioCheck(
    "POST /v1/transactions req/s ÷ the floor of its own statements and bookmark call (no goal: the application's share)",
    ...throughputRatio(ownRatios.write, post, writeOwn),
    () => null,
  );
  const cursor = find(cursorPage.name)!;
  const first = find(firstPage.name)!;
  ratioCheck(
    `cursor page at depth ${fmt(deepOffset(itemCount), 0)} p50 ÷ first page p50 ≤ 1.2`,
    cursor.p50 / first.p50,
    `${fmt(cursor.p50, 2)} / ${fmt(first.p50, 2)} ms`,
    (v) => v <= 1.2,
  );
  const crowded = find(nameSearchCrowded.name);
  const alone = find(nameSearch.name)!;
  if (crowded) {
    ratioCheck(
      `name search p50 with ${otherCompanies} other companies × ${fmt(otherItems, 0)} items ÷ alone ≤ 1.2`,
      crowded.p50 / alone.p50,
      `${fmt(crowded.p50, 2)} / ${fmt(alone.p50, 2)} ms`,
      (v) => v <= 1.2,
    );
    ratioCheck(
      `${crowded.name}: p50 ÷ GET item p50 ≤ 2.0`,
      crowded.p50 / item.p50,
      `${fmt(crowded.p50, 2)} / ${fmt(item.p50, 2)} ms`,
      (v) => v <= 2,
    );
  }
  const withWebhook = find(postWithWebhook.name);
  if (withWebhook) {
    ratioCheck(
      "POST /v1/transactions with one webhook endpoint subscribed: CPU µs/req ÷ without ≤ 1.15",
      withWebhook.cpuUs / post.cpuUs,
      `${fmt(withWebhook.cpuUs, 0)} / ${fmt(post.cpuUs, 0)} µs`,
      (v) => v <= 1.15,
    );
  }
  if (webhookLatency) {
    budget.push({
      check: "a transaction's answer → its delivery at a local receiver (no goal: reported)",
      measured: `p50 ${fmt(webhookLatency.p50, 0)} ms, p99 ${fmt(webhookLatency.p99, 0)} ms, max ${fmt(webhookLatency.max, 0)} ms (${webhookLatency.delivered} of ${webhookLatency.samples} delivered)`,
      pass: webhookLatency.delivered === webhookLatency.samples,
    });
  }
  const withErrors = rows.filter((r) => r.errors > 0);
  budget.push({
    check: "no scenario with errors",
    measured:
      withErrors.length === 0
        ? `none${keyPoolExhausted ? `, but the key pool ran out ${keyPoolExhausted}×` : ""}`
        : withErrors
            .map((r) => {
              const kinds = Object.entries(r.errorKinds).map(([kind, n]) => `${n}× ${kind}`);
              return `${r.name}${r.phase === "small" ? ` @${r.items}` : ""}: ${r.errors}${kinds.length ? ` (${kinds.join(", ")})` : ""}`;
            })
            .join("; "),
    pass: withErrors.length === 0,
  });
  console.log("\n### Budget (issues 8, 13 and 14)\n");
  console.log(table(["check", "measured", "result"], budget.map((b) => [b.check, b.measured, b.pass === null ? "reported" : b.pass ? "PASS" : "**FAIL**"]), ["l", "l", "l"]));

  const peak = workerdPeakMemoryMiB();
  timings.total = Math.round(performance.now() - started) / 1000;
  console.log(`\nworkerd peak resident memory ${peak} MiB; load average before ${loadBefore.map((l) => l.toFixed(2)).join(" ")}, after ${loadavg().map((l) => l.toFixed(2)).join(" ")}; total ${fmt(timings.total, 0)} s`);

  if (values.json) {
    const round = (n: number | null) => (n === null || Number.isNaN(n) ? null : Math.round(n * 1000) / 1000);
    writeFileSync(
      values.json,
      JSON.stringify(
        {
          config: { items: itemCount, small: SMALL, quick, connections, seconds, warmup_seconds: warmupSeconds, per_key_per_minute: PER_KEY_PER_MINUTE },
          environment: { cpus: cpus().length, cpu_model: cpus()[0]?.model ?? null, node: process.version, load_before: loadBefore, load_after: loadavg(), workerd_peak_mib: peak, date: new Date().toISOString() },
          baseline_rps: round(baselineRps),
          scenarios: rows.map((r) => ({
            name: r.name,
            group: r.group,
            phase: r.phase,
            items: r.items,
            expect: r.expect,
            detail: r.detail,
            requests: r.requests,
            seconds: round(r.seconds),
            rps: round(r.rps),
            p50_ms: round(r.p50),
            p90_ms: round(r.p90),
            p99_ms: round(r.p99),
            mean_ms: round(r.mean),
            errors: r.errors,
            statuses: r.statuses,
            connection_errors: r.errorKinds,
            ratio_to_baseline: round(r.ratio),
            matches: r.matches,
            workerd_cpu_us_per_request: round(r.cpuUs),
            loadgen_cpu_us_per_request: round(r.loadgenCpuUs),
          })),
          scaling: scalingRows.map(({ name, small, big, ratio }) => ({
            name,
            p50_small_ms: round(small?.p50 ?? null),
            p50_full_ms: round(big.p50),
            p50_ratio: round(ratio),
          })),
          budget,
          paired_throughput_ratios: { get_item: pairedRatios.read.map(round), post_transactions: pairedRatios.write.map(round) },
          paired_own_statement_ratios: { get_item: ownRatios.read.map(round), post_transactions: ownRatios.write.map(round) },
          webhook_latency_ms: webhookLatency,
          key_pool_exhausted: keyPoolExhausted,
          timings_s: timings,
        },
        null,
        2,
      ) + "\n",
    );
    console.log(`wrote ${values.json}`);
  }
}
