import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { Database } from "../db/client.ts";
import { findApiKeyByHash, touchApiKey } from "../db/api-keys.ts";
import { isLastUseDue, keyState } from "../domain/api-keys.ts";
import { hashApiKey, isWellFormedApiKey } from "../lib/api-key-format.ts";
import { nowIso, nowMs } from "../lib/clock.ts";
import { ApiError } from "../lib/errors.ts";
import { roleRefusal } from "../roles.ts";
import type { AppEnv } from "../types.ts";
import { limitFailedAuthentication } from "./rate-limit.ts";

type KeyRecord = NonNullable<Awaited<ReturnType<typeof findApiKeyByHash>>>;

// Key look-ups are cached in the isolate for at most a second (of the injectable clock), so a
// busy key costs one D1 read a second rather than one a request, and a revoked key, an expiry or
// a plan change is seen within that second everywhere.
const CACHE_TTL_MS = 1_000;
const CACHE_MAX_ENTRIES = 10_000;
const keyCache = new Map<string, { record: KeyRecord | undefined; fetchedAt: number }>();

async function lookUpKey(db: Database, hash: string): Promise<KeyRecord | undefined> {
  const now = nowMs();
  const cached = keyCache.get(hash);
  if (cached && now - cached.fetchedAt < CACHE_TTL_MS && now >= cached.fetchedAt) return cached.record;
  const record = await findApiKeyByHash(db, hash);
  keyCache.delete(hash);
  if (keyCache.size >= CACHE_MAX_ENTRIES) keyCache.delete(keyCache.keys().next().value!);
  keyCache.set(hash, { record, fetchedAt: now });
  return record;
}

/**
 * Drops a key from this isolate's cache, so that its next request here reads it again: called when
 * a key is revoked or rolled, which therefore bites at once on this instance (and within the
 * cache's second everywhere else).
 */
export function forgetApiKey(apiKeyId: string): void {
  for (const [hash, entry] of keyCache) {
    if (entry.record?.id === apiKeyId) keyCache.delete(hash);
  }
}

/**
 * Records when a key was used, at most once a minute: only when its `last_used_at` is a minute
 * old or more, after the response (waitUntil). The cached record is updated too, so this isolate
 * does not try again within the minute; other isolates see the new value within the cache's
 * second, and the conditional UPDATE makes sure that only one of them writes.
 */
function recordUse(c: Context<AppEnv>, record: KeyRecord): void {
  const now = nowMs();
  if (!isLastUseDue(record.lastUsedAt, now)) return;
  record.lastUsedAt = new Date(now).toISOString();
  const write = touchApiKey(c.get("db"), record.id, now).catch((error: unknown) => {
    console.error(JSON.stringify({ event: "last_used_at_write_failed", api_key_id: record.id, error: String(error) }));
  });
  try {
    c.executionCtx.waitUntil(write);
  } catch {
    // No execution context (app.request in tests): the write runs on its own.
  }
}

function invalidKey(): ApiError {
  return new ApiError("invalid_api_key", "The API key is invalid, expired or revoked.", null, {
    "WWW-Authenticate": 'Bearer error="invalid_token"',
  });
}

/** The key's record if the key is well formed, known, not revoked and not expired. */
async function verify(db: Database, key: string | undefined): Promise<KeyRecord | undefined> {
  if (!key || !isWellFormedApiKey(key)) return undefined;
  const hash = await hashApiKey(key);
  // The record is found by the hash itself (an index or Map look-up of a SHA-256, which a caller
  // cannot steer byte by byte), so there is no secret left to compare in constant time.
  const record = await lookUpKey(db, hash);
  if (!record || keyState(record, nowIso()) !== "working") return undefined;
  return record;
}

/**
 * Authenticates `Authorization: Bearer <key>` and sets `auth`. Malformed keys and bad checksums
 * are refused before any storage lookup; only the key's SHA-256 is looked up. Failures count
 * against the client address (429 once it has failed too often).
 */
export const authenticate = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header("Authorization");
  if (!header) {
    throw await limitFailedAuthentication(
      c,
      new ApiError("authentication_required", "Send your API key as 'Authorization: Bearer <key>'.", null, {
        "WWW-Authenticate": "Bearer",
      }),
    );
  }
  const record = await verify(c.get("db"), /^Bearer +(\S+)$/i.exec(header)?.[1]);
  if (!record) throw await limitFailedAuthentication(c, invalidKey());

  c.set("auth", {
    companyId: record.companyId,
    userId: record.userId,
    apiKeyId: record.id,
    rateLimitId: record.rateLimitId,
    role: record.role,
    plan: record.plan,
  });
  c.set("actor", { companyId: record.companyId, userId: record.userId, apiKeyId: record.id, requestId: c.get("requestId") });
  await next();
  // A request refused by the rate limit does no D1 work, so it is not recorded as a use either.
  if (c.res.status !== 429) recordUse(c, record);
});

/**
 * The role rules of every route: `read_only` keys may only read, and users and keys are managed
 * by admin keys only. Runs after the rate limit, so that a 403 carries the rate-limit headers like
 * every authenticated answer, and before idempotency, so that a stored answer is only ever
 * replayed to a caller who may make the request.
 */
export const authorize = createMiddleware<AppEnv>(async (c, next) => {
  const refusal = roleRefusal(c.get("auth").role, c.req.method, c.req.path);
  if (refusal) throw refusal;
  await next();
});
