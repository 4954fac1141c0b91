import { env, runDurableObjectAlarm } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { call } from "./http.ts";

export const IMPORT_ID = /^imp_[0-9A-Za-z]{20,}$/;

/** POSTs a CSV file to /v1/imports (query: `dry_run=true`, `on_error=skip` …); answers status, headers and body. */
export async function postCsv(key: string, csv: string | Uint8Array, query = "", headers: Record<string, string> = {}) {
  const response = await exports.default.fetch(
    new Request(`https://api.test/v1/imports${query ? `?${query}` : ""}`, {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "text/csv", ...headers },
      body: csv,
    }),
  );
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null };
}

/** GET of a CSV answer: status, headers and text. */
export async function getCsv(key: string, path: string) {
  const response = await call("GET", path, { key });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** The company's `count` transactions with this reference. */
export async function countTransactions(companyId: string, reference: string) {
  const { results } = await env.DB.prepare(
    "SELECT item_id, quantity_change, quantity_before, quantity_after, reference, type FROM transactions WHERE company_id = ? AND reference = ? ORDER BY seq",
  )
    .bind(companyId, reference)
    .all<{ item_id: string; quantity_change: number; quantity_before: number; quantity_after: number; reference: string; type: string }>();
  return results;
}

/** Objects in the R2 bucket under this prefix. */
export async function storedKeys(prefix: string): Promise<string[]> {
  const listed = await env.SNAPSHOTS.list({ prefix });
  return listed.objects.map((o) => o.key);
}

/**
 * Runs an import's background steps (its Durable Object's alarms) until it is complete or failed;
 * answers how many alarms this ran (the object may also have run some by itself meanwhile).
 */
export async function runImportAlarms(importId: string): Promise<number> {
  const stub = env.IMPORT_RUNNER.getByName(importId);
  let steps = 0;
  for (;;) {
    const row = await env.DB.prepare("SELECT status FROM imports WHERE id = ?").bind(importId).first<{ status: string }>();
    if (row?.status === "complete" || row?.status === "failed") return steps;
    if (await runDurableObjectAlarm(stub)) steps += 1;
    // An alarm the object is running by itself: wait for it.
    else await scheduler.wait(10);
  }
}
