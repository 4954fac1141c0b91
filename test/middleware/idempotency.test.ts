import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { DAY_MS, setClock } from "../../src/lib/clock.ts";
import { sha256Hex } from "../../src/lib/sha256.ts";
import { createCompany, type TestCompany } from "../helpers/factories.ts";
import { call, client, expectApiError } from "../helpers/http.ts";
import { at, createItem, uniqueSku } from "../helpers/items.ts";
import { companyState, ledgerRows } from "../helpers/ledger.ts";

afterEach(() => setClock(null));

const T0 = at("2025-04-01T12:00:00.000Z");

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  body: any;
}

/** A request with an Idempotency-Key (unless `idempotencyKey` is undefined), answered with its raw text. */
async function send(
  apiKey: string,
  method: string,
  path: string,
  body: unknown,
  idempotencyKey: string | undefined,
): Promise<Answer> {
  const headers: Record<string, string> = idempotencyKey === undefined ? {} : { "Idempotency-Key": idempotencyKey };
  const response = await call(method, path, { key: apiKey, body, headers });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: text ? JSON.parse(text) : null };
}

const post = (co: TestCompany, path: string, body: unknown, key?: string) => send(co.apiKey, "POST", path, body, key);

let keyCounter = 0;
/** An Idempotency-Key no other test uses. */
const newKey = () => `key-${Date.now()}-${++keyCounter}`;

const itemBody = (sku = uniqueSku("IDEM")) => ({ name: "Idempotent widget", sku, quantity: 5 });

async function storedRecord(companyId: string, key: string) {
  return env.DB.prepare("SELECT response_status, created_at FROM idempotency_keys WHERE company_id = ? AND key = ?")
    .bind(companyId, key)
    .first<{ response_status: number | null; created_at: string }>();
}

/** Inserts a record of a request that is still running (no answer yet). */
async function insertRunning(co: TestCompany, key: string, path: string, body: unknown, createdAt: number) {
  const fingerprint = await sha256Hex(`POST ${path}\n${JSON.stringify(body)}`);
  await env.DB.prepare(
    "INSERT INTO idempotency_keys (company_id, key, fingerprint, response_status, response_body, created_at) VALUES (?, ?, ?, NULL, NULL, ?)",
  )
    .bind(co.companyId, key, fingerprint, new Date(createdAt).toISOString())
    .run();
}

function expectReplayOf(replay: Answer, first: Answer) {
  expect(replay.status).toBe(first.status);
  expect(replay.text).toBe(first.text);
  expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
  expect(replay.headers.get("Content-Type")).toMatch(/^application\/json/);
  // The replay is a new request of its own.
  expect(replay.headers.get("Request-Id")).not.toBe(first.headers.get("Request-Id"));
}

