import { env } from "cloudflare:test";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { newApiKey } from "../../src/db/provisioning.ts";
import { generateApiKey, hashApiKey, isWellFormedApiKey } from "../../src/lib/api-key-format.ts";
import { DAY_MS, setClock } from "../../src/lib/clock.ts";
import { createCompany, createKey, run, type TestCompany } from "../helpers/factories.ts";
import { callJson, client } from "../helpers/http.ts";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

let co: TestCompany;
let other: TestCompany;
let ip = 0;

beforeAll(async () => {
  [co, other] = await Promise.all([createCompany(), createCompany()]);
});

afterEach(() => setClock(null));

/**
 * GET /v1/items (or another request) with this Authorization header. Each call comes from its own
 * client address so that failed attempts never add up to the per-address limit on failures.
 */
function request(authorization: string | undefined, method = "GET", path = "/v1/items", body?: unknown) {
  const headers: Record<string, string> = { "CF-Connecting-IP": `198.51.100.${++ip % 250}` };
  if (authorization !== undefined) headers.Authorization = authorization;
  return callJson(method, path, { headers, body });
}

function expectError(result: { status: number; headers: Headers; body: any }, status: number, code: string) {
  expect(result.status).toBe(status);
  expect(result.body).toEqual({
    error: { code, message: expect.any(String), field: null, request_id: result.headers.get("Request-Id") },
  });
  expect(result.headers.get("Request-Id")).toMatch(/^req_[0-9A-Za-z]{20,}$/);
}

function expectInvalidKey(result: { status: number; headers: Headers; body: any }) {
  expectError(result, 401, "invalid_api_key");
  expect(result.headers.get("WWW-Authenticate")).toMatch(/^Bearer\b/);
}

/** A key whose checksum no longer matches its body (the body is untouched). */
function withBadChecksum(key: string): string {
  const last = key.at(-1)!;
  return key.slice(0, -1) + BASE62[(BASE62.indexOf(last) + 1) % 62];
}

describe("missing credentials", () => {
  it("answers 401 authentication_required with WWW-Authenticate: Bearer", async () => {
    const result = await request(undefined);
    expectError(result, 401, "authentication_required");
    expect(result.headers.get("WWW-Authenticate")).toBe("Bearer");
    expect(result.body.error.message).toContain("Authorization: Bearer");
  });

  it("is checked before the body is validated", async () => {
    const result = await request(undefined, "POST", "/v1/items", { nonsense: true });
    expectError(result, 401, "authentication_required");
  });

  it("guards every item route", async () => {
    const routes = [
      ["GET", "/v1/items"],
      ["POST", "/v1/items"],
      ["GET", "/v1/items/item_x"],
      ["PATCH", "/v1/items/item_x"],
      ["DELETE", "/v1/items/item_x"],
      ["POST", "/v1/items/item_x/restore"],
      ["GET", "/v1/trash"],
    ] as const;
    for (const [method, path] of routes) {
      const result = await request(undefined, method, path);
      expectError(result, 401, "authentication_required");
    }
  });
});

describe("malformed credentials", () => {
  it.each([
    ["a Basic scheme", () => `Basic ${btoa(`${co.apiKey}:`)}`],
    ["Bearer with nothing", () => "Bearer"],
    ["Bearer with only spaces", () => "Bearer    "],
    ["the key without a scheme", () => co.apiKey],
    ["two tokens", () => `Bearer ${co.apiKey} ${co.apiKey}`],
  ])("answers 401 invalid_api_key for %s", async (_label, header) => {
    expectInvalidKey(await request(header()));
  });

  it.each([
    ["a wrong prefix", () => co.apiKey.replace("sk_test_", "pk_test_")],
    ["an unknown mode", () => co.apiKey.replace("sk_test_", "sk_prod_")],
    ["an upper-case prefix", () => co.apiKey.replace("sk_test_", "SK_TEST_")],
    ["a character too few", () => co.apiKey.slice(0, -1)],
    ["a character too many", () => `${co.apiKey}0`],
    ["a non-base62 character", () => `${co.apiKey.slice(0, 12)}-${co.apiKey.slice(13)}`],
    ["a base64 character", () => `${co.apiKey.slice(0, 12)}+${co.apiKey.slice(13)}`],
    ["something else entirely", () => "hunter2"],
  ])("answers 401 invalid_api_key for a key with %s", async (_label, key) => {
    const candidate = key();
    expect(isWellFormedApiKey(candidate)).toBe(false);
    expectInvalidKey(await request(`Bearer ${candidate}`));
  });
});

