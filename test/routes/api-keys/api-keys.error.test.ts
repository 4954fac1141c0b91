import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { newApiKey } from "../../../src/db/provisioning.ts";
import { DAY_MS, setClock } from "../../../src/lib/clock.ts";
import { createCompany, createKey, run, type TestCompany } from "../../helpers/factories.ts";
import { client, expectApiError } from "../../helpers/http.ts";
import { ids } from "../../helpers/items.ts";
import { auditRows, createApiKey, createUser, keyRow } from "../../helpers/keys.ts";

afterEach(() => setClock(null));

async function admin() {
  const co = await createCompany();
  return { co, api: client(co.apiKey) };
}

/** Inserts `count` working keys of the company's admin straight into D1. */
async function seedKeys(co: TestCompany, count: number, options: { expiresAt?: string; revokedAt?: string } = {}) {
  const keys = await Promise.all(
    Array.from({ length: count }, () =>
      newApiKey({ companyId: co.companyId, userId: co.userId, role: "member", mode: "test", ...options }),
    ),
  );
  await run(keys.map((key) => key.statement));
}

async function activeKeys(companyId: string): Promise<number> {
  const row = await env.DB.prepare(
    "SELECT count(*) AS n FROM api_keys WHERE company_id = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)",
  )
    .bind(companyId, new Date().toISOString())
    .first<{ n: number }>();
  return row!.n;
}

describe("validation of POST /v1/api_keys names the field", () => {
  it.each([
    ["name", {}],
    ["name", { name: "" }],
    ["name", { name: "x".repeat(101) }],
    ["name", { name: 7 }],
    ["role", { name: "k", role: "owner" }],
    ["user_id", { name: "k", user_id: "" }],
    ["expires_at", { name: "k", expires_at: "tomorrow" }],
    ["expires_at", { name: "k", expires_at: "2099-01-01" }],
    ["expires_at", { name: "k", expires_at: "2001-01-01T00:00:00Z" }],
    ["company_id", { name: "k", company_id: "co_other" }],
    ["key_hash", { name: "k", key_hash: "abc" }],
    ["secret", { name: "k", secret: "sk_test_chosen" }],
    ["revoked_at", { name: "k", revoked_at: null }],
  ])("%s: %j", async (field, body) => {
    const { api } = await admin();
    const result = await api.post("/v1/api_keys", body);
    expectApiError(result, 400, "invalid_request", field);
    expect((await api.get("/v1/api_keys")).body.pagination.total).toBe(1);
  });

  it("says that expires_at must be in the future, by the injected clock", async () => {
    const { api } = await admin();
    setClock(() => Date.parse("2040-01-01T00:00:00.000Z"));
    const past = await api.post("/v1/api_keys", { name: "k", expires_at: "2039-12-31T23:59:59Z" });
    expectApiError(past, 400, "invalid_request", "expires_at");
    expect(past.body.error.message).toBe("The 'expires_at' field must be in the future.");
    const now = await api.post("/v1/api_keys", { name: "k", expires_at: "2040-01-01T00:00:00Z" });
    expectApiError(now, 400, "invalid_request", "expires_at");
    expect((await api.post("/v1/api_keys", { name: "k", expires_at: "2040-01-01T00:00:01Z" })).status).toBe(201);
  });
});

describe("role and user of a new key", () => {
  it.each([
    ["member", "admin"],
    ["read_only", "member"],
    ["read_only", "admin"],
  ] as const)("refuses a key above its %s user's role (%s) with 400 naming role", async (userRole, keyRole) => {
    const { api } = await admin();
    const user = await createUser(api, { role: userRole });
    const result = await api.post("/v1/api_keys", { name: "Too high", user_id: user.id, role: keyRole });
    expectApiError(result, 400, "invalid_request", "role");
    expect(result.body.error.message).toContain(userRole);
    expect((await api.get("/v1/api_keys")).body.pagination.total).toBe(1);
  });

  it("answers 404 naming user_id for an unknown user or another company's user", async () => {
    const { api } = await admin();
    const other = await createCompany();
    for (const userId of [other.userId, "user_000000000000000000000000"]) {
      const result = await api.post("/v1/api_keys", { name: "Stray", user_id: userId });
      expectApiError(result, 404, "not_found", "user_id");
    }
    expect((await client(other.apiKey).get("/v1/api_keys")).body.pagination.total).toBe(1);
    expect((await api.get("/v1/api_keys")).body.pagination.total).toBe(1);
  });
});

