import { env, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { FLUSH_MS } from "../src/rate-limiter.ts";

const T = Date.parse("2026-03-10T12:34:20Z");
const MINUTE_END = Date.parse("2026-03-10T12:35:00Z");
const DAY_END = Date.parse("2026-03-11T00:00:00Z");
let n = 0;
const limiter = () => env.RATE_LIMITER.getByName(`test-${++n}`);
type Stub = ReturnType<typeof limiter>;
const stored = (stub: Stub) => runInDurableObject(stub, (_instance, state) => state.storage.kv.get("counts"));

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
    // The first was written at once; the alarm it left writes the other six.
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    await evictDurableObject(stub);
    const after = await stub.hit(T + 1, limits);
    expect(after.minute.remaining).toBe(2);
    expect(after.day.remaining).toBe(92);
    // A started object has written nothing yet, so it writes its first count at once.
    expect(await stored(stub)).toMatchObject({ minuteCount: 8, dayCount: 8 });
    expect(await runDurableObjectAlarm(stub)).toBe(false);
  });

  it("answers before writing, and writes a key's counts at most once per FLUSH_MS and an alarm", async () => {
    const stub = limiter();
    const limits = { perMinute: 100, perDay: 1_000 };
    const alarm = () => runInDurableObject(stub, (_instance, state) => state.storage.getAlarm());
    // A key's first request (or its first after FLUSH_MS without a write) is written at once, unconfirmed.
    await stub.hit(T, limits);
    expect(await stored(stub)).toMatchObject({ minuteCount: 1, dayCount: 1 });
    expect(await alarm()).toBeNull();

    // Those within FLUSH_MS of that write are left to one alarm, FLUSH_MS after it at the latest.
    const before = Date.now();
    await stub.hit(T + 10, limits);
    const alarmAt = await alarm();
    expect(alarmAt).toBeGreaterThanOrEqual(before + FLUSH_MS - 10);
    expect(alarmAt).toBeLessThanOrEqual(Date.now() + FLUSH_MS);
    for (let i = 0; i < 18; i++) await stub.hit(T + 20 + i, limits);
    expect(await stored(stub)).toMatchObject({ minuteCount: 1, dayCount: 1 });
    // The burst did not move the alarm on.
    expect(await alarm()).toBe(alarmAt);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await stored(stub)).toMatchObject({ minuteCount: 20, dayCount: 20 });
    expect(await alarm()).toBeNull();

    // Refused requests change nothing to write, so they write nothing and set no alarm.
    await stub.hit(T + 100, { perMinute: 20, perDay: 1_000 });
    expect(await runDurableObjectAlarm(stub)).toBe(false);
    expect(await stored(stub)).toMatchObject({ minuteCount: 20, dayCount: 20 });
    // Within FLUSH_MS of the alarm's write, the next one let through sets the next alarm…
    await stub.hit(T + 200, limits);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await stored(stub)).toMatchObject({ minuteCount: 21, dayCount: 21 });
    // …and one FLUSH_MS or more after it is written at once.
    await stub.hit(T + 200 + FLUSH_MS, limits);
    expect(await stored(stub)).toMatchObject({ minuteCount: 22, dayCount: 22 });
    expect(await alarm()).toBeNull();
  });

  it("loses at most the counts not yet written when it is evicted before its alarm", async () => {
    const stub = limiter();
    const limits = { perMinute: 100, perDay: 1_000 };
    for (let i = 0; i < 5; i++) await stub.hit(T, limits);
    await runDurableObjectAlarm(stub);
    for (let i = 0; i < 3; i++) await stub.hit(T, limits);
    await evictDurableObject(stub);
    // The alarm those three set wakes an object with nothing unwritten: it keeps what is stored.
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await stored(stub)).toMatchObject({ minuteCount: 5, dayCount: 5 });
    const after = await stub.hit(T, limits);
    expect(after.minute.remaining).toBe(100 - 6);
    expect(after.day.remaining).toBe(1_000 - 6);
  });

  it("counts exactly under 100 concurrent calls", async () => {
    const stub = limiter();
    const decisions = await Promise.all(
      Array.from({ length: 100 }, () => stub.hit(T, { perMinute: 60, perDay: 10_000 })),
    );
    expect(decisions.filter((d) => d.allowed)).toHaveLength(60);
    expect(decisions.filter((d) => d.exceeded === "minute")).toHaveLength(40);
    expect(decisions.map((d) => d.minute.remaining).sort((a, b) => a! - b!)).toEqual([
      ...Array<number>(41).fill(0),
      ...Array.from({ length: 59 }, (_, i) => i + 1),
    ]);
    await runDurableObjectAlarm(stub);
    expect(await stored(stub)).toMatchObject({ minuteCount: 60, dayCount: 60 });
  });
});
