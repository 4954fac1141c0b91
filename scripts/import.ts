// npm run import -- file.csv [--dry-run] [--on-error skip] [--url http://127.0.0.1:8787] [--key sk_test_…] [--remote]
// Uploads a CSV file to POST /v1/imports, follows the import (a progress bar of rows_processed /
// rows_total on a terminal), then prints the summary and the first errors. Exits 0 when the
// import is complete, 1 when it failed, 2 for a usage or connection error.
//
// Locally the defaults are those of `npm run dev`: http://127.0.0.1:$PORT (8787) and the demo
// admin key it keeps in .wrangler/demo-key.json. With --remote (a deployed Worker) --url and --key
// are required (or IMPORT_API_URL / IMPORT_API_KEY).
import { existsSync, readFileSync, statSync } from "node:fs";
import { parseArgs } from "node:util";

const USAGE = `Usage: npm run import -- <file.csv> [--dry-run] [--on-error skip] [--url URL] [--key KEY] [--remote]

  --dry-run          validate and report what would change, changing nothing
  --on-error skip    apply the valid rows and report the others (default: one invalid row fails the import)
  --url URL          the API (default: http://127.0.0.1:$PORT, PORT=8787, as npm run dev serves it)
  --key KEY          an API key (default: the demo key npm run dev prints, from .wrangler/demo-key.json)
  --remote           a deployed Worker: --url and --key (or IMPORT_API_URL, IMPORT_API_KEY) are required`;

function fail(message: string): never {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      "dry-run": { type: "boolean", default: false },
      "on-error": { type: "string" },
      url: { type: "string" },
      key: { type: "string" },
      remote: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
} catch (error) {
  fail((error as Error).message);
}
const { values, positionals } = parsed;
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const file = positionals[0];
if (!file || positionals.length > 1) fail("Give one CSV file.");
if (!existsSync(file) || !statSync(file).isFile()) fail(`No file ${file}.`);
if (values["on-error"] !== undefined && !["skip", "fail"].includes(values["on-error"])) fail("--on-error takes skip or fail.");

const DEMO_FILE = ".wrangler/demo-key.json";
function localKey(): string | undefined {
  if (!existsSync(DEMO_FILE)) return undefined;
  return (JSON.parse(readFileSync(DEMO_FILE, "utf8")) as { api_key?: string }).api_key;
}
const url = (values.url ?? process.env.IMPORT_API_URL ?? (values.remote ? undefined : `http://127.0.0.1:${process.env.PORT ?? "8787"}`))?.replace(/\/$/, "");
const key = values.key ?? process.env.IMPORT_API_KEY ?? (values.remote ? undefined : localKey());
if (!url) fail("--remote needs --url (or IMPORT_API_URL).");
if (!key) fail(values.remote ? "--remote needs --key (or IMPORT_API_KEY)." : `No key: give --key, or start \`npm run dev\` once so that ${DEMO_FILE} exists.`);

interface ImportObject {
  id: string;
  status: "pending" | "validating" | "applying" | "complete" | "failed";
  dry_run: boolean;
  rows_total: number;
  rows_processed: number;
  items_created: number;
  items_updated: number;
  items_unchanged: number;
  quantity_changes: number;
  errors_count: number;
  errors: { row: number; column: string | null; message: string }[];
}

async function api(path: string, init: RequestInit = {}): Promise<{ status: number; body: any }> {
  let response: Response;
  try {
    response = await fetch(`${url}${path}`, { ...init, headers: { Authorization: `Bearer ${key}`, ...init.headers } });
  } catch (error) {
    throw new Error(`Cannot reach ${url} (${(error as Error).cause ?? error}). Is \`npm run dev\` running?`);
  }
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

const tty = process.stdout.isTTY === true;
function drawBar(imp: ImportObject) {
  const width = 30;
  const share = imp.rows_total > 0 ? imp.rows_processed / imp.rows_total : 0;
  const filled = Math.round(share * width);
  const line = `${imp.status.padEnd(10)} [${"█".repeat(filled)}${"░".repeat(width - filled)}] ${imp.rows_processed.toLocaleString("en-US")}/${imp.rows_total.toLocaleString("en-US")} rows ${(share * 100).toFixed(0).padStart(3)}%`;
  if (tty) process.stdout.write(`\r${line}`);
}

const query = new URLSearchParams();
if (values["dry-run"]) query.set("dry_run", "true");
if (values["on-error"]) query.set("on_error", values["on-error"]);
const size = statSync(file).size;
console.log(`Uploading ${file} (${size >= 1024 * 1024 ? `${(size / 1024 / 1024).toFixed(1)} MiB` : `${Math.ceil(size / 1024)} KiB`}) to ${url}${values["dry-run"] ? " — dry run" : ""}`);

try {
  const created = await api(`/v1/imports${query.size ? `?${query}` : ""}`, {
    method: "POST",
    headers: { "Content-Type": "text/csv" },
    body: readFileSync(file),
  });
  if (created.status >= 400) {
    console.error(`The API answered ${created.status}: ${created.body?.error?.message ?? JSON.stringify(created.body)}`);
    process.exit(1);
  }
  let imp = created.body as ImportObject;
  console.log(`Import ${imp.id}`);
  drawBar(imp);
  while (imp.status !== "complete" && imp.status !== "failed") {
    await new Promise((resolve) => setTimeout(resolve, 500));
    try {
      const polled = await api(`/v1/imports/${imp.id}`);
      if (polled.status === 200) imp = polled.body as ImportObject;
    } catch {
      // A dropped connection while the import runs: ask again.
    }
    drawBar(imp);
  }
  if (tty) process.stdout.write("\n");
  const verb = imp.dry_run ? "would be" : "";
  console.log(
    `${imp.status === "complete" ? "Complete" : "Failed"}${imp.dry_run ? " (dry run: nothing was changed)" : ""}: ${imp.rows_processed.toLocaleString("en-US")} of ${imp.rows_total.toLocaleString("en-US")} rows; ` +
      `items created ${imp.items_created}, updated ${imp.items_updated}, unchanged ${imp.items_unchanged}; ` +
      `${imp.quantity_changes} count transaction${imp.quantity_changes === 1 ? "" : "s"}${verb ? ` ${verb} written` : ""}; ${imp.errors_count} error${imp.errors_count === 1 ? "" : "s"}.`,
  );
  if (imp.errors.length > 0) {
    const shown = imp.errors.slice(0, 10);
    console.log("First errors:");
    for (const error of shown) console.log(`  row ${error.row}${error.column ? `, ${error.column}` : ""}: ${error.message}`);
    if (imp.errors_count > shown.length) console.log(`  … all ${imp.errors_count}: curl -H "Authorization: Bearer <key>" ${url}/v1/imports/${imp.id}/errors`);
  }
  process.exit(imp.status === "complete" ? 0 : 1);
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}
