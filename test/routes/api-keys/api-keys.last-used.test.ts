import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { setClock } from "../../../src/lib/clock.ts";
import { createCompany, createKey } from "../../helpers/factories.ts";
import { client } from "../../helpers/http.ts";
import { createApiKey, getAndWait, keyRow } from "../../helpers/keys.ts";

const T = Date.parse("2032-02-01T09:00:00.000Z");
const iso = (ms: number) => new Date(ms).toISOString();

afterEach(() => setClock(null));

/** A request with `key` at the injected time `ms`, waiting for its after-response work. */
async function useAt(key: string, ms: number) {
  setClock(() => ms);
  const response = await getAndWait(key);
  expect(response.status).toBe(200);
}

async function lastUsed(id: string) {
  return (await keyRow(id))!.last_used_at;
}

describe("last_used_at", () => {
  it("is null until the key is used, then the time of that request", async () => {
    setClock(() => T);
    const co = await createCompany();
    const key = await createApiKey(client(co.apiKey), { name: "Fresh", role: "read_only" });
    expect(key.last_used_at).toBeNull();
    expect(await lastUsed(key.id)).toBeNull();

    await useAt(key.secret, T + 5_000);
    expect(await lastUsed(key.id)).toBe(iso(T + 5_000));
    setClock(() => T + 5_000);
    const shown = await client(co.apiKey).get(`/v1/api_keys/${key.id}`);
    expect(shown.body.last_used_at).toBe(iso(T + 5_000));
  });

  it("is written at most once a minute: not again within the minute, again after it", async () => {
    const co = await createCompany();
    const key = await createApiKey(client(co.apiKey), { role: "read_only" });

    await useAt(key.secret, T);
    expect(await lastUsed(key.id)).toBe(iso(T));
    // Within the minute, with the look-up cached and after the cache expired: no new write.
    for (const moment of [T + 1, T + 500, T + 2_000, T + 30_000, T + 59_999]) {
      await useAt(key.secret, moment);
      expect(await lastUsed(key.id)).toBe(iso(T));
    }
    await useAt(key.secret, T + 60_000);
    expect(await lastUsed(key.id)).toBe(iso(T + 60_000));
    await useAt(key.secret, T + 61_000);
    expect(await lastUsed(key.id)).toBe(iso(T + 60_000));
    await useAt(key.secret, T + 10 * 60_000);
    expect(await lastUsed(key.id)).toBe(iso(T + 10 * 60_000));
  });

  it("is not rewritten when another instance recorded the minute already", async () => {
    const co = await createCompany();
    const key = await createApiKey(client(co.apiKey), { role: "read_only" });
    await useAt(key.secret, T);
    // Another instance (its own cache) records a use 70 s later…
    await env.DB.prepare("UPDATE api_keys SET last_used_at = ? WHERE id = ?").bind(iso(T + 70_000), key.id).run();
    // …this instance, whose cached record still says T, tries at T + 75 s: the conditional write
    // leaves the newer value alone.
    await useAt(key.secret, T + 75_000);
    expect(await lastUsed(key.id)).toBe(iso(T + 70_000));
  });

  it("ends up as the minute of concurrent first uses", async () => {
    const co = await createCompany();
    const key = await createApiKey(client(co.apiKey), { role: "read_only" });
    setClock(() => T);
    const responses = await Promise.all(Array.from({ length: 20 }, () => getAndWait(key.secret)));
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(await lastUsed(key.id)).toBe(iso(T));
  });

  it("records each key separately, and the provisioned keys too", async () => {
    const co = await createCompany();
    const other = await createKey(co, { role: "member" });
    await useAt(co.apiKey, T);
    await useAt(other, T + 90_000);
    expect(await lastUsed(co.apiKeyId)).toBe(iso(T));
    const list = await client(co.apiKey).get("/v1/api_keys");
    const otherKey = list.body.data.find((k: any) => k.id !== co.apiKeyId);
    expect(otherKey.last_used_at).toBe(iso(T + 90_000));
  });

  it("is not written by a request the rate limit refused (which does no D1 work)", async () => {
    const co = await createCompany("starter");
    const key = await createApiKey(client(co.apiKey), { role: "read_only" });
    // A clock minute, so that the 60 requests of the starter plan all fall into one window.
    const minute = Date.parse("2032-02-01T10:00:00.000Z");
    for (let i = 0; i < 60; i++) await useAt(key.secret, minute);
    expect(await lastUsed(key.id)).toBe(iso(minute));

    const old = iso(minute - 5 * 60_000);
    await env.DB.prepare("UPDATE api_keys SET last_used_at = ? WHERE id = ?").bind(old, key.id).run();
    setClock(() => minute + 2_000); // the cached look-up has expired: the old value is read again
    const refused = await getAndWait(key.secret);
    expect(refused.status).toBe(429);
    expect(await lastUsed(key.id)).toBe(old);

    await useAt(key.secret, minute + 60_000);
    expect(await lastUsed(key.id)).toBe(iso(minute + 60_000));
  });
});