describe("validation of POST /v1/api_keys/:id/roll names the field", () => {
  it.each([
    ["expires_in_hours", { expires_in_hours: -1 }],
    ["expires_in_hours", { expires_in_hours: 1.5 }],
    ["expires_in_hours", { expires_in_hours: 169 }],
    ["expires_in_hours", { expires_in_hours: "24" }],
    ["grace", { grace: 1 }],
  ])("%s: %j", async (field, body) => {
    const { api } = await admin();
    const key = await createApiKey(api);
    expectApiError(await api.post(`/v1/api_keys/${key.id}/roll`, body), 400, "invalid_request", field);
    expect((await keyRow(key.id))!.revoked_at).toBeNull();
    expect((await api.get("/v1/api_keys")).body.pagination.total).toBe(2);
  });
});

describe("the last working admin key", () => {
  it("cannot be revoked (409 invalid_state), by itself or by another admin key", async () => {
    const { co, api } = await admin();
    const refused = await api.delete(`/v1/api_keys/${co.apiKeyId}`);
    expectApiError(refused, 409, "invalid_state");
    expect(refused.body.error.message).toContain("last working admin key");
    expect((await keyRow(co.apiKeyId))!.revoked_at).toBeNull();
    expect(await auditRows(co.apiKeyId)).toEqual([]);
    expect((await api.get("/v1/items")).status).toBe(200);
  });

  it("can be revoked once another admin key works, and then the other one cannot", async () => {
    const { co, api } = await admin();
    const second = await createApiKey(api, { name: "Second admin" });
    expect((await api.delete(`/v1/api_keys/${co.apiKeyId}`)).status).toBe(204);
    expectApiError(await api.get("/v1/items"), 401, "invalid_api_key");

    const secondApi = client(second.secret);
    expectApiError(await secondApi.delete(`/v1/api_keys/${second.id}`), 409, "invalid_state");
    expect((await secondApi.get(`/v1/api_keys/${second.id}`)).body.revoked_at).toBeNull();
  });

  it("counts neither member keys nor revoked or expired admin keys as working admin keys", async () => {
    const { co, api } = await admin();
    await createApiKey(api, { role: "member" });
    await createKey(co, { role: "admin", revokedAt: new Date(Date.now() - 1000).toISOString() });
    const soon = await createApiKey(api, { name: "Expiring admin", expires_at: new Date(Date.now() + DAY_MS).toISOString() });
    // While the expiring admin key works, the first may go; not once it has expired.
    setClock(() => Date.now() + 2 * DAY_MS);
    expectApiError(await api.delete(`/v1/api_keys/${co.apiKeyId}`), 409, "invalid_state");
    setClock(null);
    expect((await api.delete(`/v1/api_keys/${co.apiKeyId}`)).status).toBe(204);
    expect((await keyRow(soon.id))!.revoked_at).toBeNull();
  });

  it("lets an expired admin key be revoked", async () => {
    const { co, api } = await admin();
    const expiring = await createApiKey(api, { expires_at: new Date(Date.now() + 1000).toISOString() });
    setClock(() => Date.now() + 5000);
    expect((await api.delete(`/v1/api_keys/${expiring.id}`)).status).toBe(204);
    expect((await keyRow(co.apiKeyId))!.revoked_at).toBeNull();
  });

  it("survives two admins revoking each other at the same time: exactly one succeeds", async () => {
    for (let round = 0; round < 3; round++) {
      const { co, api } = await admin();
      const second = await createApiKey(api, { name: "Second admin" });
      const [first, other] = await Promise.all([
        api.delete(`/v1/api_keys/${second.id}`),
        client(second.secret).delete(`/v1/api_keys/${co.apiKeyId}`),
      ]);
      expect([first.status, other.status].sort()).toEqual([204, 409]);
      const rows = await Promise.all([keyRow(co.apiKeyId), keyRow(second.id)]);
      expect(rows.filter((row) => row!.revoked_at === null)).toHaveLength(1);
    }
  });

  it("may be rolled: the new key replaces it", async () => {
    const { co, api } = await admin();
    const rolled = await api.post(`/v1/api_keys/${co.apiKeyId}/roll`);
    expect(rolled.status).toBe(201);
    expect(rolled.body.role).toBe("admin");
    expectApiError(await api.get("/v1/items"), 401, "invalid_api_key");
    expect((await client(rolled.body.secret).get("/v1/api_keys")).status).toBe(200);
  });
});

