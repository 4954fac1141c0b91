import { afterEach, describe, expect, it } from "vitest";
import { hashApiKey } from "../../../src/lib/api-key-format.ts";
import { setClock } from "../../../src/lib/clock.ts";
import { createCompany, createKey, type TestCompany } from "../../helpers/factories.ts";
import { callJson, client } from "../../helpers/http.ts";
import { expectApiError, ids } from "../../helpers/items.ts";
import { createApiKey, createUser, expectNoHash, keyRow } from "../../helpers/keys.ts";

const T = Date.parse("2031-09-01T12:00:00.000Z");
const HOUR = 60 * 60 * 1000;
const MISSING = "key_Zz9Zz9Zz9Zz9Zz9Zz9Zz9Zz9";

afterEach(() => setClock(null));

/** Freezes the injected clock, so that the 1 s key cache cannot expire on its own mid-test. */
const at = (ms: number) => setClock(() => ms);

describe("roles", () => {
  type Route = [method: string, path: string, body?: unknown];
  const routes = (keyId: string): Route[] => [
    ["GET", "/v1/api_keys"],
    ["POST", "/v1/api_keys", { name: "Nope" }],
    ["GET", `/v1/api_keys/${keyId}`],
    ["DELETE", `/v1/api_keys/${keyId}`],
    ["POST", `/v1/api_keys/${keyId}/roll`, { expires_in_hours: 1 }],
  ];
  const send = (key: string, [method, path, body]: Route) => callJson(method, path, { key, body });

  it.each(["member", "read_only"] as const)("refuses %s keys on every route with 403 and changes nothing", async (role) => {
    const co = await createCompany();
    const target = await createApiKey(client(co.apiKey), { name: "Target", role: "member" });
    const key = await createKey(co, { role });
    for (const route of routes(target.id)) {
      const result = await send(key, route);
      expectApiError(result, 403, "permission_denied");
    }
    const list = await client(co.apiKey).get("/v1/api_keys");
    expect(list.body.pagination.total).toBe(3);
    expect(list.body.data.every((k: any) => k.revoked_at === null && k.expires_at === null)).toBe(true);
    expect((await client(target.secret).get("/v1/items")).status).toBe(200);
  });

  it("lets admin keys use every route", async () => {
    const co = await createCompany();
    const admin = await createKey(co, { role: "admin" });
    const target = await createApiKey(client(co.apiKey), { name: "Target", role: "member" });
    const statuses = [];
    for (const route of routes(target.id)) {
      if (route[0] === "DELETE") continue;
      statuses.push((await send(admin, route)).status);
    }
    statuses.push((await send(admin, ["DELETE", `/v1/api_keys/${target.id}`])).status);
    expect(statuses).toEqual([200, 201, 200, 201, 204]);
  });
});

describe("another company's keys look exactly like missing ones", () => {
  it.each([
    ["GET", (api: ReturnType<typeof client>, id: string) => api.get(`/v1/api_keys/${id}`)],
    ["DELETE", (api: ReturnType<typeof client>, id: string) => api.delete(`/v1/api_keys/${id}`)],
    ["roll", (api: ReturnType<typeof client>, id: string) => api.post(`/v1/api_keys/${id}/roll`, { expires_in_hours: 1 })],
  ])("%s answers the same 404 and changes nothing", async (_, request) => {
    const owner = await createCompany();
    const intruder = client((await createCompany()).apiKey);
    const key = await createApiKey(client(owner.apiKey), { name: "Theirs" });

    const foreign = await request(intruder, key.id);
    const missing = await request(intruder, MISSING);
    expectApiError(foreign, 404, "not_found", "id");
    expectApiError(missing, 404, "not_found", "id");
    expect(foreign.body.error.message.replace(key.id, "<id>")).toBe(missing.body.error.message.replace(MISSING, "<id>"));

    expect(await keyRow(key.id)).toMatchObject({ revoked_at: null, expires_at: null });
    expect((await client(key.secret).get("/v1/items")).status).toBe(200);
    expect((await intruder.get("/v1/api_keys")).body.pagination.total).toBe(1);
    expect(ids(await client(owner.apiKey).get("/v1/api_keys"))).toContain(key.id);
  });

  it("never lists another company's keys", async () => {
    const owner = await createCompany();
    const intruder = await createCompany();
    await createApiKey(client(owner.apiKey));
    expect(ids(await client(intruder.apiKey).get("/v1/api_keys"))).toEqual([intruder.apiKeyId]);
  });
});

describe("the key's hash", () => {
  it("is in no answer: create, roll, get, list, users and the audit log", async () => {
    const co = await createCompany();
    const api = client(co.apiKey);
    const created = await createApiKey(api, { name: "Hashless" });
    const createResponse = { body: created };
    const rolled = await api.post(`/v1/api_keys/${created.id}/roll`, { expires_in_hours: 2 });
    const responses = [
      createResponse,
      rolled,
      await api.get(`/v1/api_keys/${created.id}`),
      await api.get(`/v1/api_keys/${rolled.body.id}`),
      await api.get("/v1/api_keys"),
      await api.get("/v1/users"),
      await api.get("/v1/audit_log"),
    ];
    const hashes = await Promise.all([created.secret, rolled.body.secret, co.apiKey].map(hashApiKey));
    for (const response of responses) {
      for (const secret of [created.secret, rolled.body.secret, co.apiKey]) await expectNoHash(response, secret);
      for (const hash of hashes) expect(JSON.stringify(response.body)).not.toContain(hash);
    }
    // The audit log holds neither secret.
    const log = JSON.stringify((await api.get("/v1/audit_log")).body);
    expect(log).not.toContain(created.secret);
    expect(log).not.toContain(rolled.body.secret);
  });
});

