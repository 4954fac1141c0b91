// The SDK against the local runtime (the built Worker in workerd through Miniflare, real local
// D1/R2/Durable Objects): typed calls, errors as exceptions, Idempotency-Key on every POST and
// the same one on its retries, Retry-After on 429 and 503 (bounded), cursor iteration, webhook
// verification, and the README's example as printed. `npm run test:sdk`.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { Webhook } from "standardwebhooks";
import { provisionCompany } from "../../src/db/provisioning.ts";
import { startLocalWorker } from "../../scripts/local-runtime.ts";
import { createClient, InventoryApiError, verifyWebhook } from "../src/index.ts";

let runtime: Awaited<ReturnType<typeof startLocalWorker>>;
let apiKey: string;

before(async () => {
  runtime = await startLocalWorker();
  const company = await provisionCompany({ name: "SDK test", plan: "enterprise", mode: "test" });
  await runtime.db.batch(company.statements.map((s) => runtime.db.prepare(s.sql).bind(...s.params)));
  apiKey = company.apiKey;
});
after(async () => {
  await runtime?.stop();
});

/** A fetch that records each request (method, Idempotency-Key) and may answer some itself. */
function spyFetch(answers: Array<Response | null> = []) {
  const seen: Array<{ method: string; url: string; key: string | null }> = [];
  const fetcher = async (request: Request) => {
    seen.push({ method: request.method, url: request.url, key: request.headers.get("Idempotency-Key") });
    const answer = answers.shift();
    return answer ?? fetch(request);
  };
  return { seen, fetch: fetcher as typeof fetch };
}

const error = (status: number, code: string, retryAfter?: string) =>
  new Response(JSON.stringify({ error: { code, message: code, field: null, request_id: "req_00000000000000000000" } }), {
    status,
    headers: { "Content-Type": "application/json", ...(retryAfter === undefined ? {} : { "Retry-After": retryAfter }) },
  });