describe("checksum", () => {
  it("refuses a key with a bad checksum before any storage look-up", async () => {
    // A row that would match the bad key if the middleware looked it up: only the checksum check
    // can refuse it.
    const good = await newApiKey({ companyId: co.companyId, userId: co.userId, role: "admin", mode: "test" });
    const bad = withBadChecksum(good.apiKey);
    expect(isWellFormedApiKey(bad)).toBe(false);
    const params = [...good.statement.params];
    params[5] = await hashApiKey(bad);
    params[6] = bad.slice(-4);
    await run([{ sql: good.statement.sql, params }]);

    const stored = await env.DB.prepare("SELECT id FROM api_keys WHERE key_hash = ?")
      .bind(await hashApiKey(bad))
      .first<{ id: string }>();
    expect(stored?.id).toBe(good.apiKeyId);

    const result = await request(`Bearer ${bad}`);
    expectInvalidKey(result);
    expect(JSON.stringify(result.body)).not.toContain(params[5]);
  });

  it("accepts a key inserted the same way when its checksum is right (control)", async () => {
    const good = await newApiKey({ companyId: co.companyId, userId: co.userId, role: "admin", mode: "test" });
    await run([{ sql: good.statement.sql, params: [...good.statement.params] }]);
    const result = await request(`Bearer ${good.apiKey}`);
    expect(result.status).toBe(200);
    expect(result.body.pagination).toMatchObject({ limit: 50, offset: 0 });
  });

  it("refuses every single-character change of a valid key", async () => {
    const body = co.apiKey.slice("sk_test_".length);
    for (const index of [0, 15, 31, 32, 37]) {
      const changed = body.slice(0, index) + (body[index] === "A" ? "B" : "A") + body.slice(index + 1);
      expectInvalidKey(await request(`Bearer sk_test_${changed}`));
    }
  });
});

describe("key state", () => {
  it("refuses a well-formed key that was never issued", async () => {
    const unknown = generateApiKey("test");
    expect(isWellFormedApiKey(unknown)).toBe(true);
    expectInvalidKey(await request(`Bearer ${unknown}`));
  });

  it("refuses a revoked key", async () => {
    const revoked = await createKey(co, { revokedAt: new Date(Date.now() - 1_000).toISOString() });
    const result = await request(`Bearer ${revoked}`);
    expectInvalidKey(result);
    expect(result.body.error.message).toBe("The API key is invalid, expired or revoked.");
  });

  it("refuses an expired key and accepts one that expires in the future", async () => {
    const expired = await createKey(co, { expiresAt: new Date(Date.now() - DAY_MS).toISOString() });
    const valid = await createKey(co, { expiresAt: new Date(Date.now() + DAY_MS).toISOString() });
    expectInvalidKey(await request(`Bearer ${expired}`));
    const ok = await request(`Bearer ${valid}`);
    expect(ok.status).toBe(200);
    expect(ok.body.data).toEqual(expect.any(Array));
  });

  it("stops accepting a key at the moment it expires", async () => {
    const expiresAt = Date.parse("2031-06-01T12:00:00.000Z");
    const key = await createKey(co, { expiresAt: new Date(expiresAt).toISOString() });
    setClock(() => expiresAt - 1);
    expect((await request(`Bearer ${key}`)).status).toBe(200);
    setClock(() => expiresAt);
    expectInvalidKey(await request(`Bearer ${key}`));
  });

  it("accepts both sk_live_ and sk_test_ keys", async () => {
    const { companyId, userId } = co;
    const live = await newApiKey({ companyId, userId, role: "member", mode: "live" });
    await run([live.statement]);
    expect(live.apiKey.startsWith("sk_live_")).toBe(true);
    expect(co.apiKey.startsWith("sk_test_")).toBe(true);
    for (const key of [live.apiKey, co.apiKey]) {
      const result = await request(`Bearer ${key}`);
      expect(result.status).toBe(200);
      expect(result.body.data).toEqual(expect.any(Array));
    }
  });

  it("accepts the scheme name in any case", async () => {
    const own = await createCompany();
    const item = await client(own.apiKey).post("/v1/items", { name: "Scheme case", sku: "SCHEME-1" });
    expect(item.status).toBe(201);
    for (const scheme of ["bearer", "BEARER"]) {
      const result = await request(`${scheme} ${own.apiKey}`);
      expect(result.status).toBe(200);
      expect(result.body).toEqual({ data: [item.body], pagination: { total: 1, limit: 50, offset: 0, has_more: false } });
    }
  });
});

