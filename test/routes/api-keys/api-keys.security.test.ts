import { afterEach, describe, expect, it } from "vitest";
import { hashApiKey } from "../../../src/lib/api-key-format.ts";
import { setClock } from "../../../src/lib/clock.ts";
import { createCompany, type TestCompany } from "../../helpers/factories.ts";
import { client, expectApiError } from "../../helpers/http.ts";
import { ids } from "../../helpers/items.ts";
import { createApiKey, createUser, expectApiKeyShape, expectNoHash, type ApiKey } from "../../helpers/keys.ts";
import { runCommonRouteTests, type Fixture } from "../../helpers/security.ts";

const T = Date.parse("2031-09-01T12:00:00.000Z");
const HOUR = 60 * 60 * 1000;
const MISSING = "key_Zz9Zz9Zz9Zz9Zz9Zz9Zz9Zz9";

afterEach(() => setClock(null));

/** Freezes the injected clock, so that the 1 s key cache cannot expire on its own mid-test. */
const at = (ms: number) => setClock(() => ms);

type KeyFixture = Fixture & { object: ApiKey; secret: string };

/** A member key made through the API, with the company's admin key. */
async function targetKey(company: TestCompany): Promise<KeyFixture> {
  const { secret, ...key } = await createApiKey(client(company.apiKey), { name: "Target", role: "member" });
  // Using the key (as expectIntact does) sets last_used_at.
  const object = { ...key, last_used_at: expect.toBeOneOf([null, expect.any(String)]) };
  return { id: key.id, object, secret };
}

// API keys are managed by admin keys only: member and read_only keys get 403 on every route.
runCommonRouteTests<KeyFixture>({
  name: "api_keys",
  adminOnly: true,
  missingId: MISSING,
  create: targetKey,
  // The key still authenticates.
  expectIntact: async (key) => expect((await client(key.secret).get("/v1/items")).status).toBe(200),
  routes: [
    { method: "GET", path: "/v1/api_keys", status: 200 },
    {
      method: "POST",
      path: "/v1/api_keys",
      body: () => ({ name: "Nope" }),
      status: 201,
      expectSuccess: (answer) => expectApiKeyShape(answer.body, true),
    },
    { method: "GET", path: "/v1/api_keys/:id", status: 200 },
    {
      method: "DELETE",
      path: "/v1/api_keys/:id",
      status: 204,
      expectSuccess: async (_, key) => expectApiError(await client(key.secret).get("/v1/items"), 401, "invalid_api_key"),
    },
    {
      method: "POST",
      path: "/v1/api_keys/:id/roll",
      body: () => ({ expires_in_hours: 1 }),
      status: 201,
      expectSuccess: (answer, key) => {
        expectApiKeyShape(answer.body, true);
        expect(answer.body.id).not.toBe(key.id);
      },
    },
  ],
});

describe("another company's keys", () => {
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
    expect(log.body.data.map((entry: any) => [entry.action, entry.user_id, entry.api_key_id])).toEqual([
      ["create", user.id, key.id],
    ]);
  });
});
