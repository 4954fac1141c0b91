import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { app } from "../../../src/app.ts";
import { hashApiKey, isWellFormedApiKey } from "../../../src/lib/api-key-format.ts";
import { setClock } from "../../../src/lib/clock.ts";
import { createCompany } from "../../helpers/factories.ts";
import { BASE, client } from "../../helpers/http.ts";
import { ids } from "../../helpers/items.ts";
import {
  auditRows,
  createApiKey,
  createUser,
  expectApiKeyShape,
  expectNoHash,
  keyRow,
  TEST_SECRET,
} from "../../helpers/keys.ts";

afterEach(() => setClock(null));

async function admin() {
  const co = await createCompany();
  return { co, api: client(co.apiKey) };
}

describe("POST /v1/api_keys", () => {
  it("creates a key for the caller's user with the user's role, and answers its secret once", async () => {
    const { co, api } = await admin();
    const created = await api.post("/v1/api_keys", { name: "Scanner" });
    expect(created.status).toBe(201);
    expectApiKeyShape(created.body, true);
    expect(created.body).toMatchObject({
      name: "Scanner",
      role: "admin",
      user_id: co.userId,
      last_used_at: null,
      expires_at: null,
      revoked_at: null,
    });
    const { secret } = created.body;
    expect(secret).toMatch(TEST_SECRET);
    expect(isWellFormedApiKey(secret)).toBe(true);
    expect(created.body.last4).toBe(secret.slice(-4));

    // Stored as its hash only.
    const row = await keyRow(created.body.id);
    expect(row).toMatchObject({ key_hash: await hashApiKey(secret), last4: secret.slice(-4), company_id: co.companyId });
    expect(Object.values(row!)).not.toContain(secret);

    // The secret works at once.
    const used = await client(secret).get("/v1/items");
    expect(used.status).toBe(200);
    expect(used.body.pagination.total).toBe(0);
  });

  it("never shows the secret again", async () => {
    const { api } = await admin();
    const created = await createApiKey(api, { name: "Once" });
    const { secret, ...withoutSecret } = created;

    const one = await api.get(`/v1/api_keys/${created.id}`);
    expect(one.status).toBe(200);
    expectApiKeyShape(one.body);
    expect(one.body).toEqual(withoutSecret);
    const list = await api.get("/v1/api_keys");
    expect(list.body.data).toContainEqual(expect.objectContaining({ id: created.id }));
    for (const response of [one, list]) {
      expect(JSON.stringify(response.body)).not.toContain(secret);
      expect(JSON.stringify(response.body)).not.toContain('"secret"');
    }
  });

  it("creates a key for another user of the company, at most with that user's role", async () => {
    const { api } = await admin();
    const member = await createUser(api, { role: "member" });
    const defaulted = await createApiKey(api, { name: "Member default", user_id: member.id });
    expect(defaulted).toMatchObject({ user_id: member.id, role: "member" });
    const lower = await createApiKey(api, { name: "Member read-only", user_id: member.id, role: "read_only" });
    expect(lower).toMatchObject({ user_id: member.id, role: "read_only" });

    // The key acts as its user, with its role.
    const created = await client(defaulted.secret).post("/v1/items", { name: "By member", sku: "MEMBER-1" });
    expect(created.status).toBe(201);
    expect((await client(lower.secret).post("/v1/items", { name: "No", sku: "RO-1" })).status).toBe(403);
    expect((await client(defaulted.secret).get("/v1/users")).status).toBe(403);
  });

  it("normalises expires_at to UTC and accepts null as never", async () => {
    const { api } = await admin();
    const expiring = await createApiKey(api, { expires_at: "2099-06-01T14:00:00+02:00" });
    expect(expiring.expires_at).toBe("2099-06-01T12:00:00.000Z");
    expect((await keyRow(expiring.id))!.expires_at).toBe("2099-06-01T12:00:00.000Z");
    const never = await createApiKey(api, { expires_at: null });
    expect(never.expires_at).toBeNull();
  });

  it("writes a create audit entry without the secret or the hash", async () => {
    const { co, api } = await admin();
    const created = await createApiKey(api, { name: "Audited" });
    const { secret, ...key } = created;
    const rows = await auditRows(created.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      action: "create",
      resource_type: "api_key",
      resource_id: created.id,
      user_id: co.userId,
      api_key_id: co.apiKeyId,
      created_at: created.created_at,
    });
    expect(rows[0]!.changes).toEqual(key);
    const text = JSON.stringify(rows);
    expect(text).not.toContain(secret);
    expect(text).not.toContain(await hashApiKey(secret));

    const log = await api.get("/v1/audit_log?action=create");
    expect(log.body.data).toContainEqual(expect.objectContaining({ resource_type: "api_key", resource_id: created.id, changes: key }));
    await expectNoHash(log, secret);
    expect(JSON.stringify(log.body)).not.toContain(secret);
  });

  it("makes sk_live_ keys where API_KEY_MODE is live (the deployed Worker)", async () => {
    const { co } = await admin();
    const ctx = createExecutionContext();
    const response = await app.fetch(
      new Request(`${BASE}/v1/api_keys`, {
        method: "POST",
        headers: { Authorization: `Bearer ${co.apiKey}`, "Content-Type": "application/json" },
        body: JSON.stringify({ name: "Live" }),
      }),
      { ...env, API_KEY_MODE: "live" },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(response.status).toBe(201);
    const body = (await response.json()) as { secret: string };
    expect(body.secret).toMatch(/^sk_live_[0-9A-Za-z]{38}$/);
    expect(isWellFormedApiKey(body.secret)).toBe(true);
    expect((await client(body.secret).get("/v1/items")).status).toBe(200);
  });
});

