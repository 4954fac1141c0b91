// node scripts/bench/profile.ts [--scenario get-item|post-transaction|list|probe-400] [--seconds 5] [--items 1000]
//
// A V8 CPU profile of the API Worker in workerd while one benchmark scenario runs: where the
// Worker's own JavaScript time goes, by module of the bundle (node_modules/drizzle-orm, zod,
// src/…) and by function. Time spent outside the isolate (the D1 and Durable Object services,
// SQLite, workerd's own C++) is not in a JavaScript profile: compare with the workerd CPU per
// request that `npm run bench` prints.
//
// Starts its own Miniflare instance the same way as scripts/local-runtime.ts, plus the V8
// inspector (which startLocalWorker does not offer).
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { parseArgs } from "node:util";
import { newApiKey, provisionCompany } from "../../src/db/provisioning.ts";
import { seedItemId, seedItems } from "../seed.ts";
import { startLocalWorker } from "../local-runtime.ts";
import { drive, KeyPool, type RequestSpec } from "./load.ts";

const { values } = parseArgs({
  options: {
    scenario: { type: "string", default: "get-item" },
    seconds: { type: "string", default: "5" },
    items: { type: "string", default: "1000" },
    top: { type: "string", default: "25" },
    // The call paths (by self time) into functions of this name, in the API Worker's isolate.
    callers: { type: "string" },
  },
});
const items = Number(values.items);
const randomItem = () => seedItemId(1 + Math.floor(Math.random() * items));
const scenarios: Record<string, () => RequestSpec> = {
  "get-item": () => ({ method: "GET", path: `/v1/items/${randomItem()}` }),
  "post-transaction": () => ({ method: "POST", path: "/v1/transactions", body: { item_id: randomItem(), type: "receive", quantity: 1 } }),
  list: () => ({ method: "GET", path: "/v1/items?limit=50" }),
  "probe-400": () => ({ method: "GET", path: "/v1/items?bench=1" }),
};
const next = scenarios[values.scenario];
if (!next) {
  console.error(`--scenario: one of ${Object.keys(scenarios).join(", ")}`);
  process.exit(1);
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

const inspectorPort = await freePort();
const runtime = await startLocalWorker({ inspectorPort });
const bundle = readFileSync("dist/index.js", "utf8").split("\n");

try {
  const { url, db } = runtime;
  const company = await provisionCompany({ name: "Profile", plan: "enterprise", mode: "test" });
  await db.batch(company.statements.map((s) => db.prepare(s.sql).bind(...s.params)));
  await seedItems(db, { companyId: company.companyId, userId: company.userId, count: items });
  const keys = await Promise.all(
    Array.from({ length: 40 }, () => newApiKey({ companyId: company.companyId, userId: company.userId, role: "admin", mode: "test" })),
  );
  await db.batch(keys.map((k) => db.prepare(k.statement.sql).bind(...k.statement.params)));
  const pool = new KeyPool(800);
  pool.add(keys.map((k) => k.apiKey));

  // Every isolate of the instance: the API Worker (`core:user:`, with its Durable Objects), and
  // Miniflare's own Workers (the entry, the D1 simulator `d1:db`, …).
  type Profile = {
    nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
    samples: number[];
    timeDeltas: number[];
  };
  const targets = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json/list`)).json()) as { id: string; webSocketDebuggerUrl: string }[];
  const sessions = await Promise.all(
    targets.map(async (target) => {
      const socket = new WebSocket(target.webSocketDebuggerUrl);
      await new Promise((resolve, reject) => {
        socket.addEventListener("open", resolve);
        socket.addEventListener("error", reject);
      });
      let id = 0;
      const pending = new Map<number, (result: unknown) => void>();
      socket.addEventListener("message", (event) => {
        const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown };
        if (message.id !== undefined) pending.get(message.id)?.(message.result);
      });
      const send = (method: string, params: Record<string, unknown> = {}) =>
        new Promise<any>((resolve) => {
          pending.set(++id, resolve);
          socket.send(JSON.stringify({ id, method, params }));
        });
      return { name: target.id, socket, send };
    }),
  );

  const seconds = Number(values.seconds);
  await drive({ url, key: pool.take }, next, { connections: 10, seconds: 1 });
  for (const session of sessions) {
    await session.send("Profiler.enable");
    await session.send("Profiler.setSamplingInterval", { interval: 50 });
    await session.send("Profiler.start");
  }
  const measured = await drive({ url, key: pool.take }, next, { connections: 10, seconds });
  const profiles = new Map<string, Profile>();
  for (const session of sessions) {
    profiles.set(session.name, ((await session.send("Profiler.stop")) as { profile: Profile }).profile);
    session.socket.close();
  }

  // Module of a bundle line: the nearest `// path` comment esbuild put above it.
  const markers: { line: number; module: string }[] = [];
  bundle.forEach((text, line) => {
    const match = /^\/\/ ((?:node_modules|src)\/\S+)$/.exec(text);
    if (match) markers.push({ line, module: match[1]! });
  });
  const moduleOf = (url: string, line: number) => {
    if (!url.endsWith("index.js")) return url ? `(${url})` : "(native / runtime)";
    let lo = 0;
    let hi = markers.length - 1;
    let found = "(bundle)";
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (markers[mid]!.line <= line) {
        found = markers[mid]!.module;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found.replace(/^node_modules\/((?:@[^/]+\/)?[^/]+)\/.*$/, "$1");
  };

  const perRequest = (us: number) => (us / measured.requests).toFixed(1).padStart(8);
  console.log(
    `${values.scenario}: ${measured.requests} requests in ${measured.seconds.toFixed(1)} s (${measured.rps.toFixed(0)} req/s, ${measured.errors} errors)\n`,
  );
  console.log(
    "Sampled time per isolate, µs per request (idle excluded). Samples also count time a thread spends in\n" +
      "native calls and, under load, descheduled: compare shares, and take absolute CPU from `npm run bench`.",
  );
  const summaries: [string, Map<string, number>, Map<string, number>, number][] = [];
  for (const [name, profile] of profiles) {
    const selfUs = new Map<number, number>();
    profile.samples.forEach((node, i) => selfUs.set(node, (selfUs.get(node) ?? 0) + (profile.timeDeltas[i] ?? 0)));
    const byModule = new Map<string, number>();
    const byFunction = new Map<string, number>();
    let busy = 0;
    for (const node of profile.nodes) {
      const us = selfUs.get(node.id) ?? 0;
      const { functionName, url: scriptUrl, lineNumber } = node.callFrame;
      if (functionName === "(idle)") continue;
      busy += us;
      const module =
        functionName === "(program)" || functionName === "(garbage collector)"
          ? functionName
          : name === "core:user:"
            ? moduleOf(scriptUrl, lineNumber)
            : scriptUrl || "(native / runtime)";
      byModule.set(module, (byModule.get(module) ?? 0) + us);
      const key = `${functionName || "(anonymous)"}  ${module}:${lineNumber + 1}`;
      byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    }
    if (busy > 0) console.log(`${perRequest(busy)}  ${name}`);
    summaries.push([name, byModule, byFunction, busy]);
  }
  const top = Number(values.top);
  const userProfile = profiles.get("core:user:");
  if (values.callers && userProfile) {
    const parent = new Map<number, number>();
    const byId = new Map(userProfile.nodes.map((node) => [node.id, node]));
    for (const node of userProfile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
    const selfUs = new Map<number, number>();
    userProfile.samples.forEach((node, i) => selfUs.set(node, (selfUs.get(node) ?? 0) + (userProfile.timeDeltas[i] ?? 0)));
    const paths = new Map<string, number>();
    for (const node of userProfile.nodes) {
      if (node.callFrame.functionName !== values.callers) continue;
      const frames: string[] = [];
      for (let id = parent.get(node.id); id !== undefined && frames.length < 6; id = parent.get(id)) {
        const { functionName, url: scriptUrl, lineNumber } = byId.get(id)!.callFrame;
        frames.push(`${functionName || "(anonymous)"}@${moduleOf(scriptUrl, lineNumber)}:${lineNumber + 1}`);
      }
      const key = frames.join(" < ");
      paths.set(key, (paths.get(key) ?? 0) + (selfUs.get(node.id) ?? 0));
    }
    console.log(`\ncallers of ${values.callers} (µs per request):`);
    for (const [path, us] of [...paths].sort((a, b) => b[1] - a[1]).slice(0, 10)) console.log(`${perRequest(us)}  ${path}`);
  }
  for (const [name, byModule, byFunction, busy] of summaries) {
    if (busy / measured.requests < 20) continue;
    const share = (us: number) => `${((us / busy) * 100).toFixed(1).padStart(5)}%`;
    console.log(`\n${name}: self time by module (µs per request, share of the isolate):`);
    for (const [module, us] of [...byModule].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${perRequest(us)} ${share(us)}  ${module}`);
    console.log(`\n${name}: self time by function (µs per request, share of the isolate):`);
    for (const [fn, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${perRequest(us)} ${share(us)}  ${fn}`);
  }
} finally {
  await runtime.stop();
}