describe("at most 50 active keys per company", () => {
  it("refuses the 51st with 409 invalid_state and takes one again after a revocation", async () => {
    const { co, api } = await admin();
    await seedKeys(co, 48);
    const fiftieth = await createApiKey(api, { name: "Fiftieth" });
    expect(await activeKeys(co.companyId)).toBe(50);

    const refused = await api.post("/v1/api_keys", { name: "Fifty-first" });
    expectApiError(refused, 409, "invalid_state");
    expect(refused.body.error.message).toContain("50");
    expect(await activeKeys(co.companyId)).toBe(50);
    expect(ids(await api.get("/v1/api_keys?limit=100"))).toHaveLength(50);

    expect((await api.delete(`/v1/api_keys/${fiftieth.id}`)).status).toBe(204);
    expect((await api.post("/v1/api_keys", { name: "Fifty-first" })).status).toBe(201);
  });

  it("does not count revoked and expired keys", async () => {
    const { co, api } = await admin();
    await seedKeys(co, 49);
    await seedKeys(co, 5, { revokedAt: new Date(Date.now() - 1000).toISOString() });
    await seedKeys(co, 5, { expiresAt: new Date(Date.now() - 1000).toISOString() });
    expectApiError(await api.post("/v1/api_keys", { name: "Over" }), 409, "invalid_state");
    expect(await activeKeys(co.companyId)).toBe(50);
  });

  it("holds under concurrent creation", async () => {
    const { co, api } = await admin();
    await seedKeys(co, 45);
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => api.post("/v1/api_keys", { name: `Race ${i}` })));
    expect(results.filter((r) => r.status === 201)).toHaveLength(4);
    for (const refused of results.filter((r) => r.status !== 201)) expectApiError(refused, 409, "invalid_state");
    expect(await activeKeys(co.companyId)).toBe(50);
  });

  it("lets a key at the limit be rolled without a grace period, but not with one", async () => {
    const { co, api } = await admin();
    await seedKeys(co, 48);
    const key = await createApiKey(api);
    expectApiError(await api.post(`/v1/api_keys/${key.id}/roll`, { expires_in_hours: 1 }), 409, "invalid_state");
    expect((await keyRow(key.id))!.expires_at).toBeNull();
    expect(await auditRows(key.id)).toHaveLength(1);
    const rolled = await api.post(`/v1/api_keys/${key.id}/roll`);
    expect(rolled.status).toBe(201);
    expect(await activeKeys(co.companyId)).toBe(50);
  });
});

describe("rolling a key that does not work", () => {
  it("answers 409 invalid_state for a revoked or an expired key and creates nothing", async () => {
    const { api } = await admin();
    const revoked = await createApiKey(api);
    expect((await api.delete(`/v1/api_keys/${revoked.id}`)).status).toBe(204);
    const expiring = await createApiKey(api, { expires_at: new Date(Date.now() + 1000).toISOString() });
    setClock(() => Date.now() + 5000);
    for (const [key, state] of [[revoked, "revoked"], [expiring, "expired"]] as const) {
      const result = await api.post(`/v1/api_keys/${key.id}/roll`);
      expectApiError(result, 409, "invalid_state");
      expect(result.body.error.message).toContain(state);
    }
    expect((await api.get("/v1/api_keys")).body.pagination.total).toBe(3);
  });

  it("lets only one of two concurrent rolls of the same key through", async () => {
    const { api } = await admin();
    const key = await createApiKey(api);
    const results = await Promise.all([api.post(`/v1/api_keys/${key.id}/roll`), api.post(`/v1/api_keys/${key.id}/roll`)]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
    expect((await api.get("/v1/api_keys")).body.pagination.total).toBe(3);
  });
});
