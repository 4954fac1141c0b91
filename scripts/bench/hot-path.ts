// node scripts/bench/hot-path.ts [--rounds 3] [--seconds 3] [--items 2000] [--connections 10] [--only read|write]
//
// Issue 13's two throughput checks, quickly and in alternation: GET /v1/items/:id against its
// floor (the calibration Worker's DO call without a write + one D1 query) and POST
// /v1/transactions against its floor (+ a D1 batch of 3 INSERTs), each measured right after its
// floors in every round, so that a change in the machine's load hits both sides of a ratio alike.
// Each also against the floor of the API's own statements (GET item's query; a movement's batch
// and the bookmark call), which leaves only the application's code between the two. Prints
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
  type Scenario = { name: string; target: Target; next: () => RequestSpec };
  const floorOf = (name: string, path: string): Scenario => ({ name: `floor: ${name}`, target: floor, next: () => ({ method: "GET", path }) });
  // Each kind: the floor, the floor with the API's own statements, then the API.
  const kinds: Record<"read" | "write", Scenario[]> = {
    read: [
      floorOf("DO call without write + D1 query", "/do-alarm-d1"),
      floorOf("DO call without write + GET item's own query", "/own-read"),
      { name: "GET /v1/items/:id", target: api, next: () => ({ method: "GET", path: `/v1/items/${randomItem()}` }) },
    ],
    write: [
      floorOf("DO call without write + D1 batch of 3", "/do-alarm-d1-write"),
      floorOf("the same + a movement's own batch + bookmark call", "/own-write"),
      {
        name: "POST /v1/transactions",
        target: api,
        next: () => ({ method: "POST", path: "/v1/transactions", body: { item_id: randomItem(), type: "receive", quantity: 1 } }),
      },
    ],
  };

  // --only read: the GET scenarios; --only write: the POST ones.
  const chosen: ("read" | "write")[] = values.only === "read" || values.only === "write" ? [values.only] : ["read", "write"];
  const ratios = { read: { floor: [] as number[], own: [] as number[] }, write: { floor: [] as number[], own: [] as number[] } };
  for (let round = 1; round <= rounds; round++) {
    for (const kind of chosen) {
      const rps: number[] = [];
      for (const scenario of kinds[kind]) {
        await drive(scenario.target, scenario.next, { connections, seconds: 1 });
        const before = workerdCpuSeconds();
        const measured = await drive(scenario.target, scenario.next, { connections, seconds });
        const cpuUs = ((workerdCpuSeconds() - before) * 1e6) / measured.requests;
        rps.push(measured.rps);
        console.log(
          `round ${round}  ${scenario.name.padEnd(58)} ${measured.rps.toFixed(0).padStart(5)} req/s` +
            `  ${cpuUs.toFixed(0).padStart(5)} µs CPU  errors ${measured.errors}`,
        );
      }
      ratios[kind].floor.push(rps[2]! / rps[0]!);
      ratios[kind].own.push(rps[2]! / rps[1]!);
      console.log(`round ${round}  ${kinds[kind][2]!.name}: ÷ floor ${(rps[2]! / rps[0]!).toFixed(2)}, ÷ own-statements floor ${(rps[2]! / rps[1]!).toFixed(2)}`);
    }
  }
  const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]?.toFixed(2) ?? "-";
  for (const kind of chosen) {
    console.log(`median ratios: ${kinds[kind][2]!.name} ÷ floor ${median(ratios[kind].floor)}, ÷ own-statements floor ${median(ratios[kind].own)}`);
  }
} finally {
  await calibration.stop();
  await runtime.stop();
}