describe("replays", () => {
  it("a retry of POST /v1/items gets the same answer, marked replayed, and creates nothing", async () => {
    const co = await createCompany();
    const key = newKey();
    const body = itemBody();

    const first = await post(co, "/v1/items", body, key);
    expect(first.status).toBe(201);
    expect(first.headers.get("Idempotent-Replayed")).toBeNull();
    const afterFirst = await companyState(co.companyId);

    const retry = await post(co, "/v1/items", body, key);
    const again = await post(co, "/v1/items", body, key);

    expectReplayOf(retry, first);
    expectReplayOf(again, first);
    expect(await companyState(co.companyId)).toEqual(afterFirst);
    expect(afterFirst.items).toHaveLength(1);
    expect(afterFirst.transactions).toBe(1);
    expect(afterFirst.auditEntries).toBe(1);
    expect(await storedRecord(co.companyId, key)).toMatchObject({ response_status: 201 });
  });

  it("a retry of POST /v1/transactions answers the same ledger entry and moves stock once", async () => {
    const co = await createCompany();
    const item = await createItem(client(co.apiKey), { quantity: 10 });
    const key = newKey();
    const body = { item_id: item.id, type: "issue", quantity: 3 };

    const first = await post(co, "/v1/transactions", body, key);
    const retry = await post(co, "/v1/transactions", body, key);

    expect(first.status).toBe(201);
    expectReplayOf(retry, first);
    expect(retry.body.id).toBe(first.body.id);
    expect((await ledgerRows(item.id)).map((r) => r.quantity_change)).toEqual([10, -3]);
    expect((await client(co.apiKey).get(`/v1/items/${item.id}`)).body.quantity).toBe(7);
  });

  it("a retry of POST /v1/transactions/batch applies the batch once", async () => {
    const co = await createCompany();
    const item = await createItem(client(co.apiKey), { quantity: 0 });
    const key = newKey();
    const body = { transactions: [1, 2, 3].map((quantity) => ({ item_id: item.id, type: "receive", quantity })) };

    const first = await post(co, "/v1/transactions/batch", body, key);
    const retry = await post(co, "/v1/transactions/batch", body, key);

    expect(first.status).toBe(201);
    expectReplayOf(retry, first);
    expect(await ledgerRows(item.id)).toHaveLength(3);
  });

  it("a retry of POST /v1/items/{id}/restore answers the same item and restores once", async () => {
    const co = await createCompany();
    const api = client(co.apiKey);
    const item = await createItem(api);
    expect((await api.delete(`/v1/items/${item.id}`)).status).toBe(204);
    const key = newKey();

    const first = await post(co, `/v1/items/${item.id}/restore`, undefined, key);
    const afterFirst = await companyState(co.companyId);
    const retry = await post(co, `/v1/items/${item.id}/restore`, undefined, key);

    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ id: item.id });
    expectReplayOf(retry, first);
    expect(await companyState(co.companyId)).toEqual(afterFirst);
    const restores = (await api.get(`/v1/audit_log?action=restore&item_id=${item.id}`)).body.data;
    expect(restores).toHaveLength(1);
  });

  it("stores business errors too: a 409 is replayed as it was, even once it would succeed", async () => {
    const co = await createCompany();
    const api = client(co.apiKey);
    const item = await createItem(api, { quantity: 1 });
    const key = newKey();
    const body = { item_id: item.id, type: "issue", quantity: 2 };

    const first = await post(co, "/v1/transactions", body, key);
    expectApiError(first, 409, "insufficient_stock", "quantity");
    expect((await api.post("/v1/transactions", { item_id: item.id, type: "receive", quantity: 5 })).status).toBe(201);

    const retry = await post(co, "/v1/transactions", body, key);
    expectReplayOf(retry, first);
    expect(retry.body.error.request_id).toBe(first.headers.get("Request-Id"));
    expect((await api.get(`/v1/items/${item.id}`)).body.quantity).toBe(6);
  });

  it("ten concurrent requests with one key: one item created and ten identical answers", async () => {
    const co = await createCompany("enterprise");
    const key = newKey();
    const body = itemBody();

    const answers = await Promise.all(Array.from({ length: 10 }, () => post(co, "/v1/items", body, key)));

    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(201));
    expect(new Set(answers.map((a) => a.text)).size).toBe(1);
    expect(answers.filter((a) => a.headers.get("Idempotent-Replayed") === "true")).toHaveLength(9);
    const state = await companyState(co.companyId);
    expect(state.items).toHaveLength(1);
    expect(state.items[0].id).toBe(answers[0]!.body.id);
    expect(state.transactions).toBe(1);
    expect(state.auditEntries).toBe(1);
  });

  it("ten concurrent issues with one key move the stock once", async () => {
    const co = await createCompany("enterprise");
    const item = await createItem(client(co.apiKey), { quantity: 10 });
    const key = newKey();
    const body = { item_id: item.id, type: "issue", quantity: 4 };

    const answers = await Promise.all(Array.from({ length: 10 }, () => post(co, "/v1/transactions", body, key)));

    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(201));
    expect(new Set(answers.map((a) => a.text)).size).toBe(1);
    expect((await ledgerRows(item.id)).map((r) => r.quantity_after)).toEqual([10, 6]);
  });
});