describe("the SDK against the local runtime", () => {
  it("makes typed calls and throws error answers with code, field, request_id and status", async () => {
    const client = createClient({ apiKey, baseUrl: runtime.url });
    const { data: item } = await client.POST("/v1/items", { body: { name: "Bolt", sku: "SDK-BOLT", quantity: 4 } });
    assert.equal(item?.sku, "SDK-BOLT");
    const { data: read } = await client.GET("/v1/items/{id}", { params: { path: { id: item!.id } } });
    assert.deepEqual(read, item);
    const refused = await client.POST("/v1/items", { body: { name: "Bolt", sku: "sdk-bolt" } }).catch((e: unknown) => e);
    assert.ok(refused instanceof InventoryApiError);
    assert.equal(refused.status, 409);
    assert.equal(refused.code, "sku_taken");
    assert.equal(refused.field, "sku");
    assert.match(refused.request_id!, /^req_[0-9A-Za-z]{20,}$/);
    const missing = await client.GET("/v1/items/{id}", { params: { path: { id: "item_nope" } } }).catch((e: unknown) => e);
    assert.ok(missing instanceof InventoryApiError && missing.code === "not_found" && missing.status === 404);
  });

  it("sends an Idempotency-Key on every POST and the same one on its retries: one item for two attempts", async () => {
    const spy = spyFetch([error(503, "service_unavailable", "0")]);
    const waits: number[] = [];
    const client = createClient({ apiKey, baseUrl: runtime.url, fetch: spy.fetch, sleep: async (ms) => void waits.push(ms) });
    const { data: item } = await client.POST("/v1/items", { body: { name: "Nut", sku: "SDK-NUT" } });
    assert.equal(spy.seen.length, 2);
    assert.ok(spy.seen[0]!.key && spy.seen[0]!.key.length > 0);
    assert.equal(spy.seen[1]!.key, spy.seen[0]!.key);
    assert.deepEqual(waits, [0]);
    // The key is the API's: sending the same POST with it again replays the stored answer.
    const again = await fetch(`${runtime.url}/v1/items`, {
      method: "POST",
      headers: { Authorization: `Bearer ${apiKey}`, "Content-Type": "application/json", "Idempotency-Key": spy.seen[0]!.key! },
      body: JSON.stringify({ name: "Nut", sku: "SDK-NUT" }),
    });
    assert.equal(again.status, 201);
    assert.equal(again.headers.get("Idempotent-Replayed"), "true");
    assert.equal(((await again.json()) as { id: string }).id, item!.id);
    // GETs carry no key; a key the caller chose is kept.
    const keyed = spyFetch();
    const custom = createClient({ apiKey, baseUrl: runtime.url, fetch: keyed.fetch });
    await custom.GET("/v1/items", {});
    await custom.POST("/v1/transactions", {
      body: { item_id: item!.id, type: "receive", quantity: 2 },
      headers: { "Idempotency-Key": "my-own-key-1" },
    });
    assert.deepEqual(keyed.seen.map((s) => [s.method, s.key]), [["GET", null], ["POST", "my-own-key-1"]]);
  });

  it("waits Retry-After on 429 and 503, within its bounds", async () => {
    const waits: number[] = [];
    const sleep = async (ms: number) => void waits.push(ms);
    const spy = spyFetch([error(429, "rate_limit_exceeded", "2")]);
    const client = createClient({ apiKey, baseUrl: runtime.url, fetch: spy.fetch, sleep });
    const { data } = await client.GET("/v1/items", { params: { query: { limit: 1 } } });
    assert.equal(data?.data.length, 1);
    assert.deepEqual(waits, [2000]);

    // A wait longer than maxRetryWaitSeconds is not waited: the 429 is thrown with its Retry-After.
    waits.length = 0;
    const long = createClient({ apiKey, baseUrl: runtime.url, fetch: spyFetch([error(429, "daily_quota_exceeded", "3600")]).fetch, sleep, maxRetryWaitSeconds: 60 });
    const refused = await long.GET("/v1/items", {}).catch((e: unknown) => e);
    assert.ok(refused instanceof InventoryApiError && refused.code === "daily_quota_exceeded" && refused.retryAfter === 3600);
    assert.deepEqual(waits, []);

    // At most maxAttempts attempts.
    const busy = spyFetch([error(503, "service_unavailable", "1"), error(503, "service_unavailable", "1"), error(503, "service_unavailable", "1")]);
    const bounded = createClient({ apiKey, baseUrl: runtime.url, fetch: busy.fetch, sleep, maxAttempts: 3 });
    const failed = await bounded.POST("/v1/items", { body: { name: "X", sku: "SDK-X" } }).catch((e: unknown) => e);
    assert.ok(failed instanceof InventoryApiError && failed.status === 503);
    assert.equal(busy.seen.length, 3);
    assert.equal(new Set(busy.seen.map((s) => s.key)).size, 1);
  });

  it("iterates any list by cursor, past a page", async () => {
    const client = createClient({ apiKey, baseUrl: runtime.url });
    const transactions = Array.from({ length: 100 }, (_, i) => i);
    for (const batch of [transactions.slice(0, 60), transactions.slice(60)]) {
      await Promise.all(
        batch.map((i) => client.POST("/v1/items", { body: { name: `Low ${i}`, sku: `SDK-LOW-${i}`, quantity: 1, reorder_point: 5 } })),
      );
    }
    await client.POST("/v1/items", { body: { name: "Low 100", sku: "SDK-LOW-100", quantity: 0, reorder_point: 5 } });
    const spy = spyFetch();
    const paged = createClient({ apiKey, baseUrl: runtime.url, fetch: spy.fetch });
    const skus: string[] = [];
    for await (const item of paged.items.list({ low_stock: true })) skus.push(item.sku);
    assert.equal(skus.length, 101);
    assert.equal(new Set(skus).size, 101);
    assert.equal(spy.seen.length, 2);
    assert.match(spy.seen[1]!.url, /starting_after=item_/);
    // Any list path, with its own filters.
    let count = 0;
    for await (const event of paged.list("/v1/events", { type: "item.created" })) {
      assert.equal(event.type, "item.created");
      count++;
    }
    assert.ok(count >= 101);
  });

  it("verifies webhook signatures, and refuses a changed body or another secret", async () => {
    const secret = `whsec_${Buffer.from("0123456789abcdef0123456789abcdef").toString("base64")}`;
    const body = JSON.stringify({ id: "event_1", type: "item.created", sequence: 1, created_at: "2026-12-01T00:00:00.000Z", data: { object: {}, previous_attributes: null }, request_id: null, user_id: null, api_key_id: null });
    const timestamp = new Date();
    const signature = new Webhook(secret).sign("event_1", timestamp, body);
    const headers = { "webhook-id": "event_1", "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)), "webhook-signature": signature };
    assert.equal(verifyWebhook(body, headers, secret).type, "item.created");
    assert.equal(verifyWebhook(body, new Headers(headers), secret).id, "event_1");
    assert.throws(() => verifyWebhook(body.replace("item.created", "item.deleted"), headers, secret));
    assert.throws(() => verifyWebhook(body, headers, `whsec_${Buffer.from("another secret of 32 bytes......").toString("base64")}`));
  });

  it("runs the README's example as printed", async () => {
    const { stdout } = await promisify(execFile)("node", ["sdk/examples/quickstart.ts"], {
      env: { ...process.env, KEY: apiKey, BASE_URL: runtime.url },
    });
    assert.match(stdout, /^created item_\w+ W-\d+\n/);
    assert.match(stdout, /low: W-\d+ 3\n/);
  });
});
