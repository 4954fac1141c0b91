// Invitations through the API: POST /v1/users answers a one-time invitation_url (7 days) and
// POST /v1/users/:id/invitation makes a new one; links point at the request's origin; replays
// and logs never hold them.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../../src/lib/sha256.ts";
import { createCompany, createKey } from "../../helpers/factories.ts";
import { callJson, client, expectApiError } from "../../helpers/http.ts";
import { uniqueEmail } from "../../helpers/keys.ts";
import { Browser } from "../../helpers/dashboard.ts";

const LINK = /^https:\/\/api\.test\/dashboard\/set-password\/([0-9A-Za-z]{43})$/;
const WEEK_MS = 7 * 24 * 3600 * 1000;

async function storedTokens(userId: string) {
  const { results } = await env.DB.prepare("SELECT token_hash, purpose, created_at, expires_at, used_at FROM password_tokens WHERE user_id = ? ORDER BY created_at")
    .bind(userId)
    .all<{ token_hash: string; purpose: string; created_at: string; expires_at: string; used_at: string | null }>();
  return results;
}

describe("POST /v1/users", () => {
  it("answers an invitation_url valid 7 days, stored only as its SHA-256", async () => {
    const co = await createCompany();
    const created = await client(co.apiKey).post("/v1/users", { name: "Ada", email: uniqueEmail("ada"), role: "member" });
    expect(created.status).toBe(201);
    const token = LINK.exec(created.body.invitation_url)![1]!;
    const [stored] = await storedTokens(created.body.id);
    expect(stored).toEqual({
      token_hash: await sha256Hex(token),
      purpose: "invitation",
      created_at: expect.any(String),
      expires_at: created.body.invitation_expires_at,
      used_at: null,
    });
    expect(Date.parse(stored!.expires_at) - Date.parse(stored!.created_at)).toBe(WEEK_MS);
    expect(Math.abs(Date.parse(stored!.created_at) - Date.parse(created.body.created_at))).toBeLessThan(1000);
    // Only the create answer shows it.
    expect(JSON.stringify((await client(co.apiKey).get(`/v1/users/${created.body.id}`)).body)).not.toContain(token);
    expect(JSON.stringify((await client(co.apiKey).get(`/v1/audit_log?resource_type=user`)).body)).not.toContain(token);
  });

  it("a replay with the same Idempotency-Key answers invitation_url null, and the stored answer holds no link", async () => {
    const co = await createCompany();
    const body = { name: "Ada", email: uniqueEmail("ada"), role: "member" };
    const headers = { "Idempotency-Key": "invite-ada" };
    const first = await callJson("POST", "/v1/users", { key: co.apiKey, body, headers });
    const again = await callJson("POST", "/v1/users", { key: co.apiKey, body, headers });
    expect(first.body.invitation_url).toMatch(LINK);
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
    expect(again.body).toEqual({ ...first.body, invitation_url: null });
    const row = await env.DB.prepare("SELECT response_body FROM idempotency_keys WHERE company_id = ? AND key = ?").bind(co.companyId, "invite-ada").first<{ response_body: string }>();
    expect(row!.response_body).not.toContain("set-password");
  });
});

describe("POST /v1/users/:id/invitation", () => {
  it("makes a new one-time link at the request's origin; the old one keeps working until used", async () => {
    const co = await createCompany();
    const api = client(co.apiKey);
    const user = (await api.post("/v1/users", { name: "Bo", email: uniqueEmail("bo"), role: "read_only" })).body;
    const again = await api.post(`/v1/users/${user.id}/invitation`);
    expect(again.status).toBe(201);
    expect(again.body).toEqual({ user_id: user.id, invitation_url: expect.stringMatching(LINK), expires_at: expect.any(String) });
    expect(again.body.invitation_url).not.toBe(user.invitation_url);
    expect(await storedTokens(user.id)).toHaveLength(2);

    const path = new URL(again.body.invitation_url).pathname;
    const form = { password: "bo's new password", confirm: "bo's new password" };
    expect((await new Browser().post(path, form)).status).toBe(303);
    expect((await new Browser().post(path, form)).status).toBe(404);
    expect((await new Browser().get(new URL(user.invitation_url).pathname)).status).toBe(200);
  });

  it("answers 404 for another company's user or an unknown id, and makes nothing", async () => {
    const co = await createCompany();
    const other = await createCompany();
    for (const id of [other.userId, "user_nope"]) {
      expectApiError(await client(co.apiKey).post(`/v1/users/${id}/invitation`), 404, "not_found", "id");
    }
    expect(await storedTokens(other.userId)).toHaveLength(1);
  });

  it("is for admin keys only", async () => {
    const co = await createCompany();
    for (const role of ["member", "read_only"] as const) {
      const key = await createKey(co, { role });
      expectApiError(await client(key).post(`/v1/users/${co.userId}/invitation`), 403, "permission_denied");
    }
    expect(await storedTokens(co.userId)).toHaveLength(1);
  });
});