describe("the same key for a different request", () => {
  it("a different body answers 422 idempotency_key_reused and changes nothing", async () => {
    const co = await createCompany();
    const key = newKey();
    const first = await post(co, "/v1/items", itemBody("REUSE-1"), key);
    expect(first.status).toBe(201);
    const before = await companyState(co.companyId);

    const reused = await post(co, "/v1/items", itemBody("REUSE-2"), key);

    expectApiError(reused, 422, "idempotency_key_reused", "Idempotency-Key");
    expect(reused.headers.get("Idempotent-Replayed")).toBeNull();
    expect(await companyState(co.companyId)).toEqual(before);
    // The stored answer is untouched: the original request still replays.
    expectReplayOf(await post(co, "/v1/items", itemBody("REUSE-1"), key), first);
  });

  it("a different path answers 422", async () => {
    const co = await createCompany();
    const item = await createItem(client(co.apiKey), { quantity: 5 });
    const key = newKey();
    const body = { item_id: item.id, type: "receive", quantity: 1 };
    expect((await post(co, "/v1/transactions", body, key)).status).toBe(201);
    const before = await companyState(co.companyId);

    expectApiError(await post(co, "/v1/transactions/batch", { transactions: [body] }, key), 422, "idempotency_key_reused", "Idempotency-Key");
    expectApiError(await post(co, "/v1/items", itemBody(), key), 422, "idempotency_key_reused", "Idempotency-Key");
    expect(await companyState(co.companyId)).toEqual(before);
  });

  it("is scoped per company: another company may use the same key for its own request", async () => {
    const a = await createCompany();
    const b = await createCompany();
    const key = newKey();
    const body = itemBody("SAME-SKU-1");

    const first = await post(a, "/v1/items", body, key);
    const other = await post(b, "/v1/items", body, key);
    const otherBody = await post(b, "/v1/items", itemBody("SAME-SKU-2"), newKey());

    expect(first.status).toBe(201);
    expect(other.status).toBe(201);
    expect(other.headers.get("Idempotent-Replayed")).toBeNull();
    expect(other.body.id).not.toBe(first.body.id);
    expect(otherBody.status).toBe(201);
    expect((await companyState(a.companyId)).items).toHaveLength(1);
    expect((await companyState(b.companyId)).items).toHaveLength(2);
    // And b's key does not disturb a's record.
    expectReplayOf(await post(a, "/v1/items", body, key), first);
  });
});

describe("answers that are not stored", () => {
  it("a validation failure (400) is not stored: the retry with a fixed body runs", async () => {
    const co = await createCompany();
    const key = newKey();

    const invalid = await post(co, "/v1/items", { name: "No SKU" }, key);
    expectApiError(invalid, 400, "invalid_request", "sku");
    expect(await storedRecord(co.companyId, key)).toBeNull();

    const fixed = await post(co, "/v1/items", { name: "No SKU", sku: uniqueSku() }, key);
    expect(fixed.status).toBe(201);
    expect(fixed.headers.get("Idempotent-Replayed")).toBeNull();
    expect((await companyState(co.companyId)).items).toHaveLength(1);
  });

  it("invalid JSON and a wrong content type are not stored either", async () => {
    const co = await createCompany();
    const key = newKey();
    const body = itemBody();

    const malformed = await send(co.apiKey, "POST", "/v1/items", "{name:", key);
    expectApiError(malformed, 400, "invalid_json");
    const response = await call("POST", "/v1/items", {
      key: co.apiKey,
      body: JSON.stringify(body),
      headers: { "Idempotency-Key": key, "Content-Type": "text/plain" },
    });
    expect(response.status).toBe(415);
    expect(await storedRecord(co.companyId, key)).toBeNull();

    expect((await post(co, "/v1/items", body, key)).status).toBe(201);
  });

  it("a POST to an unknown path (404) or with the wrong method (405) is not stored", async () => {
    const co = await createCompany();
    const key = newKey();
    const body = itemBody();

    expectApiError(await post(co, "/v1/itemz", body, key), 404, "not_found");
    expect(await storedRecord(co.companyId, key)).toBeNull();
    expectApiError(await post(co, "/v1/trash", body, key), 405, "method_not_allowed");
    expect(await storedRecord(co.companyId, key)).toBeNull();

    const created = await post(co, "/v1/items", body, key);
    expect(created.status).toBe(201);
    expect(created.headers.get("Idempotent-Replayed")).toBeNull();
  });
});

