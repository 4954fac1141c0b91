// node scripts/bench/hot-path.ts [--rounds 3] [--seconds 3] [--items 2000] [--connections 10] [--only read|write]
//
// Issue 13's two throughput checks, quickly and in alternation: GET /v1/items/:id against its
// floor (the calibration Worker's DO call without a write + one D1 query) and POST
// /v1/transactions against its floor (+ a D1 batch of 3 INSERTs), each pair measured back to back
// in every round, so that a change in the machine's load hits both sides of a ratio alike. Prints
// requests/s and workerd CPU µs per request of each, and the ratios per round and their median.
// For trying a change to the hot path; `npm run bench` remains the full measurement.
import { parseArgs } from "node:util";
import { newApiKey, provisionCompany } from "../../src/db/provisioning.ts";
import { startLocalWorker } from "../local-runtime.ts";
import { seedItemId, seedItems } from "../seed.ts";
import { startCalibrationWorker } from "./baseline.ts";
import { workerdCpuSeconds } from "./cpu.ts";
import { drive, KeyPool, type RequestSpec, type Target } from "./load.ts";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    seconds: { type: "string", default: "3" },
    items: { type: "string", default: "2000" },
    connections: { type: "string", default: "10" },
    only: { type: "string" },
  },
});
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const items = Number(values.items);
const connections = Number(values.connections);

const runtime = await startLocalWorker();
const calibration = await startCalibrationWorker();
try {
  const { db } = runtime;
  const company = await provisionCompany({ name: "Hot path", plan: "enterprise", mode: "test" });
  await db.batch(company.statements.map((s) => db.prepare(s.sql).bind(...s.params)));
  await seedItems(db, { companyId: company.companyId, userId: company.userId, count: items });
  const keys = await Promise.all(
    Array.from({ length: 60 }, () => newApiKey({ companyId: company.companyId, userId: company.userId, role: "admin", mode: "test" })),
  );
  await db.batch(keys.map((k) => db.prepare(k.statement.sql).bind(...k.statement.params)));
  const pool = new KeyPool(800);
  pool.add(keys.map((k) => k.apiKey));

  const randomItem = () => seedItemId(1 + Math.floor(Math.random() * items));
  const api: Target = { url: runtime.url, key: pool.take };
  const floor: Target = { url: calibration.url };
  const scenarios: { name: string; target: Target; next: () => RequestSpec }[] = [
    { name: "floor: DO call without write + D1 query", target: floor, next: () => ({ method: "GET", path: "/do-alarm-d1" }) },
    { name: "GET /v1/items/:id", target: api, next: () => ({ method: "GET", path: `/v1/items/${randomItem()}` }) },
    { name: "floor: DO call without write + D1 batch of 3", target: floor, next: () => ({ method: "GET", path: "/do-alarm-d1-write" }) },
    {
      name: "POST /v1/transactions",
      target: api,
      next: () => ({ method: "POST", path: "/v1/transactions", body: { item_id: randomItem(), type: "receive", quantity: 1 } }),
    },
  ];

  // --only read: the GET pair; --only write: the POST pair.
  const pairs = values.only === "read" ? [0] : values.only === "write" ? [2] : [0, 2];
  const ratios: { read: number[]; write: number[] } = { read: [], write: [] };
  for (let round = 1; round <= rounds; round++) {
    const results: ({ rps: number; cpuUs: number } | undefined)[] = [];
    for (const [index, scenario] of scenarios.entries()) {
      if (!pairs.includes(index - (index % 2))) {
        results.push(undefined);
        continue;
      }
      await drive(scenario.target, scenario.next, { connections, seconds: 1 });
      const before = workerdCpuSeconds();
      const measured = await drive(scenario.target, scenario.next, { connections, seconds });
      const cpuUs = ((workerdCpuSeconds() - before) * 1e6) / measured.requests;
      results.push({ ...measured, cpuUs });
      console.log(
        `round ${round}  ${scenario.name.padEnd(46)} ${measured.rps.toFixed(0).padStart(5)} req/s` +
          `  ${cpuUs.toFixed(0).padStart(5)} µs CPU  errors ${measured.errors}`,
      );
    }
    if (results[0]) ratios.read.push(results[1]!.rps / results[0].rps);
    if (results[2]) ratios.write.push(results[3]!.rps / results[2].rps);
    console.log(`round ${round}  ratios: GET item ${ratios.read.at(-1)?.toFixed(2) ?? "-"}, POST transactions ${ratios.write.at(-1)?.toFixed(2) ?? "-"}`);
  }
  const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]?.toFixed(2) ?? "-";
  console.log(`median ratios: GET item ÷ floor ${median(ratios.read)}, POST transactions ÷ floor ${median(ratios.write)}`);
} finally {
  await calibration.stop();
  await runtime.stop();
}