describe("revocation bites on the very next request", () => {
  it("refuses a revoked key at once, although its look-up was cached a moment ago", async () => {
    at(T);
    const co = await createCompany();
    const api = client(co.apiKey);
    const victim = await createApiKey(api, { name: "Victim", role: "member" });
    // Cached now; the frozen clock keeps the cache entry fresh.
    expect((await client(victim.secret).get("/v1/items")).status).toBe(200);
    expect((await client(victim.secret).get("/v1/items")).status).toBe(200);

    expect((await api.delete(`/v1/api_keys/${victim.id}`)).status).toBe(204);
    const refused = await client(victim.secret).get("/v1/items");
    expectApiError(refused, 401, "invalid_api_key");
    expect(refused.headers.get("WWW-Authenticate")).toMatch(/^Bearer/);
    // And stays refused.
    at(T + 10 * HOUR);
    expectApiError(await client(victim.secret).get("/v1/items"), 401, "invalid_api_key");
  });

  it("refuses the calling key itself right after it revoked itself", async () => {
    at(T);
    const co = await createCompany();
    const self = await createApiKey(client(co.apiKey), { name: "Self" });
    const api = client(self.secret);
    expect((await api.delete(`/v1/api_keys/${self.id}`)).status).toBe(204);
    expectApiError(await api.get("/v1/items"), 401, "invalid_api_key");
  });
});

describe("rolling", () => {
  it("without a grace period: the old key is refused at once, the new one works", async () => {
    at(T);
    const co = await createCompany();
    const api = client(co.apiKey);
    const old = await createApiKey(api, { name: "Rolled", role: "member" });
    expect((await client(old.secret).get("/v1/items")).status).toBe(200);

    const rolled = await api.post(`/v1/api_keys/${old.id}/roll`);
    expect(rolled.status).toBe(201);
    expectApiError(await client(old.secret).get("/v1/items"), 401, "invalid_api_key");
    const fresh = await client(rolled.body.secret).post("/v1/items", { name: "After roll", sku: "ROLL-1" });
    expect(fresh.status).toBe(201);
    expect((await api.get(`/v1/api_keys/${old.id}`)).body).toMatchObject({ revoked_at: new Date(T).toISOString(), expires_at: null });
  });

  it("with a grace period: the old key works until the clock passes it, then is refused", async () => {
    at(T);
    const co = await createCompany();
    const api = client(co.apiKey);
    const old = await createApiKey(api, { name: "Graceful", role: "member" });
    expect((await client(old.secret).get("/v1/items")).status).toBe(200);

    const rolled = await api.post(`/v1/api_keys/${old.id}/roll`, { expires_in_hours: 3 });
    expect(rolled.status).toBe(201);
    const end = T + 3 * HOUR;
    expect((await api.get(`/v1/api_keys/${old.id}`)).body).toMatchObject({
      revoked_at: null,
      expires_at: new Date(end).toISOString(),
    });

    for (const moment of [T, T + HOUR, end - 1]) {
      at(moment);
      expect((await client(old.secret).get("/v1/items")).status).toBe(200);
      expect((await client(rolled.body.secret).get("/v1/items")).status).toBe(200);
    }
    at(end);
    expectApiError(await client(old.secret).get("/v1/items"), 401, "invalid_api_key");
    expect((await client(rolled.body.secret).get("/v1/items")).status).toBe(200);
  });
});

describe("expiry", () => {
  it("a key made with expires_at works until then and is refused from that moment on", async () => {
    at(T);
    const co: TestCompany = await createCompany();
    const expiresAt = T + 2 * HOUR;
    const key = await createApiKey(client(co.apiKey), { expires_at: new Date(expiresAt).toISOString() });
    const api = client(key.secret);
    expect((await api.get("/v1/items")).status).toBe(200);
    at(expiresAt - 1);
    expect((await api.get("/v1/items")).status).toBe(200);
    at(expiresAt);
    expectApiError(await api.get("/v1/items"), 401, "invalid_api_key");
    // It is listed as it is: expired, not revoked.
    expect((await client(co.apiKey).get(`/v1/api_keys/${key.id}`)).body).toMatchObject({
      expires_at: new Date(expiresAt).toISOString(),
      revoked_at: null,
    });
  });
});

describe("a key of another user", () => {
  it("acts as that user in the audit log", async () => {
    const co = await createCompany();
    const api = client(co.apiKey);
    const user = await createUser(api, { role: "member" });
    const key = await createApiKey(api, { user_id: user.id });
    const item = await client(key.secret).post("/v1/items", { name: "Whose", sku: "WHOSE-1", quantity: 2 });
    expect(item.status).toBe(201);
    const log = await api.get(`/v1/audit_log?item_id=${item.body.id}`);
    expect(log.body.data.every((entry: any) => entry.user_id === user.id && entry.api_key_id === key.id)).toBe(true);
    expect(log.body.data.length).toBeGreaterThan(0);
  });
});