describe("a request that is still running", () => {
  it("answers 409 idempotency_key_in_use after waiting briefly, and changes nothing", async () => {
    const co = await createCompany();
    const key = newKey();
    const body = itemBody();
    await insertRunning(co, key, "/v1/items", body, Date.now());
    const before = await companyState(co.companyId);

    const started = Date.now();
    const answer = await post(co, "/v1/items", body, key);

    expectApiError(answer, 409, "idempotency_key_in_use", "Idempotency-Key");
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(await companyState(co.companyId)).toEqual(before);
    expect(await storedRecord(co.companyId, key)).toMatchObject({ response_status: null });
  });

  it("a different request with a running key is 422 at once", async () => {
    const co = await createCompany();
    const key = newKey();
    await insertRunning(co, key, "/v1/items", itemBody("RUNNING-1"), Date.now());

    const started = Date.now();
    const answer = await post(co, "/v1/items", itemBody("RUNNING-2"), key);
    expectApiError(answer, 422, "idempotency_key_reused", "Idempotency-Key");
    expect(Date.now() - started).toBeLessThan(900);
  });

  it("a retry that waits gets the first request's answer once it is stored", async () => {
    const co = await createCompany();
    const key = newKey();
    const body = itemBody();
    await insertRunning(co, key, "/v1/items", body, Date.now());

    const waiting = post(co, "/v1/items", body, key);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await env.DB.prepare("UPDATE idempotency_keys SET response_status = 201, response_body = ? WHERE company_id = ? AND key = ?")
      .bind('{"id":"item_first"}', co.companyId, key)
      .run();
    const answer = await waiting;

    expect(answer.status).toBe(201);
    expect(answer.text).toBe('{"id":"item_first"}');
    expect(answer.headers.get("Idempotent-Replayed")).toBe("true");
    expect((await companyState(co.companyId)).items).toHaveLength(0);
  });

  it("a record abandoned for more than 60 seconds is taken over: the request runs", async () => {
    const co = await createCompany();
    const key = newKey();
    const body = itemBody();
    await insertRunning(co, key, "/v1/items", body, T0);

    setClock(() => T0 + 59_000);
    expectApiError(await post(co, "/v1/items", body, key), 409, "idempotency_key_in_use", "Idempotency-Key");

    setClock(() => T0 + 61_000);
    const answer = await post(co, "/v1/items", body, key);
    expect(answer.status).toBe(201);
    expect(answer.headers.get("Idempotent-Replayed")).toBeNull();
    expect((await companyState(co.companyId)).items).toHaveLength(1);
    expect(await storedRecord(co.companyId, key)).toEqual({
      response_status: 201,
      created_at: new Date(T0 + 61_000).toISOString(),
    });
    expectReplayOf(await post(co, "/v1/items", body, key), answer);
  });
});

