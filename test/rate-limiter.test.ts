import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";

const T = Date.parse("2026-03-10T12:34:20Z");
const MINUTE_END = Date.parse("2026-03-10T12:35:00Z");
const DAY_END = Date.parse("2026-03-11T00:00:00Z");
let n = 0;
const limiter = () => env.RATE_LIMITER.getByName(`test-${++n}`);

describe("RateLimiter", () => {
  it("lets exactly perMinute requests through in a clock minute, then refuses, then resets", async () => {
    const stub = limiter();
    const limits = { perMinute: 60, perDay: 10_000 };
    for (let i = 1; i <= 60; i++) {
      const decision = await stub.hit(T + i * 100, limits);
      expect(decision.allowed).toBe(true);
      expect(decision.minute).toEqual({ limit: 60, remaining: 60 - i, resetAt: MINUTE_END });
    }
    const refused = await stub.hit(MINUTE_END - 1, limits);
    expect(refused).toMatchObject({ allowed: false, exceeded: "minute" });
    expect(refused.minute).toEqual({ limit: 60, remaining: 0, resetAt: MINUTE_END });
    expect(refused.day).toEqual({ limit: 10_000, remaining: 10_000 - 60, resetAt: DAY_END });

    const next = await stub.hit(MINUTE_END, limits);
    expect(next.allowed).toBe(true);
    expect(next.minute).toEqual({ limit: 60, remaining: 59, resetAt: MINUTE_END + 60_000 });
    expect(next.day.remaining).toBe(10_000 - 61);
  });

  it("refuses over the day quota until 00:00 UTC, and refused requests do not count", async () => {
    const stub = limiter();
    const limits = { perMinute: 100, perDay: 3 };
    for (let i = 0; i < 3; i++) expect((await stub.hit(T + i * 60_000, limits)).allowed).toBe(true);
    const refused = await stub.hit(T + 10 * 60_000, limits);
    expect(refused).toMatchObject({ allowed: false, exceeded: "day" });
    expect(refused.day).toEqual({ limit: 3, remaining: 0, resetAt: DAY_END });
    expect((await stub.hit(DAY_END - 1, limits)).exceeded).toBe("day");
    const tomorrow = await stub.hit(DAY_END, limits);
    expect(tomorrow.allowed).toBe(true);
    expect(tomorrow.day).toEqual({ limit: 3, remaining: 2, resetAt: DAY_END + 86_400_000 });
  });

  it("has no day window when the day is unlimited", async () => {
    const decision = await limiter().hit(T, { perMinute: 1_000, perDay: null });
    expect(decision.day).toEqual({ limit: null, remaining: null, resetAt: DAY_END });
  });

  it("keeps its counts when the object is evicted and started again", async () => {
    const stub = limiter();
    const limits = { perMinute: 10, perDay: 100 };
    for (let i = 0; i < 7; i++) await stub.hit(T, limits);
    await evictDurableObject(stub);
    const after = await stub.hit(T + 1, limits);
    expect(after.minute.remaining).toBe(2);
    expect(after.day.remaining).toBe(92);
    const stored = await runInDurableObject(stub, (_instance, state) => state.storage.kv.get("counts"));
    expect(stored).toMatchObject({ minuteCount: 8, dayCount: 8 });
  });

  it("counts exactly under 100 concurrent calls", async () => {
    const stub = limiter();
    const decisions = await Promise.all(
      Array.from({ length: 100 }, () => stub.hit(T, { perMinute: 60, perDay: 10_000 })),
    );
    expect(decisions.filter((d) => d.allowed)).toHaveLength(60);
    expect(decisions.filter((d) => d.exceeded === "minute")).toHaveLength(40);
  });
});
