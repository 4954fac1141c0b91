import {
  createExecutionContext,
  env,
  evictDurableObject,
  runDurableObjectAlarm,
  runInDurableObject,
  waitOnExecutionContext,
} from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { app } from "../../src/app.ts";
import { setPlanStatement } from "../../src/db/provisioning.ts";
import { setClock } from "../../src/lib/clock.ts";
import { createCompany, createKey, run } from "../helpers/factories.ts";
import { BASE, callJson } from "../helpers/http.ts";

// 12:34:20 UTC: 40 s left in the minute, and 41,140 s to midnight.
const T = Date.parse("2026-03-10T12:34:20Z");
const MINUTE_RESET = Date.parse("2026-03-10T12:35:00Z") / 1000;
const at = (ms: number) => setClock(() => ms);

afterEach(() => setClock(null));

const get = (key: string, path = "/v1/items", headers: Record<string, string> = {}) =>
  callJson("GET", path, { key, headers });

async function keyIdOf(companyId: string): Promise<string> {
  const row = await env.DB.prepare("SELECT id FROM api_keys WHERE company_id = ? ORDER BY created_at LIMIT 1")
    .bind(companyId)
    .first<{ id: string }>();
  return row!.id;
}

describe("per-key rate limits", () => {
  it("lets the 60th request of a minute through, refuses the 61st, and lets the next minute in", async () => {
    const co = await createCompany("starter");
    at(T);
    for (let i = 1; i <= 60; i++) {
      const ok = await get(co.apiKey);
      expect(ok.status).toBe(200);
      expect(ok.headers.get("X-RateLimit-Limit")).toBe("60");
      expect(ok.headers.get("X-RateLimit-Remaining")).toBe(String(60 - i));
      expect(ok.headers.get("X-RateLimit-Reset")).toBe(String(MINUTE_RESET));
    }
    const refused = await get(co.apiKey);
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatchObject({ code: "rate_limit_exceeded", field: null });
    expect(refused.headers.get("Retry-After")).toBe("40");
    expect(refused.headers.get("X-RateLimit-Remaining")).toBe("0");
    expect(refused.headers.get("RateLimit-Policy")).toBe('"minute";q=60;w=60, "day";q=10000;w=86400');
    expect(refused.headers.get("RateLimit")).toBe('"minute";r=0;t=40');

    at(MINUTE_RESET * 1000);
    const next = await get(co.apiKey);
    expect(next.status).toBe(200);
    expect(next.headers.get("X-RateLimit-Remaining")).toBe("59");
    expect(next.headers.get("X-RateLimit-Reset")).toBe(String(MINUTE_RESET + 60));
  });

  it("refuses over the day quota with Retry-After pointing at 00:00 UTC, and lets the next day in", async () => {
    const co = await createCompany("starter");
    at(T);
    await get(co.apiKey);
    // Spend the rest of today's 10,000 without sending them all.
    const stub = env.RATE_LIMITER.getByName(await keyIdOf(co.companyId));
    // The key's first count is written behind the answer (unconfirmed), with no alarm.
    expect(await runDurableObjectAlarm(stub)).toBe(false);
    await runInDurableObject(stub, (_instance, state) => {
      const counts = state.storage.kv.get<{ dayCount: number }>("counts")!;
      state.storage.kv.put("counts", { ...counts, dayCount: 10_000 });
    });
    await evictDurableObject(stub);

    at(T + 60_000);
    const refused = await get(co.apiKey);
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe("daily_quota_exceeded");
    const midnight = Date.parse("2026-03-11T00:00:00Z");
    expect(refused.headers.get("Retry-After")).toBe(String((midnight - (T + 60_000)) / 1000));

    at(midnight);
    const tomorrow = await get(co.apiKey);
    expect(tomorrow.status).toBe(200);
  });

  it("keeps the minute's and the day's counts through an eviction once the second's write has run", async () => {
    const co = await createCompany("starter");
    at(T);
    for (let i = 1; i <= 10; i++) expect((await get(co.apiKey)).status).toBe(200);
    const stub = env.RATE_LIMITER.getByName(await keyIdOf(co.companyId));
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    await evictDurableObject(stub);
    at(T + 1_000);
    const after = await get(co.apiKey);
    expect(after.status).toBe(200);
    expect(after.headers.get("X-RateLimit-Remaining")).toBe("49");
    expect(after.headers.get("RateLimit-Policy")).toBe('"minute";q=60;w=60, "day";q=10000;w=86400');
  });

  it("gives Enterprise an unlimited day and no day policy", async () => {
    const co = await createCompany("enterprise");
    at(T);
    const ok = await get(co.apiKey);
    expect(ok.headers.get("X-RateLimit-Limit")).toBe("1000");
    expect(ok.headers.get("RateLimit-Policy")).toBe('"minute";q=1000;w=60');
    expect(ok.headers.get("RateLimit")).toBe('"minute";r=999;t=40');
  });

  it("gives two keys of one company independent budgets", async () => {
    const co = await createCompany("starter");
    const second = await createKey(co);
    at(T);
    for (let i = 0; i < 60; i++) await get(co.apiKey);
    expect((await get(co.apiKey)).status).toBe(429);
    const other = await get(second);
    expect(other.status).toBe(200);
    expect(other.headers.get("X-RateLimit-Remaining")).toBe("59");
  });

  it("sends the headers on 404 and 400 answers too", async () => {
    const co = await createCompany("professional");
    at(T);
    const missing = await get(co.apiKey, "/v1/items/item_missing");
    expect(missing.status).toBe(404);
    expect(missing.headers.get("X-RateLimit-Remaining")).toBe("299");
    const invalid = await get(co.apiKey, "/v1/items?limit=0");
    expect(invalid.status).toBe(400);
    expect(invalid.headers.get("X-RateLimit-Remaining")).toBe("298");
    expect(invalid.headers.get("RateLimit")).toBe('"minute";r=298;t=40');
    const readOnly = await createKey(co, { role: "read_only" });
    const denied = await callJson("POST", "/v1/items", { key: readOnly, body: { name: "x", sku: "x" } });
    expect(denied.status).toBe(403);
    expect(denied.headers.get("X-RateLimit-Remaining")).toBe("299");
  });

  it("lets exactly 60 of 100 concurrent requests through", async () => {
    const co = await createCompany("starter");
    at(T);
    const results = await Promise.all(Array.from({ length: 100 }, () => get(co.apiKey)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(60);
    const refused = results.filter((r) => r.status === 429);
    expect(refused).toHaveLength(40);
    for (const r of refused) expect(r.body.error.code).toBe("rate_limit_exceeded");
  });

  it("applies a plan change from the next request", async () => {
    const co = await createCompany("starter");
    at(T);
    expect((await get(co.apiKey)).headers.get("X-RateLimit-Limit")).toBe("60");
    await run([setPlanStatement(co.companyId, "enterprise")]);
    // Authentication is cached for at most a second; the clock moves on like real requests do.
    at(T + 1_000);
    const after = await get(co.apiKey);
    expect(after.headers.get("X-RateLimit-Limit")).toBe("1000");
    expect(after.headers.get("X-RateLimit-Remaining")).toBe("998");
  });

  it("does no D1 work for a refused request", async () => {
    const co = await createCompany("starter");
    at(T);
    for (let i = 0; i < 60; i++) await get(co.apiKey);
    const response = await app.request(
      `${BASE}/v1/items`,
      { method: "POST", headers: { Authorization: `Bearer ${co.apiKey}`, "Content-Type": "application/json" }, body: JSON.stringify({ name: "x", sku: "x" }) },
      { ...env, DB: undefined as unknown as D1Database },
    );
    expect(response.status).toBe(429);
  }, 20_000);
});

describe("failed authentication per client address", () => {
  const attempt = (ip: string) =>
    callJson("GET", "/v1/items", { key: "sk_test_notarealkeynotarealkeynotarealk0000", headers: { "CF-Connecting-IP": ip } });

  it("answers 401 thirty times a minute, then 429 until the minute ends", async () => {
    at(T);
    for (let i = 0; i < 30; i++) expect((await attempt("203.0.113.7")).status).toBe(401);
    const limited = await attempt("203.0.113.7");
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe("rate_limit_exceeded");
    expect(limited.headers.get("Retry-After")).toBe("40");
    expect((await attempt("203.0.113.8")).status).toBe(401);
    at(MINUTE_RESET * 1000);
    expect((await attempt("203.0.113.7")).status).toBe(401);
  });
});

describe("fail open", () => {
  it("serves the request without rate-limit headers and logs when the Durable Object fails", async () => {
    const co = await createCompany("starter");
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const broken = {
      getByName: () => ({
        hit: () => Promise.reject(new Error("Durable Object unreachable")),
      }),
    } as unknown as Env["RATE_LIMITER"];
    const ctx = createExecutionContext();
    const response = await app.fetch(
      new Request(`${BASE}/v1/items`, { headers: { Authorization: `Bearer ${co.apiKey}` } }),
      { ...env, RATE_LIMITER: broken },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(response.status).toBe(200);
    expect(response.headers.get("X-RateLimit-Limit")).toBeNull();
    expect(log).toHaveBeenCalledWith(expect.stringContaining("rate_limiter_unavailable"));
    log.mockRestore();
  });
});

describe("rolled keys", () => {
  async function rollKey(key: string, id: string, expiresInHours = 0): Promise<{ secret: string; id: string }> {
    const rolled = await callJson("POST", `/v1/api_keys/${id}/roll`, { key, body: { expires_in_hours: expiresInHours } });
    expect(rolled.status, JSON.stringify(rolled.body)).toBe(201);
    return rolled.body;
  }

  it("continue their predecessor's counts, through two rolls: rolling does not reset the quota", async () => {
    const co = await createCompany("starter");
    at(T);
    for (let i = 1; i <= 29; i++) expect((await get(co.apiKey)).status).toBe(200);
    // The 30th request of the minute is the roll itself.
    const second = await rollKey(co.apiKey, co.apiKeyId);
    const afterRoll = await get(second.secret);
    expect(afterRoll.status).toBe(200);
    expect(afterRoll.headers.get("X-RateLimit-Remaining")).toBe(String(60 - 31));

    expect((await callJson("GET", "/v1/api_keys", { key: second.secret })).status).toBe(200);
    // That list was the 32nd; the second roll the 33rd.
    const third = (await rollKey(second.secret, second.id)).secret;
    for (let i = 34; i <= 60; i++) expect((await get(third)).status).toBe(200);
    const refused = await get(third);
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe("rate_limit_exceeded");
    expect(refused.headers.get("Retry-After")).toBe("40");
  }, 20_000);

  it("share one count with the old key during the grace period", async () => {
    const co = await createCompany("starter");
    at(T);
    const rolled = (await rollKey(co.apiKey, co.apiKeyId, 1)).secret;
    for (let i = 2; i <= 60; i++) {
      const key = i % 2 === 0 ? co.apiKey : rolled;
      const ok = await get(key);
      expect(ok.status).toBe(200);
      expect(ok.headers.get("X-RateLimit-Remaining")).toBe(String(60 - i));
    }
    expect((await get(co.apiKey)).status).toBe(429);
    expect((await get(rolled)).status).toBe(429);
  }, 20_000);

  it("a key created (not rolled) counts on its own", async () => {
    const co = await createCompany("starter");
    at(T);
    for (let i = 1; i <= 60; i++) await get(co.apiKey);
    expect((await get(co.apiKey)).status).toBe(429);
    const other = await createKey(co);
    const fresh = await get(other);
    expect(fresh.status).toBe(200);
    expect(fresh.headers.get("X-RateLimit-Remaining")).toBe("59");
  }, 20_000);
});