describe("lifetime", () => {
  it("replays for 24 hours, then the key runs again", async () => {
    const co = await createCompany();
    const key = newKey();
    const body = { name: "Daily", sku: uniqueSku() };

    setClock(() => T0);
    const first = await post(co, "/v1/items", body, key);
    expect(first.status).toBe(201);
    expect(first.body.created_at).toBe(new Date(T0).toISOString());

    setClock(() => T0 + DAY_MS - 1000);
    expectReplayOf(await post(co, "/v1/items", body, key), first);

    // A day later the key is free again; the first item's SKU is taken, so use a new body.
    setClock(() => T0 + DAY_MS + 1000);
    const later = await post(co, "/v1/items", { name: "Daily", sku: uniqueSku() }, key);
    expect(later.status).toBe(201);
    expect(later.headers.get("Idempotent-Replayed")).toBeNull();
    expect(later.body.id).not.toBe(first.body.id);
    expect((await companyState(co.companyId)).items).toHaveLength(2);
  });

  it("after 24 hours the same request runs again too", async () => {
    const co = await createCompany();
    const item = await createItem(client(co.apiKey), { quantity: 0 });
    const key = newKey();
    const body = { item_id: item.id, type: "receive", quantity: 2 };

    setClock(() => T0);
    expect((await post(co, "/v1/transactions", body, key)).status).toBe(201);
    setClock(() => T0 + DAY_MS + 1000);
    const again = await post(co, "/v1/transactions", body, key);
    expect(again.status).toBe(201);
    expect(again.headers.get("Idempotent-Replayed")).toBeNull();
    expect((await ledgerRows(item.id)).map((r) => r.quantity_after)).toEqual([2, 4]);
  });
});

describe("the header itself", () => {
  it.each([
    ["empty", ""],
    ["256 characters", "k".repeat(256)],
    ["non-ASCII", "clé-1"],
    ["a control character", "key\tone"],
  ])("answers 400 naming Idempotency-Key for a key that is %s, and changes nothing", async (_, key) => {
    const co = await createCompany();
    const answer = await post(co, "/v1/items", itemBody(), key);
    expectApiError(answer, 400, "invalid_request", "Idempotency-Key");
    expect((await companyState(co.companyId)).items).toHaveLength(0);
  });

  it("accepts 255 printable ASCII characters", async () => {
    const co = await createCompany();
    // Spaces and punctuation inside the key are printable ASCII too.
    const key = "A-z0 ~!".repeat(37).slice(0, 255);
    expect(key).toHaveLength(255);
    const body = itemBody();
    const first = await post(co, "/v1/items", body, key);
    expect(first.status).toBe(201);
    expectReplayOf(await post(co, "/v1/items", body, key), first);
  });

  it("GET and PATCH ignore it: no validation, no replay, nothing stored", async () => {
    const co = await createCompany();
    const item = await createItem(client(co.apiKey));

    const invalid = await send(co.apiKey, "GET", "/v1/items", undefined, "");
    expect(invalid.status).toBe(200);
    const key = newKey();
    const first = await send(co.apiKey, "GET", `/v1/items/${item.id}`, undefined, key);
    const second = await send(co.apiKey, "GET", `/v1/items/${item.id}`, undefined, key);
    expect(first.status).toBe(200);
    expect(second.headers.get("Idempotent-Replayed")).toBeNull();

    const patched = await send(co.apiKey, "PATCH", `/v1/items/${item.id}`, { name: "A" }, key);
    const repatched = await send(co.apiKey, "PATCH", `/v1/items/${item.id}`, { name: "B" }, key);
    expect(patched.body.name).toBe("A");
    expect(repatched.body.name).toBe("B");
    expect(repatched.headers.get("Idempotent-Replayed")).toBeNull();
    expect(await storedRecord(co.companyId, key)).toBeNull();
  });

  it("a POST without the header is never replayed", async () => {
    const co = await createCompany();
    const item = await createItem(client(co.apiKey), { quantity: 0 });
    const body = { item_id: item.id, type: "receive", quantity: 1 };
    const first = await post(co, "/v1/transactions", body);
    const second = await post(co, "/v1/transactions", body);
    expect(second.headers.get("Idempotent-Replayed")).toBeNull();
    expect(second.body.id).not.toBe(first.body.id);
    expect(await ledgerRows(item.id)).toHaveLength(2);
  });
});