describe("GET /v1/api_keys", () => {
  it("lists every key of the company newest first, revoked ones included, with pagination", async () => {
    const { co, api } = await admin();
    const a = await createApiKey(api, { name: "A" });
    const b = await createApiKey(api, { name: "B" });
    expect((await api.delete(`/v1/api_keys/${a.id}`)).status).toBe(204);

    const all = await api.get("/v1/api_keys");
    expect(all.status).toBe(200);
    for (const key of all.body.data) expectApiKeyShape(key);
    expect(all.body.pagination).toEqual({ total: 3, limit: 50, offset: 0, has_more: false });
    expect(ids(all).at(-1)).toBe(co.apiKeyId);
    expect(new Set(ids(all).slice(0, 2))).toEqual(new Set([a.id, b.id]));
    expect(all.body.data.find((k: any) => k.id === a.id).revoked_at).not.toBeNull();
    const createdAt = all.body.data.map((k: any) => k.created_at);
    expect([...createdAt].sort().reverse()).toEqual(createdAt);

    const page = await api.get("/v1/api_keys?limit=1&offset=2");
    expect(ids(page)).toEqual([co.apiKeyId]);
    expect(page.body.pagination).toEqual({ total: 3, limit: 1, offset: 2, has_more: false });
  });
});

describe("DELETE /v1/api_keys/:id", () => {
  it("revokes the key: 204 with an empty body, revoked_at set, a delete audit entry", async () => {
    const { co, api } = await admin();
    const created = await createApiKey(api, { name: "Doomed", role: "member" });
    const { secret, ...key } = created;
    setClock(() => Date.parse("2031-03-01T10:00:00.000Z"));
    const revoked = await api.delete(`/v1/api_keys/${created.id}`);
    expect(revoked.status).toBe(204);
    expect(revoked.body).toBeNull();

    const after = await api.get(`/v1/api_keys/${created.id}`);
    expect(after.body).toEqual({ ...key, revoked_at: "2031-03-01T10:00:00.000Z" });

    const rows = await auditRows(created.id);
    expect(rows.map((r) => r.action)).toEqual(["create", "delete"]);
    expect(rows[1]).toMatchObject({ resource_type: "api_key", user_id: co.userId, api_key_id: co.apiKeyId });
    expect(rows[1]!.changes).toEqual(after.body);
    expect(JSON.stringify(rows)).not.toContain(secret);
  });

  it("revoking a revoked key changes nothing", async () => {
    const { api } = await admin();
    const created = await createApiKey(api);
    setClock(() => Date.parse("2031-03-01T10:00:00.000Z"));
    expect((await api.delete(`/v1/api_keys/${created.id}`)).status).toBe(204);
    setClock(() => Date.parse("2031-03-02T10:00:00.000Z"));
    const again = await api.delete(`/v1/api_keys/${created.id}`);
    expect(again.status).toBe(204);
    expect(again.body).toBeNull();
    expect((await keyRow(created.id))!.revoked_at).toBe("2031-03-01T10:00:00.000Z");
    expect((await auditRows(created.id)).map((r) => r.action)).toEqual(["create", "delete"]);
  });
});

