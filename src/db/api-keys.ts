// API keys: the look-up by hash that authenticates requests, and their management through the API.
// The key's hash goes no further than the authentication middleware, which compares it; the
// management functions answer key objects without it (and the middleware's cache is emptied by key id).
import { and, eq, isNull, lte, or, sql, type SQL } from "drizzle-orm";
import {
  keyRoleFor,
  keyState,
  lastAdminKey,
  lastUsedCutoff,
  MAX_ACTIVE_KEYS,
  notWorking,
  rollChange,
  toApiKey,
  tooManyKeys,
  type ApiKey,
  type NewApiKey,
} from "../domain/api-keys.ts";
import { notFound } from "../domain/errors.ts";
import type { ApiKeyMode } from "../lib/api-key-format.ts";
import { nowIso } from "../lib/clock.ts";
import type { Page } from "../lib/pagination.ts";
import { auditEntry, type Actor } from "./audit.ts";
import { failBatchWhen, isGuardFailure, nullUnless } from "./batch-guard.ts";
import { runBatch, statementSql, type Database } from "./client.ts";
import { listPage } from "./list-page.ts";
import { newApiKey } from "./provisioning.ts";
import { apiKeys, companies, type Role } from "./schema.ts";
import { findUser } from "./users.ts";

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
  await db
    .update(apiKeys)
    .set({ lastUsedAt: new Date(now).toISOString() })
    .where(and(eq(apiKeys.id, id), or(isNull(apiKeys.lastUsedAt), lte(apiKeys.lastUsedAt, lastUsedCutoff(now)))));
}

export async function findApiKey(db: Database, companyId: string, id: string): Promise<ApiKey | undefined> {
  const [row] = await db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.companyId, companyId), eq(apiKeys.id, id)))
    .limit(1);
  return row && toApiKey(row);
}

/** All of the company's keys, revoked and expired ones included, newest first. */
export async function listApiKeys(db: Database, companyId: string, page: Page) {
  const company = eq(apiKeys.companyId, companyId);
  const list = await listPage(
    db,
    { table: apiKeys, where: company, orderBy: [apiKeys.createdAt, apiKeys.id], cursorScope: company },
    page,
  );
  return { ...list, rows: list.rows.map(toApiKey) };
}

/** SQL: the key (table alias `k`) works at `now` (see `keyState`). */
const working = (now: string) => sql`k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > ${now})`;

/** Every guard of this module fails its batch by emptying the key's (NOT NULL) hash. */
const GUARD_COLUMN = "key_hash";
const failedGuard = (error: unknown) => isGuardFailure(error, `api_keys.${GUARD_COLUMN}`);

/**
 * Fails the batch when the company has more than MAX_ACTIVE_KEYS working keys once the new key
 * `keyId`, inserted earlier in the batch, is counted. D1 runs a batch as one transaction, so
 * concurrent requests cannot together go past the limit.
 */
function activeKeyLimit(companyId: string, keyId: string, now: string): SQL {
  return failBatchWhen(
    apiKeys,
    GUARD_COLUMN,
    sql`id = ${keyId}
      AND (SELECT count(*) FROM ${apiKeys} k WHERE k.company_id = ${companyId} AND ${working(now)}) > ${MAX_ACTIVE_KEYS}`,
  );
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
  const key = await newApiKey({ companyId: actor.companyId, ...input });
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
 * in one batch. Throws not_found (field `user_id`) for a user the company does not have,
 * invalid_input (field `role`) for a role above the user's, and invalid_state when the company is
 * at its limit of active keys.
 */
export async function insertApiKey(db: Database, actor: Actor, input: NewKeyInput): Promise<NewApiKey> {
  const user = await findUser(db, actor.companyId, input.userId);
  if (!user) throw notFound("user", input.userId, "user_id");
  const role = keyRoleFor(user.role, input.role);
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

/** Whether a key is there and works now, read after a guard failed the batch. */
async function currentState(db: Database, companyId: string, id: string) {
  const key = await findApiKey(db, companyId, id);
  if (!key) return "missing" as const;
  return keyState({ revokedAt: key.revoked_at, expiresAt: key.expires_at }, nowIso());
}

/**
 * Revokes a key, with a `delete` audit entry holding the revoked key, in one batch. Answers the
 * key as it now is, or undefined when the company has no such key. Revoking a revoked key changes
 * nothing. Throws invalid_state when this is the company's last working admin key.
 *
 * The UPDATE checks both rules itself, in the batch's transaction: unless the key is unrevoked and
 * not the last working admin key, its guard fails the batch.
 */
export async function revokeApiKey(db: Database, actor: Actor, id: string): Promise<ApiKey | undefined> {
  const before = await findApiKey(db, actor.companyId, id);
  if (!before) return undefined;
  if (before.revoked_at !== null) return before;

  const now = nowIso();
  const revoked = { ...before, revoked_at: now };
  const revocable = sql`revoked_at IS NULL AND NOT (
    role = 'admin' AND (expires_at IS NULL OR expires_at > ${now}) AND NOT EXISTS (
      SELECT 1 FROM ${apiKeys} k
      WHERE k.company_id = ${actor.companyId} AND k.id <> ${id} AND k.role = 'admin' AND ${working(now)}))`;
  try {
    await runBatch(db, [
      sql`
        UPDATE ${apiKeys} SET revoked_at = ${now}, key_hash = ${nullUnless(revocable, sql`key_hash`)}
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
    throw lastAdminKey();
  }
  return revoked;
}

/**
 * Rolls a working key: a new key (new id and secret, same name, role, user and expiry) replaces
 * it, and the old key changes as `rollChange` says. One batch: the new key, the old key's change,
 * an `update` entry for the old key and a `create` entry for the new one. Answers the new key and
 * its secret, or undefined when the company has no such key; throws invalid_state for a revoked
 * or expired key, and for a grace period when the company is at its limit of active keys.
 */
export async function rollApiKey(
  db: Database,
  actor: Actor,
  id: string,
  graceHours: number,
  mode: ApiKeyMode,
): Promise<NewApiKey | undefined> {
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
  const change = rollChange(old, graceHours, now);

  try {
    await runBatch(db, [
      // Rolled only while still working: otherwise the guard fails the batch.
      sql`
        UPDATE ${apiKeys} AS k SET
          ${sql.raw(change.field)} = ${change.to},
          key_hash = ${nullUnless(working(now), sql`key_hash`)}
        WHERE id = ${id} AND company_id = ${actor.companyId}`,
      insert,
      // The new key counts on in its predecessor's rate-limit object.
      sql`UPDATE ${apiKeys} SET rate_limit_id =
            (SELECT coalesce(old.rate_limit_id, old.id) FROM ${apiKeys} old WHERE old.id = ${id})
          WHERE id = ${created.id}`,
      ...(change.keepsOldKeyActive ? [activeKeyLimit(actor.companyId, created.id, now)] : []),
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
    if (state !== "working") throw notWorking(state);
    throw tooManyKeys();
  }
  return { ...created, secret };
}