describe("roles", () => {
  let itemId: string;
  let readOnly: string;

  beforeAll(async () => {
    readOnly = await createKey(co, { role: "read_only" });
    const created = await client(co.apiKey).post("/v1/items", { name: "Role target", sku: "ROLE-1" });
    expect(created.status).toBe(201);
    itemId = created.body.id;
  });

  it("lets read_only GET every read route", async () => {
    const api = client(readOnly);
    const list = await api.get("/v1/items");
    expect(list.status).toBe(200);
    expect(list.body.data.map((i: any) => i.id)).toContain(itemId);
    const one = await api.get(`/v1/items/${itemId}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id: itemId, sku: "ROLE-1" });
    const trash = await api.get("/v1/trash");
    expect(trash.status).toBe(200);
    expect(trash.body.data).toEqual(expect.any(Array));
  });

  it.each([
    ["POST", "/v1/items", { name: "Nope", sku: "RO-NOPE" }],
    ["PATCH", "/v1/items/:id", { name: "Renamed" }],
    ["DELETE", "/v1/items/:id", undefined],
    ["POST", "/v1/items/:id/restore", undefined],
  ])("refuses read_only %s %s with 403 permission_denied and changes nothing", async (method, path, body) => {
    const result = await request(`Bearer ${readOnly}`, method, path.replace(":id", itemId), body);
    expectError(result, 403, "permission_denied");
    const item = await client(co.apiKey).get(`/v1/items/${itemId}`);
    expect(item.status).toBe(200);
    expect(item.body.name).toBe("Role target");
    const listed = await client(co.apiKey).get("/v1/items?search=RO-NOPE");
    expect(listed.body.pagination.total).toBe(0);
  });

  it.each([["member"], ["admin"]] as const)("lets %s create, update, delete and restore", async (role) => {
    const api = client(await createKey(co, { role }));
    const created = await api.post("/v1/items", { name: `By ${role}`, sku: `BY-${role}` });
    expect(created.status).toBe(201);
    const updated = await api.patch(`/v1/items/${created.body.id}`, { location: "Bay 1" });
    expect(updated.status).toBe(200);
    expect(updated.body.location).toBe("Bay 1");
    const deleted = await api.delete(`/v1/items/${created.body.id}`);
    expect(deleted.status).toBe(204);
    expect(deleted.body).toBeNull();
    const restored = await api.post(`/v1/items/${created.body.id}/restore`);
    expect(restored.status).toBe(200);
    expect(restored.body).toMatchObject({ id: created.body.id, location: "Bay 1" });
  });
});

describe("tenancy", () => {
  it("a key sees only its own company's items", async () => {
    const mine = await client(co.apiKey).post("/v1/items", { name: "Mine", sku: "TEN-1" });
    const theirs = await client(other.apiKey).post("/v1/items", { name: "Theirs", sku: "TEN-1" });
    expect(mine.status).toBe(201);
    expect(theirs.status).toBe(201);

    const list = await client(other.apiKey).get("/v1/items?search=TEN-1");
    expect(list.body.data.map((i: any) => i.id)).toEqual([theirs.body.id]);

    // Another company's id answers exactly like an id that does not exist.
    const peek = await client(other.apiKey).get(`/v1/items/${mine.body.id}`);
    const missingId = "item_000000000000000000000000";
    const missing = await client(other.apiKey).get(`/v1/items/${missingId}`);
    expect(peek.status).toBe(404);
    expect(missing.status).toBe(404);
    expect({ ...peek.body.error, request_id: null }).toEqual({
      ...missing.body.error,
      message: missing.body.error.message.replace(missingId, mine.body.id),
      request_id: null,
    });
    expect(peek.body.error).toMatchObject({ code: "not_found", field: "id" });

    const edit = await client(other.apiKey).patch(`/v1/items/${mine.body.id}`, { name: "Stolen" });
    expect(edit.status).toBe(404);
    const remove = await client(other.apiKey).delete(`/v1/items/${mine.body.id}`);
    expect(remove.status).toBe(404);
    const after = await client(co.apiKey).get(`/v1/items/${mine.body.id}`);
    expect(after.body).toMatchObject({ name: "Mine", sku: "TEN-1" });
  });
});