describe("POST /v1/api_keys/:id/roll", () => {
  it("answers a new key with a new secret, same name, role, user and expiry; no body needed", async () => {
    const { api } = await admin();
    const member = await createUser(api, { role: "member" });
    const old = await createApiKey(api, { name: "Rolling", user_id: member.id, role: "read_only", expires_at: "2099-01-01T00:00:00Z" });
    const rolled = await api.post(`/v1/api_keys/${old.id}/roll`);
    expect(rolled.status).toBe(201);
    expectApiKeyShape(rolled.body, true);
    expect(rolled.body).toMatchObject({
      name: "Rolling",
      role: "read_only",
      user_id: member.id,
      expires_at: "2099-01-01T00:00:00.000Z",
      revoked_at: null,
      last_used_at: null,
    });
    expect(rolled.body.id).not.toBe(old.id);
    expect(rolled.body.secret).not.toBe(old.secret);
    expect(rolled.body.last4).toBe(rolled.body.secret.slice(-4));

    // The new secret is shown once: GET shows the key without it.
    const { secret, ...withoutSecret } = rolled.body;
    expect((await api.get(`/v1/api_keys/${rolled.body.id}`)).body).toEqual(withoutSecret);
    expect(JSON.stringify((await api.get("/v1/api_keys")).body)).not.toContain(secret);
  });

  it("accepts an empty JSON object and an explicit 0", async () => {
    const { api } = await admin();
    for (const body of [{}, { expires_in_hours: 0 }]) {
      const old = await createApiKey(api);
      const rolled = await api.post(`/v1/api_keys/${old.id}/roll`, body);
      expect(rolled.status).toBe(201);
      expect((await api.get(`/v1/api_keys/${old.id}`)).body.revoked_at).toBe(rolled.body.created_at);
    }
  });

  it("writes an update entry for the old key and a create entry for the new one, without secrets", async () => {
    const { co, api } = await admin();
    const old = await createApiKey(api, { name: "Audited roll" });
    setClock(() => Date.parse("2031-05-01T08:00:00.000Z"));
    const rolled = await api.post(`/v1/api_keys/${old.id}/roll`, { expires_in_hours: 24 });
    expect(rolled.status).toBe(201);

    const oldRows = await auditRows(old.id);
    expect(oldRows.map((r) => r.action)).toEqual(["create", "update"]);
    expect(oldRows[1]).toMatchObject({ resource_type: "api_key", user_id: co.userId, api_key_id: co.apiKeyId });
    expect(oldRows[1]!.changes).toEqual({ expires_at: { from: null, to: "2031-05-02T08:00:00.000Z" } });

    const newRows = await auditRows(rolled.body.id);
    expect(newRows).toHaveLength(1);
    const { secret, ...key } = rolled.body;
    expect(newRows[0]).toMatchObject({ action: "create", resource_type: "api_key", request_id: oldRows[1]!.request_id });
    expect(newRows[0]!.changes).toEqual(key);
    const text = JSON.stringify([...oldRows, ...newRows]);
    for (const plaintext of [secret, old.secret]) {
      expect(text).not.toContain(plaintext);
      expect(text).not.toContain(await hashApiKey(plaintext));
    }
  });

  it("records the revocation of the old key when there is no grace period", async () => {
    const { api } = await admin();
    const old = await createApiKey(api);
    setClock(() => Date.parse("2031-05-01T08:00:00.000Z"));
    expect((await api.post(`/v1/api_keys/${old.id}/roll`)).status).toBe(201);
    const rows = await auditRows(old.id);
    expect(rows[1]!.changes).toEqual({ revoked_at: { from: null, to: "2031-05-01T08:00:00.000Z" } });
  });

  it("never lets a grace period lengthen the old key's life", async () => {
    const { api } = await admin();
    setClock(() => Date.parse("2031-05-01T08:00:00.000Z"));
    const old = await createApiKey(api, { expires_at: "2031-05-01T10:00:00.000Z" });
    const rolled = await api.post(`/v1/api_keys/${old.id}/roll`, { expires_in_hours: 24 });
    expect(rolled.status).toBe(201);
    expect(rolled.body.expires_at).toBe("2031-05-01T10:00:00.000Z");
    expect((await keyRow(old.id))!.expires_at).toBe("2031-05-01T10:00:00.000Z");
  });
});
