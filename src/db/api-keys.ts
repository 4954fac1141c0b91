// API keys: the look-up by hash that authenticates requests, and their management through the API.
// The key's hash goes no further than the authentication middleware, which compares it; the
// management functions answer keys without it (and the middleware's cache is emptied by key id).
import { and, count, desc, eq, isNull, lte, or, sql, type SQL } from "drizzle-orm";
import type { ApiKeyMode } from "../lib/api-key-format.ts";
import { nowIso, nowMs } from "../lib/clock.ts";
import { ApiError } from "../lib/errors.ts";
import type { Page } from "../lib/pagination.ts";
import { auditEntry, type Actor } from "./audit.ts";
import { runBatch, statementSql, type Database } from "./client.ts";
import { d1ErrorMessage } from "./batch-guard.ts";
import { newApiKey } from "./provisioning.ts";
import { apiKeys, companies, type ApiKeyRow, type Role } from "./schema.ts";
import { findUser } from "./users.ts";

/** Active (neither revoked nor expired) keys a company may have at once. */
export const MAX_ACTIVE_KEYS = 50;
/** `last_used_at` is written at most this often per key. */
export const LAST_USED_INTERVAL_MS = 60_000;
/** The longest grace period of a roll, during which the old key keeps working. */
export const MAX_ROLL_GRACE_HOURS = 168;

const HOUR_MS = 60 * 60 * 1000;

/** The key with this hash, its company's plan, or undefined. */
export async function findApiKeyByHash(db: Database, keyHash: string) {
  const [row] = await db
    .select({
      id: apiKeys.id,
      keyHash: apiKeys.keyHash,
      companyId: apiKeys.companyId,
      userId: apiKeys.userId,
      role: apiKeys.role,
      lastUsedAt: apiKeys.lastUsedAt,
      expiresAt: apiKeys.expiresAt,
      revokedAt: apiKeys.revokedAt,
      rateLimitId: sql<string>`coalesce(${apiKeys.rateLimitId}, ${apiKeys.id})`,
      plan: companies.plan,
    })
    .from(apiKeys)
    .innerJoin(companies, eq(companies.id, apiKeys.companyId))
    .where(eq(apiKeys.keyHash, keyHash))
    .limit(1);
  return row;
}

/**
 * Sets `last_used_at` to `now` unless it is already less than a minute old. The condition is in
 * the UPDATE, so that isolates racing to record the same minute write once.
 */
export async function touchApiKey(db: Database, id: string, now: number): Promise<void> {
  const cutoff = new Date(now - LAST_USED_INTERVAL_MS).toISOString();
  await db
    .update(apiKeys)
    .set({ lastUsedAt: new Date(now).toISOString() })
    .where(and(eq(apiKeys.id, id), or(isNull(apiKeys.lastUsedAt), lte(apiKeys.lastUsedAt, cutoff))));
}

/** The public representation of a key (never its hash): API responses and audit entries. */
export function toApiKey(
  row: Pick<ApiKeyRow, "id" | "name" | "role" | "userId" | "last4" | "createdAt" | "lastUsedAt" | "expiresAt" | "revokedAt">,
) {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    user_id: row.userId,
    last4: row.last4,
    created_at: row.createdAt,
    last_used_at: row.lastUsedAt,
    expires_at: row.expiresAt,
    revoked_at: row.revokedAt,
  };
}

export type PublicApiKey = ReturnType<typeof toApiKey>;

/** A new key as answered once: the object and its plaintext `secret`. */
export type NewPublicApiKey = PublicApiKey & { secret: string };

/** Every column but the hash. */
const publicColumns = {
  id: apiKeys.id,
  name: apiKeys.name,
  role: apiKeys.role,
  userId: apiKeys.userId,
  last4: apiKeys.last4,
  createdAt: apiKeys.createdAt,
  lastUsedAt: apiKeys.lastUsedAt,
  expiresAt: apiKeys.expiresAt,
  revokedAt: apiKeys.revokedAt,
};

export async function findApiKey(db: Database, companyId: string, id: string): Promise<PublicApiKey | undefined> {
  const [row] = await db
    .select(publicColumns)
    .from(apiKeys)
    .where(and(eq(apiKeys.companyId, companyId), eq(apiKeys.id, id)))
    .limit(1);
  return row && toApiKey(row);
}

/** All of the company's keys, revoked and expired ones included, newest first. */
export async function listApiKeys(db: Database, companyId: string, page: Page) {
  const where = eq(apiKeys.companyId, companyId);
  const [rows, [total]] = await db.batch([
    db
      .select(publicColumns)
      .from(apiKeys)
      .where(where)
      .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id))
      .limit(page.limit)
      .offset(page.offset),
    db.select({ total: count() }).from(apiKeys).where(where),
  ]);
  return { rows: rows.map(toApiKey), total: total?.total ?? 0 };
}

