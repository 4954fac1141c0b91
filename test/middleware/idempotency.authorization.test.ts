// Authorization comes before any idempotent replay, and refusals (401, 403, 429) are never stored:
// they say nothing ran, so a stored copy would answer a caller who may, or after a limit reset.
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { DAY_MS, setClock } from "../../src/lib/clock.ts";
import { createCompany, createKey, type TestCompany } from "../helpers/factories.ts";
import { callJson, expectApiError } from "../helpers/http.ts";
import { at } from "../helpers/items.ts";
import { uniqueEmail } from "../helpers/keys.ts";

afterEach(() => setClock(null));

const post = (key: string, path: string, body: unknown, idempotencyKey: string) =>
  callJson("POST", path, { key, body, headers: { "Idempotency-Key": idempotencyKey } });

async function storedStatus(co: TestCompany, idempotencyKey: string) {
  const row = await env.DB.prepare("SELECT response_status FROM idempotency_keys WHERE company_id = ? AND key = ?")
    .bind(co.companyId, idempotencyKey)
    .first<{ response_status: number | null }>();
  return row?.response_status;
}

const adminOnly = [
  { path: "/v1/users", body: () => ({ name: "Ada", email: uniqueEmail("ada"), role: "member" }) },
  { path: "/v1/api_keys", body: () => ({ name: "Deploy key", role: "read_only" }) },
];

describe.each(adminOnly)("POST $path replayed to a caller of another role", ({ path, body }) => {
  for (const role of ["member", "read_only"] as const) {
    it(`a ${role} key sending the admin's Idempotency-Key and body gets 403, never the admin's answer`, async () => {
      const co = await createCompany();
      const other = await createKey(co, { role });
      const request = body();

      const first = await post(co.apiKey, path, request, "admin-request");
      expect(first.status).toBe(201);

      const replayAttempt = await post(other, path, request, "admin-request");
      expectApiError(replayAttempt, 403, "permission_denied");
      expect(replayAttempt.headers.get("Idempotent-Replayed")).toBeNull();
      expect(JSON.stringify(replayAttempt.body)).not.toContain(first.body.id);
      // The admin's stored answer is untouched.
      expect(await storedStatus(co, "admin-request")).toBe(201);
    });

    it(`a ${role} key's 403 is not stored: the admin's later identical request runs`, async () => {
      const co = await createCompany();
      const other = await createKey(co, { role });
      const request = body();

      const refused = await post(other, path, request, "member-first");
      expectApiError(refused, 403, "permission_denied");
      expect(await storedStatus(co, "member-first")).toBeUndefined();

      const admin = await post(co.apiKey, path, request, "member-first");
      expect(admin.status).toBe(201);
      expect(admin.headers.get("Idempotent-Replayed")).toBeNull();
      expect(admin.body.id).toMatch(/^(user|key)_/);
    });
  }
});

describe("a plan-limited 429", () => {
  it("is not stored: the retry after the limit reset runs, and before it answers a fresh 429 with Retry-After", async () => {
    const day1 = at("2025-06-10T12:00:00.000Z");
    setClock(() => day1);
    const co = await createCompany("starter");
    expect((await post(co.apiKey, "/v1/snapshots", {}, "first-snapshot")).status).toBe(201);

    const limited = await post(co.apiKey, "/v1/snapshots", { note: "second" }, "second-snapshot");
    expectApiError(limited, 429, "plan_limit_exceeded");
    expect(limited.headers.get("Retry-After")).toBe(String(12 * 60 * 60));
    expect(await storedStatus(co, "second-snapshot")).toBeUndefined();

    const retried = await post(co.apiKey, "/v1/snapshots", { note: "second" }, "second-snapshot");
    expectApiError(retried, 429, "plan_limit_exceeded");
    expect(retried.headers.get("Idempotent-Replayed")).toBeNull();
    expect(retried.headers.get("Retry-After")).toBe(String(12 * 60 * 60));

    setClock(() => day1 + DAY_MS);
    const nextDay = await post(co.apiKey, "/v1/snapshots", { note: "second" }, "second-snapshot");
    expect(nextDay.status).toBe(201);
    expect(nextDay.body.note).toBe("second");
    expect(await storedStatus(co, "second-snapshot")).toBe(201);
  });
});
