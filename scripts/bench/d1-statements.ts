// node scripts/bench/d1-statements.ts [--calls 400] [--rounds 2] [--items 2000]
//
// What D1 statements cost in this workerd, apart from everything else a request does: a Worker
// that only runs the given D1 statement(s) `--calls` times, one call after the other, over the
// API's schema with `--items` items, and the workerd CPU per call. Compares the calibration
// floors' statements (SELECT 1; a batch of three small INSERTs) with the API's: GET item's query,
// and a stock movement's batch, whole and without its later statements. Rounds alternate the
// variants, so that the machine's load is shared fairly.
import { parseArgs } from "node:util";
import { convertV4MiniflareOptions, Miniflare, type V4MiniflareOptions } from "miniflare";
import { seedApiStatements, type PostedStatement } from "./api-statements.ts";
import { bindParam } from "./statement-params.ts";
import { workerdCpuSeconds } from "./cpu.ts";

const { values } = parseArgs({
  options: {
    calls: { type: "string", default: "400" },
    rounds: { type: "string", default: "2" },
    items: { type: "string", default: "2000" },
  },
});

// Runs `calls` D1 calls of the posted statements one after the other, each with its parameters
// bound by `bindParam` (an item at random from the posted ids).
const script = `${bindParam.toString()}
let call = 0;
export default {
  async fetch(request, env) {
    const { statements, calls, itemIds } = await request.json();
    for (let i = 0; i < calls; i++) {
      const n = ++call;
      const item = itemIds[Math.floor(Math.random() * itemIds.length)];
      const prepared = statements.map((s) => env.DB.prepare(s.sql).bind(...s.params.map((p) => bindParam(p, n, item))));
      if (prepared.length === 1) await prepared[0].all();
      else await env.DB.batch(prepared);
    }
    return new Response("ok");
  },
};`;

const mf = new Miniflare(
  convertV4MiniflareOptions({ modules: true, script, compatibilityDate: "2025-09-01", d1Databases: { DB: "bench" } } as V4MiniflareOptions),
);
try {
  await mf.ready;
  const db = await mf.getD1Database("DB");
  await db.prepare("CREATE TABLE bench_rows (id INTEGER PRIMARY KEY, value TEXT NOT NULL)").run();
  const { getItem, movement, itemIds } = await seedApiStatements(db, Number(values.items));
  const variants: [string, PostedStatement[]][] = [
    ["SELECT 1 (the GET floor's query)", [{ sql: "SELECT 1 AS one", params: [] }]],
    ["GET item's query (one item row)", [getItem]],
    ["3 small INSERTs (the POST floor's batch)", [1, 2, 3].map((v) => ({ sql: "INSERT INTO bench_rows (value) VALUES (?)", params: [String(v)] }))],
    ["movement: ledger row + item quantity", movement.slice(0, 2)],
    ["movement: + audit entry", movement.slice(0, 3)],
    ["movement: + events (the whole batch)", movement],
  ];
  const calls = Number(values.calls);
  const results = new Map<string, number[]>();
  for (let round = 1; round <= Number(values.rounds); round++) {
    for (const [name, statements] of variants) {
      const before = workerdCpuSeconds();
      const response = await mf.dispatchFetch("http://bench/", { method: "POST", body: JSON.stringify({ statements, calls, itemIds }) });
      const text = await response.text();
      if (text !== "ok") throw new Error(`${name}: ${text.slice(0, 300)}`);
      const us = ((workerdCpuSeconds() - before) * 1e6) / calls;
      results.set(name, [...(results.get(name) ?? []), us]);
      console.log(`round ${round}  ${name.padEnd(44)} ${us.toFixed(0).padStart(6)} µs CPU a call`);
    }
  }
  console.log("\n| D1 call | statements | workerd CPU µs a call (median of rounds) |\n|---|---:|---:|");
  for (const [name, statements] of variants) {
    const runs = [...results.get(name)!].sort((a, b) => a - b);
    console.log(`| ${name} | ${statements.length} | ${runs[Math.floor(runs.length / 2)]!.toFixed(0)} |`);
  }
} finally {
  await mf.dispose();
}