/** SQL: the key (table alias `k`) is neither revoked nor expired at `now`. */
const working = (now: string) => sql`k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > ${now})`;

/**
 * A statement that fails the batch it is in (NOT NULL constraint on `key_hash`), and so undoes the
 * whole batch, when the company has more than MAX_ACTIVE_KEYS active keys after the new key
 * `keyId` was inserted earlier in the batch. D1 runs a batch as one transaction, so concurrent
 * requests cannot together go past the limit.
 */
function activeKeyLimit(companyId: string, keyId: string, now: string): SQL {
  return sql`
    UPDATE ${apiKeys} SET key_hash = NULL
    WHERE id = ${keyId}
      AND (SELECT count(*) FROM ${apiKeys} k WHERE k.company_id = ${companyId} AND ${working(now)}) > ${MAX_ACTIVE_KEYS}`;
}

function tooManyKeys(): ApiError {
  return new ApiError(
    "invalid_state",
    `Your company already has ${MAX_ACTIVE_KEYS} active API keys, the most it may have. Revoke one first.`,
  );
}

/** True when a batch failed because one of the guards above emptied `key_hash`. */
function failedGuard(error: unknown): boolean {
  return d1ErrorMessage(error).includes("NOT NULL constraint failed: api_keys.key_hash");
}

interface KeySettings {
  name: string;
  userId: string;
  role: Role;
  expiresAt: string | null;
  mode: ApiKeyMode;
}

/** The statements and answer of a new key (through the same builder as `npm run provision`). */
async function prepareKey(actor: Actor, input: KeySettings) {
  const key = await newApiKey({
    companyId: actor.companyId,
    userId: input.userId,
    role: input.role,
    mode: input.mode,
    name: input.name,
    expiresAt: input.expiresAt,
  });
  const created = toApiKey({
    id: key.apiKeyId,
    name: input.name,
    role: input.role,
    userId: input.userId,
    last4: key.last4,
    createdAt: key.createdAt,
    lastUsedAt: null,
    expiresAt: input.expiresAt,
    revokedAt: null,
  });
  return { created, secret: key.apiKey, insert: statementSql(key.statement) };
}

const ROLE_RANK: Record<Role, number> = { read_only: 0, member: 1, admin: 2 };

export interface NewKeyInput {
  name: string;
  userId: string;
  /** Defaults to the user's role; never higher than it. */
  role?: Role;
  /** ISO 8601 (any offset), in the future; null: never expires. */
  expiresAt?: string | null;
  mode: ApiKeyMode;
}

/**
 * Creates a key of one of the company's users with a `create` audit entry (without the secret),
 * in one batch. 404 (field `user_id`) for a user the company does not have, 400 (field `role`) for
 * a role above the user's, 409 invalid_state when the company is at its limit of active keys.
 */
export async function insertApiKey(db: Database, actor: Actor, input: NewKeyInput): Promise<NewPublicApiKey> {
  const user = await findUser(db, actor.companyId, input.userId);
  if (!user) throw new ApiError("not_found", `No user with id '${input.userId}'.`, "user_id");
  const role = input.role ?? user.role;
  if (ROLE_RANK[role] > ROLE_RANK[user.role]) {
    throw new ApiError(
      "invalid_request",
      `The 'role' field must not be higher than the user's own role (${user.role}).`,
      "role",
    );
  }
  const expiresAt = input.expiresAt ? new Date(input.expiresAt).toISOString() : null;
  const { created, secret, insert } = await prepareKey(actor, { ...input, role, expiresAt });
  try {
    await runBatch(db, [
      insert,
      activeKeyLimit(actor.companyId, created.id, created.created_at),
      auditEntry(db, actor, {
        action: "create",
        resourceType: "api_key",
        resourceId: created.id,
        changes: created,
        createdAt: created.created_at,
      }),
    ]);
  } catch (error) {
    if (failedGuard(error)) throw tooManyKeys();
    throw error;
  }
  return { ...created, secret };
}

/** Why a key cannot be revoked or rolled now, read after a guard failed the batch. */
async function currentState(db: Database, companyId: string, id: string) {
  const key = await findApiKey(db, companyId, id);
  if (!key) return "missing" as const;
  if (key.revoked_at !== null) return "revoked" as const;
  if (key.expires_at !== null && key.expires_at <= nowIso()) return "expired" as const;
  return "working" as const;
}

