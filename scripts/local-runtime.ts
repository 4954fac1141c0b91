// Starts the built Worker in workerd through Miniflare's API (no `wrangler dev` proxy), with local
// D1, R2 and Durable Objects in a fresh temporary directory, and applies the D1 migrations.
// Used by the snapshot demo and the benchmark.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { convertV4MiniflareOptions, Log, LogLevel, Miniflare, type V4MiniflareOptions } from "miniflare";
import { unstable_getMiniflareWorkerOptions, unstable_splitSqlQuery } from "wrangler";

/** `inspectorPort`: expose the isolates to a V8 inspector (the CPU profiler). */
export async function startLocalWorker(options: { inspectorPort?: number } = {}) {
  execFileSync("npx", ["wrangler", "deploy", "--dry-run", "--outdir", "dist"], { stdio: "ignore" });
  const persist = mkdtempSync(join(tmpdir(), "inventory-"));
  // The bundle is already built, so the config's module rules are not needed (and Miniflare 5
  // refuses to convert them).
  const { modulesRules: _, ...workerOptions } = unstable_getMiniflareWorkerOptions("wrangler.toml")
    .workerOptions as Record<string, unknown> & { bindings?: Record<string, unknown> };
  const miniflareOptions = {
    ...options,
    ...workerOptions,
    modules: true,
    scriptPath: "dist/index.js",
    bindings: { ...workerOptions.bindings, API_KEY_MODE: "test" },
    d1Persist: join(persist, "d1"),
    r2Persist: join(persist, "r2"),
    durableObjectsPersist: join(persist, "do"),
    // The Worker's console.log/console.error lines (and runtime errors) when VERBOSE=1.
    log: new Log(process.env.VERBOSE ? (Number(process.env.VERBOSE) > 1 ? LogLevel.DEBUG : LogLevel.INFO) : LogLevel.WARN),
  } as V4MiniflareOptions;
  const mf = new Miniflare(convertV4MiniflareOptions(miniflareOptions));
  const url = await mf.ready;
  const db = await mf.getD1Database("DB");
  for (const file of readdirSync("migrations").filter((f) => f.endsWith(".sql")).sort()) {
    const queries = unstable_splitSqlQuery(readFileSync(join("migrations", file), "utf8"));
    await db.batch(queries.map((query) => db.prepare(query)));
  }
  return {
    url: url.toString().replace(/\/$/, ""),
    db,
    mf,
    async stop() {
      await mf.dispose();
      rmSync(persist, { recursive: true, force: true });
    },
  };
}

/** Peak resident memory (VmHWM, MiB) of the workerd processes under this one, from /proc. */
export function workerdPeakMemoryMiB(): number {
  let peak = 0;
  for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("workerd")) continue;
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      const ppid = Number(/PPid:\s+(\d+)/.exec(status)?.[1]);
      if (ppid !== process.pid) continue;
      peak = Math.max(peak, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
    } catch {}
  }
  return Math.round(peak);
}
