// npx tsx scripts/bench/connection-resets.ts [--connections 10] [--duration 5]
//
// Whose are the connection resets of an error scenario? Starts the built Worker (as the benchmark
// does), then for a few error answers: looks at one answer's headers (does it ask to close the
// connection?), sends 50 requests one after another on one keep-alive socket (does the server
// close it?), and drives the scenario with autocannon, printing its statuses and connection errors.
// Last, the benchmark's 404 probe as the benchmark runs it (a pool of keys under their limit, a
// warm-up, then the measured run), `--rounds` times.
import { request, Agent } from "node:http";
import { parseArgs } from "node:util";
import { newApiKey, provisionCompany } from "../../src/db/provisioning.ts";
import { generateApiKey } from "../../src/lib/api-key-format.ts";
import { startLocalWorker } from "../local-runtime.ts";
import { drive, KeyPool } from "./load.ts";

const { values } = parseArgs({
  options: {
    connections: { type: "string", default: "10" },
    duration: { type: "string", default: "5" },
    rounds: { type: "string", default: "5" },
  },
});
const connections = Number(values.connections);
const seconds = Number(values.duration);

const runtime = await startLocalWorker();
try {
  const { db } = runtime;
  const company = await provisionCompany({ name: "Resets", plan: "enterprise", mode: "test" });
  await db.batch(company.statements.map((s) => db.prepare(s.sql).bind(...s.params)));
  const unknownKey = generateApiKey("test");
  const cases: [string, string, string][] = [
    ["GET /v1/bench-unknown, valid key → 404", "/v1/bench-unknown", company.apiKey],
    ["GET /v1/items, unknown key → 401, then 429", "/v1/items", unknownKey],
    ["GET /v1/items?bench=1, valid key → 400", "/v1/items?bench=1", company.apiKey],
  ];
  const url = new URL(runtime.url);
  for (const [label, path, key] of cases) {
    // 50 requests in sequence on one keep-alive socket: how many sockets did they take?
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = new Set<unknown>();
    const statuses: Record<string, number> = {};
    let connectionHeader: string | undefined;
    let resets = 0;
    for (let i = 0; i < 50; i++) {
      await new Promise<void>((resolve) => {
        const req = request(
          { host: url.hostname, port: url.port, path, agent, headers: { Authorization: `Bearer ${key}` } },
          (res) => {
            sockets.add(res.socket);
            connectionHeader ??= String(res.headers.connection);
            statuses[res.statusCode!] = (statuses[res.statusCode!] ?? 0) + 1;
            res.resume();
            res.on("end", resolve);
          },
        );
        req.on("error", () => {
          resets++;
          resolve();
        });
        req.end();
      });
    }
    agent.destroy();
    const m = await drive({ url: runtime.url, key: () => key }, () => ({ method: "GET", path }), {
      connections,
      seconds,
      expectStatus: () => true,
    });
    console.log(
      `${label}\n  one socket, 50 requests: ${sockets.size} socket(s), Connection: ${connectionHeader}, ` +
        `statuses ${JSON.stringify(statuses)}, errors ${resets}\n  autocannon ${connections} × ${seconds} s: ` +
        `${m.requests} answers ${JSON.stringify(m.statuses)}, connection errors ${JSON.stringify(m.errorKinds)}`,
    );
  }
  const keys = await Promise.all(
    Array.from({ length: 40 }, (_, i) =>
      newApiKey({ companyId: company.companyId, userId: company.userId, role: "admin", mode: "test", name: `resets ${i}` }),
    ),
  );
  await db.batch(keys.map((k) => db.prepare(k.statement.sql).bind(...k.statement.params)));
  const pool = new KeyPool(800);
  pool.add(keys.map((k) => k.apiKey));
  for (let round = 1; round <= Number(values.rounds); round++) {
    const next = () => ({ method: "GET" as const, path: "/v1/bench-unknown" });
    const options = { connections, seconds, expectStatus: (s: number) => s === 404 };
    const warm = await drive({ url: runtime.url, key: pool.take }, next, { ...options, seconds: 0.5 });
    const m = await drive({ url: runtime.url, key: pool.take }, next, options);
    console.log(
      `404 probe with a key pool, round ${round}: warm-up ${JSON.stringify(warm.statuses)} ${JSON.stringify(warm.errorKinds)}; ` +
        `${m.requests} answers ${JSON.stringify(m.statuses)}, errors ${m.errors}, connection errors ${JSON.stringify(m.errorKinds)}`,
    );
  }
} finally {
  await runtime.stop();
}
