// CI traffic through Stoplight Prism's validating proxy (`prism proxy --errors`) in front of a
// running API: every operation of the OpenAPI document at least once, successes and the errors a
// valid request can meet (404, 409, 422, 401, 403, an idempotent replay). Prism checks each
// request and each answer (status, headers, body) against the document; any difference makes it
// answer `application/problem+json` itself, which the API never does — so any violation fails.
// Used by .ci/smoke.ts against `npm run dev`; `node .ci/prism-traffic.ts <api url> <admin key>`
// runs it alone.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

interface Answer {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

/** Runs the traffic through a Prism proxy in front of `api`; answers the operations touched. */
export async function trafficThroughPrism(api: string, adminKey: string): Promise<void> {
  const document = await (await fetch(`${api}/v1/openapi.json`)).json();
  const file = join(mkdtempSync(join(tmpdir(), "prism-")), "openapi.json");
  writeFileSync(file, JSON.stringify(document));
  const port = await freePort();
  const prism = spawn("npx", ["prism", "proxy", "--errors", file, api, "--port", String(port), "--host", "127.0.0.1"], {
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let log = "";
  prism.stdout.on("data", (chunk: Buffer) => (log += chunk.toString()));
  prism.stderr.on("data", (chunk: Buffer) => (log += chunk.toString()));
  const base = `http://127.0.0.1:${port}`;
  try {
    const deadline = Date.now() + 60_000;
    while (!/Prism is listening/.test(log)) {
      if (Date.now() > deadline || prism.exitCode !== null) throw new Error(`Prism did not start:\n${log}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await run(base, adminKey, document);
  } finally {
    try {
      process.kill(-prism.pid!, "SIGTERM");
    } catch {}
  }
}

async function run(base: string, adminKey: string, document: any) {
  // Every operation of the document, as "METHOD /path/{template}", ticked off as it is called.
  const templates: Array<{ method: string; template: string; pattern: RegExp }> = [];
  for (const [template, operations] of Object.entries<any>(document.paths)) {
    for (const method of Object.keys(operations)) {
      templates.push({ method: method.toUpperCase(), template, pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`) });
    }
  }
  const touched = new Set<string>();
  const statuses = new Map<string, Set<number>>();

  async function call(method: string, path: string, options: { key?: string | null; body?: unknown; csv?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
    const key = options.key === undefined ? adminKey : options.key;
    const headers: Record<string, string> = { ...options.headers };
    if (key !== null) headers.Authorization = `Bearer ${key}`;
    let body: string | undefined;
    if (options.csv !== undefined) {
      headers["Content-Type"] = "text/csv";
      body = options.csv;
    } else if (options.body !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(options.body);
    }
    const response = await fetch(`${base}${path}`, { method, headers, body });
    const text = await response.text();
    const type = response.headers.get("Content-Type") ?? "";
    const context = `${method} ${path} → ${response.status} ${text.slice(0, 1500)}`;
    assert.ok(!type.startsWith("application/problem+json"), `Prism found a difference from the document: ${context}`);
    assert.equal(response.headers.get("sl-violations"), null, `Prism violations: ${context}`);
    const pathname = path.split("?")[0]!;
    const operation = templates.find((t) => t.method === method && t.pattern.test(pathname) && !templates.some((o) => o !== t && o.method === method && !o.template.includes("{") && o.template === pathname && t.template.includes("{")));
    const exact = templates.find((t) => t.method === method && t.template === pathname) ?? operation;
    assert.ok(exact, `no operation for ${method} ${pathname}`);
    const id = `${exact.method} ${exact.template}`;
    touched.add(id);
    statuses.set(id, (statuses.get(id) ?? new Set()).add(response.status));
    let parsed: any = null;
    if (type.startsWith("application/json") && text) parsed = JSON.parse(text);
    return { status: response.status, headers: response.headers, body: parsed, text };
  }
  const expectStatus = (answer: Answer, status: number, code?: string) => {
    assert.equal(answer.status, status, answer.text.slice(0, 500));
    if (code) assert.equal(answer.body.error.code, code);
  };
  const unique = Date.now().toString(36);

  expectStatus(await call("GET", "/health", { key: null }), 200);

  // Items.
  const item = await call("POST", "/v1/items", { body: { name: "Prism widget", sku: `PR-${unique}`, quantity: 20, location: "A", reorder_point: 5 } });
  expectStatus(item, 201);
  const itemId = item.body.id as string;
  expectStatus(await call("POST", "/v1/items", { body: { name: "Copy", sku: `pr-${unique}` } }), 409, "sku_taken");
  expectStatus(await call("GET", "/v1/items?limit=5&low_stock=false"), 200);
  expectStatus(await call("GET", `/v1/items/${itemId}`), 200);
  expectStatus(await call("GET", "/v1/items/item_000000000000000000000000"), 404, "not_found");
  expectStatus(await call("PATCH", `/v1/items/${itemId}`, { body: { reorder_point: 30 } }), 200);
  const exported = await call("GET", "/v1/items/export?low_stock=true");
  expectStatus(exported, 200);
  assert.match(exported.text, /^id,/);
  const second = await call("POST", "/v1/items", { body: { name: "Prism gadget", sku: `PG-${unique}` } });
  expectStatus(second, 201);
  expectStatus(await call("DELETE", `/v1/items/${second.body.id}`), 204);
  expectStatus(await call("GET", "/v1/trash"), 200);
  expectStatus(await call("POST", `/v1/items/${second.body.id}/restore`), 200);

  // Idempotency: a replay (its header), and the same key with another body (422).
  const idem = { "Idempotency-Key": `prism-${unique}` };
  const first = await call("POST", "/v1/items", { body: { name: "Once", sku: `PO-${unique}` }, headers: idem });
  expectStatus(first, 201);
  const replay = await call("POST", "/v1/items", { body: { name: "Once", sku: `PO-${unique}` }, headers: idem });
  expectStatus(replay, 201);
  assert.equal(replay.headers.get("Idempotent-Replayed"), "true");
  expectStatus(await call("POST", "/v1/items", { body: { name: "Twice", sku: `PT-${unique}` }, headers: idem }), 422, "idempotency_key_reused");

  // Transactions (since as a date and as a date-time).
  const txn = await call("POST", "/v1/transactions", { body: { item_id: itemId, type: "receive", quantity: 5, note: "prism" } });
  expectStatus(txn, 201);
  expectStatus(await call("POST", "/v1/transactions", { body: { item_id: itemId, type: "issue", quantity: 1_000_000 } }), 409, "insufficient_stock");
  expectStatus(await call("POST", "/v1/transactions/batch", { body: { transactions: [{ item_id: itemId, type: "issue", quantity: 1 }, { item_id: itemId, type: "adjust", quantity: -1, reason: "damaged" }] } }), 201);
  expectStatus(await call("GET", `/v1/transactions?since=2026-01-01&item_id=${itemId}`), 200);
  expectStatus(await call("GET", "/v1/transactions?since=2026-01-01T00:00:00Z&limit=2"), 200);
  expectStatus(await call("GET", `/v1/transactions/${txn.body.id}`), 200);
  expectStatus(await call("GET", "/v1/transactions/export?type=receive"), 200);
  expectStatus(await call("GET", "/v1/audit_log?since=2026-01-01&limit=5"), 200);

  // Purchase orders.
  const order = await call("POST", "/v1/orders", { body: { supplier: "Acme", line_items: [{ item_id: itemId, quantity_ordered: 4, unit_cost: 250 }] } });
  expectStatus(order, 201);
  const orderId = order.body.id as string;
  expectStatus(await call("GET", "/v1/orders?status=draft"), 200);
  expectStatus(await call("GET", `/v1/orders/${orderId}`), 200);
  expectStatus(await call("PATCH", `/v1/orders/${orderId}`, { body: { notes: "rush" } }), 200);
  expectStatus(await call("POST", `/v1/orders/${orderId}/submit`), 200);
  expectStatus(await call("POST", `/v1/orders/${orderId}/submit`), 409, "invalid_state");
  expectStatus(await call("POST", `/v1/orders/${orderId}/receive`, { body: { line_items: [{ id: order.body.line_items[0].id, quantity: 4 }] } }), 200);
  const other = await call("POST", "/v1/orders", { body: { supplier: "Other", line_items: [{ item_id: itemId, quantity_ordered: 1, unit_cost: 1 }] } });
  expectStatus(await call("POST", `/v1/orders/${other.body.id}/cancel`), 200);

  // Snapshots: create, list, get, download, dry run and restore, the restore, delete.
  const snapshot = await call("POST", "/v1/snapshots", { body: { note: "prism" } });
  expectStatus(snapshot, 201);
  const snapshotId = snapshot.body.id as string;
  expectStatus(await call("GET", "/v1/snapshots"), 200);
  expectStatus(await call("GET", `/v1/snapshots/${snapshotId}`), 200);
  expectStatus(await call("GET", `/v1/snapshots/${snapshotId}/download`), 200);
  const preview = await call("POST", `/v1/snapshots/${snapshotId}/restore?dry_run=true`);
  expectStatus(preview, 200);
  assert.equal(preview.body.dry_run, true);
  const restore = await call("POST", `/v1/snapshots/${snapshotId}/restore`);
  assert.ok([200, 202].includes(restore.status), restore.text);
  assert.equal(restore.body.dry_run, false);
  expectStatus(await call("GET", `/v1/snapshots/${snapshotId}/restores/${restore.body.id}`), 200);
  expectStatus(await call("DELETE", `/v1/snapshots/${snapshotId}`), 204);

  // Users and API keys; a replayed key creation answers secret null.
  const user = await call("POST", "/v1/users", { body: { name: "Prism Reader", email: `reader-${unique}@example.com`, role: "read_only" } });
  expectStatus(user, 201);
  expectStatus(await call("GET", "/v1/users"), 200);
  expectStatus(await call("GET", `/v1/users/${user.body.id}`), 200);
  expectStatus(await call("POST", `/v1/users/${user.body.id}/invitation`), 201);
  const keyHeaders = { "Idempotency-Key": `prism-key-${unique}` };
  const newKey = await call("POST", "/v1/api_keys", { body: { name: "Reader", user_id: user.body.id, role: "read_only", expires_at: "2030-01-01T00:00:00Z" }, headers: keyHeaders });
  expectStatus(newKey, 201);
  const replayedKey = await call("POST", "/v1/api_keys", { body: { name: "Reader", user_id: user.body.id, role: "read_only", expires_at: "2030-01-01T00:00:00Z" }, headers: keyHeaders });
  expectStatus(replayedKey, 201);
  assert.equal(replayedKey.body.secret, null);
  const reader = newKey.body.secret as string;
  expectStatus(await call("GET", "/v1/api_keys"), 200);
  expectStatus(await call("GET", `/v1/api_keys/${newKey.body.id}`), 200);
  expectStatus(await call("POST", "/v1/items", { key: reader, body: { name: "No", sku: `PN-${unique}` } }), 403, "permission_denied");
  expectStatus(await call("GET", "/v1/api_keys", { key: reader }), 403, "permission_denied");
  expectStatus(await call("GET", "/v1/items", { key: "sk_test_000000000000000000000000000000000000" }), 401, "invalid_api_key");
  const rolled = await call("POST", `/v1/api_keys/${newKey.body.id}/roll`, { body: { expires_in_hours: 0 } });
  expectStatus(rolled, 201);
  expectStatus(await call("DELETE", `/v1/api_keys/${rolled.body.id}`), 204);

  // Webhook endpoints (a loopback URL: test-mode keys), deliveries, events.
  const endpoint = await call("POST", "/v1/webhook_endpoints", { body: { url: "http://127.0.0.1:9/prism", events: ["item.*"], description: "prism" } });
  expectStatus(endpoint, 201);
  const endpointId = endpoint.body.id as string;
  expectStatus(await call("GET", "/v1/webhook_endpoints"), 200);
  expectStatus(await call("GET", `/v1/webhook_endpoints/${endpointId}`), 200);
  expectStatus(await call("PATCH", `/v1/webhook_endpoints/${endpointId}`, { body: { description: "prism, patched" } }), 200);
  expectStatus(await call("POST", `/v1/webhook_endpoints/${endpointId}/roll_secret`, { body: { expires_in_hours: 1 } }), 200);
  expectStatus(await call("PATCH", `/v1/items/${itemId}`, { body: { name: "Prism widget 2" } }), 200);
  let deliveryId: string | undefined;
  for (let i = 0; i < 100 && !deliveryId; i++) {
    const deliveries = await call("GET", `/v1/webhook_deliveries?endpoint_id=${endpointId}`);
    expectStatus(deliveries, 200);
    deliveryId = deliveries.body.data[0]?.id;
    if (!deliveryId) await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.ok(deliveryId, "a delivery to the new endpoint");
  expectStatus(await call("GET", `/v1/webhook_deliveries/${deliveryId}`), 200);
  expectStatus(await call("POST", `/v1/webhook_deliveries/${deliveryId}/retry`), 200);
  const events = await call("GET", "/v1/events?type=item.*&since=2026-01-01");
  expectStatus(events, 200);
  expectStatus(await call("GET", `/v1/events/${events.body.data[0].id}`), 200);
  expectStatus(await call("DELETE", `/v1/webhook_endpoints/${endpointId}`), 204);

  // CSV import (a dry run, then for real with one bad row skipped), its list, itself, its errors.
  const csv = `sku,name,quantity\r\nPI-${unique},Imported,7\r\nPR-${unique},,25\r\n,No sku,1\r\n`;
  const dry = await call("POST", "/v1/imports?dry_run=true", { csv });
  assert.ok([201, 202].includes(dry.status), dry.text);
  const imported = await call("POST", "/v1/imports?on_error=skip", { csv });
  assert.ok([201, 202].includes(imported.status), imported.text);
  expectStatus(await call("GET", "/v1/imports"), 200);
  expectStatus(await call("GET", `/v1/imports/${imported.body.id}`), 200);
  const errors = await call("GET", `/v1/imports/${imported.body.id}/errors`);
  expectStatus(errors, 200);
  assert.match(errors.text, /^row,column,message\r\n/);

  const missing = templates.map((t) => `${t.method} ${t.template}`).filter((id) => !touched.has(id));
  assert.deepEqual(missing, [], "operations the CI traffic did not call");
  console.log(`Prism: ${touched.size} operations, ${[...statuses.values()].reduce((n, s) => n + s.size, 0)} (operation, status) pairs, no violation`);
}

if (import.meta.main) {
  const [api, key] = process.argv.slice(2);
  await trafficThroughPrism(api!, key!);
}
