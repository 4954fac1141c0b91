// Runs SQL against the DB binding through `wrangler d1 execute` (local state in .wrangler/, or the
// deployed database with `remote`).
import { execFileSync } from "node:child_process";
import { inlineParams, type Statement } from "../src/db/provisioning.ts";

export interface Target {
  remote: boolean;
}

function wrangler(args: string[]): string {
  return execFileSync("npx", ["wrangler", ...args], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, CI: "true" },
  });
}

export function applyMigrations(target: Target): void {
  wrangler(["d1", "migrations", "apply", "DB", target.remote ? "--remote" : "--local"]);
}

/** Runs the statements in order and answers the rows of each. */
export function execute(target: Target, statements: Statement[]): Record<string, unknown>[][] {
  const sql = statements.map((s) => `${inlineParams(s)};`).join("\n");
  const output = wrangler([
    "d1",
    "execute",
    "DB",
    target.remote ? "--remote" : "--local",
    "--json",
    "--command",
    sql,
  ]);
  const results = JSON.parse(output) as { results: Record<string, unknown>[] }[];
  return results.map((r) => r.results);
}