/**
 * Revokes a key, with a `delete` audit entry holding the revoked key, in one batch. Answers the
 * key as it now is, or undefined when the company has no such key. Revoking a revoked key changes
 * nothing. 409 invalid_state when this is the company's last working admin key.
 *
 * The UPDATE checks both rules itself, in the batch's transaction: unless the key is unrevoked and
 * not the last working admin key, it empties the (NOT NULL) `key_hash`, which fails the batch.
 */
export async function revokeApiKey(db: Database, actor: Actor, id: string): Promise<PublicApiKey | undefined> {
  const before = await findApiKey(db, actor.companyId, id);
  if (!before) return undefined;
  if (before.revoked_at !== null) return before;

  const now = nowIso();
  const revoked = { ...before, revoked_at: now };
  try {
    await runBatch(db, [
      sql`
        UPDATE ${apiKeys} SET
          revoked_at = ${now},
          key_hash = CASE WHEN revoked_at IS NULL AND NOT (
            role = 'admin' AND (expires_at IS NULL OR expires_at > ${now}) AND NOT EXISTS (
              SELECT 1 FROM ${apiKeys} k
              WHERE k.company_id = ${actor.companyId} AND k.id <> ${id} AND k.role = 'admin' AND ${working(now)})
          ) THEN key_hash END
        WHERE id = ${id} AND company_id = ${actor.companyId}`,
      auditEntry(db, actor, {
        action: "delete",
        resourceType: "api_key",
        resourceId: id,
        changes: revoked,
        createdAt: now,
      }),
    ]);
  } catch (error) {
    if (!failedGuard(error)) throw error;
    // Revoked by a concurrent request meanwhile: nothing left to do.
    if ((await currentState(db, actor.companyId, id)) === "revoked") return findApiKey(db, actor.companyId, id);
    throw new ApiError(
      "invalid_state",
      "This is your company's last working admin key: create another admin key before revoking it.",
    );
  }
  return revoked;
}

/**
 * Rolls a working key: a new key (new id and secret, same name, role, user and expiry) replaces
 * it. The old key is revoked at once (`graceHours` 0) or expires after the grace period (never
 * later than it would have anyway). One batch: the new key, the old key's change, an `update`
 * entry for the old key and a `create` entry for the new one. Answers the new key and its secret,
 * or undefined when the company has no such key; 409 invalid_state for a revoked or expired key,
 * and for a grace period when the company is at its limit of active keys.
 */
export async function rollApiKey(
  db: Database,
  actor: Actor,
  id: string,
  graceHours: number,
  mode: ApiKeyMode,
): Promise<NewPublicApiKey | undefined> {
  const old = await findApiKey(db, actor.companyId, id);
  if (!old) return undefined;
  const { created, secret, insert } = await prepareKey(actor, {
    name: old.name,
    userId: old.user_id,
    role: old.role,
    expiresAt: old.expires_at,
    mode,
  });
  const now = created.created_at;
  const graceEnd = new Date(nowMs() + graceHours * HOUR_MS).toISOString();
  const change =
    graceHours === 0
      ? { column: sql`revoked_at`, field: "revoked_at" as const, to: now }
      : {
          column: sql`expires_at`,
          field: "expires_at" as const,
          to: old.expires_at !== null && old.expires_at < graceEnd ? old.expires_at : graceEnd,
        };

  try {
    await runBatch(db, [
      // Rolled only while still working: otherwise the emptied key_hash fails the batch.
      sql`
        UPDATE ${apiKeys} AS k SET
          ${change.column} = ${change.to},
          key_hash = CASE WHEN ${working(now)} THEN key_hash END
        WHERE id = ${id} AND company_id = ${actor.companyId}`,
      insert,
      // The new key counts on in its predecessor's rate-limit object.
      sql`UPDATE ${apiKeys} SET rate_limit_id =
            (SELECT coalesce(old.rate_limit_id, old.id) FROM ${apiKeys} old WHERE old.id = ${id})
          WHERE id = ${created.id}`,
      // Without a grace period the old key stops counting as the new one starts.
      ...(graceHours > 0 ? [activeKeyLimit(actor.companyId, created.id, now)] : []),
      auditEntry(db, actor, {
        action: "update",
        resourceType: "api_key",
        resourceId: id,
        changes: { [change.field]: { from: old[change.field], to: change.to } },
        createdAt: now,
      }),
      auditEntry(db, actor, {
        action: "create",
        resourceType: "api_key",
        resourceId: created.id,
        changes: created,
        createdAt: now,
      }),
    ]);
  } catch (error) {
    if (!failedGuard(error)) throw error;
    const state = await currentState(db, actor.companyId, id);
    if (state === "missing") return undefined;
    if (state !== "working") {
      throw new ApiError("invalid_state", `This API key is ${state}: only a working key can be rolled.`);
    }
    throw tooManyKeys();
  }
  return { ...created, secret };
}
