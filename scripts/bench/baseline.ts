// The benchmark's reference Workers, each in workerd through Miniflare's API: second and third
// Miniflare instances next to the API's (scripts/local-runtime.ts), with the same Miniflare and
// workerd build and the same compatibility date and flags as wrangler.toml.
//   - the baseline: baseline-worker.ts, a bare Hono Worker answering a small JSON;
//   - the calibration: calibration-worker.ts, the same plus one Durable Object call and/or one D1
//     query, with local D1 and Durable Object storage in a temporary directory, as for the API;
//     its D1 also holds the API's schema and items, for the floors of the API's own statements.
// Both are bundled by esbuild (hono from node_modules).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { convertV4MiniflareOptions, Log, LogLevel, Miniflare, type V4MiniflareOptions } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { seedApiStatements } from "./api-statements.ts";

async function startWorker(entry: string, extra: (dir: string) => Record<string, unknown>, setup?: (mf: Miniflare) => Promise<void>) {
  const dir = mkdtempSync(join(tmpdir(), "bench-"));
  const scriptPath = join(dir, "worker.js");
  await build({
    entryPoints: [fileURLToPath(new URL(entry, import.meta.url))],
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    external: ["cloudflare:*"],
    minify: true,
    outfile: scriptPath,
    logLevel: "warning",
  });
  const { compatibilityDate, compatibilityFlags } = unstable_getMiniflareWorkerOptions("wrangler.toml").workerOptions;
  const options = {
    modules: true,
    scriptPath,
    modulesRoot: dir,
    compatibilityDate,
    compatibilityFlags,
    log: new Log(LogLevel.WARN),
    ...extra(dir),
  } as V4MiniflareOptions;
  const mf = new Miniflare(convertV4MiniflareOptions(options));
  let url: URL;
  try {
    url = await mf.ready;
    await setup?.(mf);
  } catch (error) {
    await mf.dispose().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: url.toString().replace(/\/$/, ""),
    async stop() {
      await mf.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The bare Hono Worker. */
export function startBaselineWorker() {
  return startWorker("./baseline-worker.ts", () => ({ name: "baseline" }));
}

/**
 * The platform calls alone: a Durable Object (SQLite-backed) and D1, persisted like the API's. Its
 * D1 also holds the API's schema with `ownItems` items, for the floors of the API's own statements.
 */
export function startCalibrationWorker({ ownItems = 10_000 }: { ownItems?: number } = {}) {
  return startWorker(
    "./calibration-worker.ts",
    (dir) => ({
      name: "calibration",
      d1Databases: { DB: { id: "calibration" } },
      durableObjects: { COUNTER: { className: "Counter", useSQLite: true } },
      d1Persist: join(dir, "d1"),
      durableObjectsPersist: join(dir, "do"),
    }),
    async (mf) => {
      const db = await mf.getD1Database("DB");
      await db.prepare("CREATE TABLE bench_rows (id INTEGER PRIMARY KEY, value TEXT NOT NULL)").run();
      const setup = await mf.dispatchFetch("http://calibration/setup", {
        method: "POST",
        body: JSON.stringify(await seedApiStatements(db, ownItems)),
      });
      if (!setup.ok) throw new Error(`calibration setup: ${setup.status} ${await setup.text()}`);
    },
  );
}
