// API keys apart from storage: what a key object shows, which role a key may have, how many a
// company may keep, what a roll changes, when a key works and when its use is worth recording.
import { z } from "@hono/zod-openapi";
import type { ApiKeyRow, Role } from "../db/schema.ts";
import { ROLES } from "../db/schema.ts";
import { text } from "../lib/validation.ts";
import { DomainError } from "./errors.ts";

/** Active (neither revoked nor expired) keys a company may have at once. */
export const MAX_ACTIVE_KEYS = 50;
/** A roll's grace period, in whole hours: 0 revokes the old key at once, at most 7 days. */
export const MIN_ROLL_GRACE_HOURS = 0;
export const MAX_ROLL_GRACE_HOURS = 168;
/** `last_used_at` is written at most this often per key. */
export const LAST_USED_INTERVAL_MS = 60_000;

const HOUR_MS = 60 * 60 * 1000;

const timestamp = (example: string) => z.string().nullable().openapi({ example });

/** A key as the API shows it: never its secret (only once, see NewApiKeySchema) nor its hash. */
export const ApiKeySchema = z
  .object({
    id: z.string().openapi({ example: "key_5Tn8WqL2xR7vK1mP4sZ9bC3d" }),
    name: text().min(1).max(100).openapi({ example: "Warehouse scanner" }),
    role: z.enum(ROLES).openapi({ description: "Never higher than the role of the key's user." }),
    user_id: z.string().openapi({ example: "user_7Gm2KqX9pL4sN8vR1tY6wZ3b" }),
    last4: z.string().openapi({ description: "The key's last four characters, to recognise it.", example: "x9Qa" }),
    created_at: z.string().openapi({ example: "2025-01-15T10:30:00.000Z" }),
    last_used_at: timestamp("2025-01-20T14:22:00.000Z").openapi({
      description: "When the key last authenticated a request, to the minute: written at most once a minute.",
    }),
    expires_at: timestamp("2027-12-31T00:00:00.000Z").openapi({
      description: "From this moment on the key is refused; null: it does not expire.",
    }),
    revoked_at: timestamp("2025-02-01T09:00:00.000Z"),
  })
  .openapi("ApiKey");

/** A new key as answered once, by create and roll: the key and its plaintext `secret`. */
export const NewApiKeySchema = ApiKeySchema.extend({
  // The handlers always answer it; the document says null too, for the idempotent replays that
  // src/middleware/idempotency.ts answers without it.
  secret: z.string().openapi({
    type: ["string", "null"],
    description:
      "The key itself. Shown in this answer only, never again: store it now. Null in an idempotent replay of this answer (`Idempotent-Replayed: true`): the stored copy never holds it.",
    example: "sk_live_4eC39HqLyjWDarjtT1zdp7dcA1b2C3d4E5f6G7",
  }),
}).openapi("NewApiKey");

export type ApiKey = z.infer<typeof ApiKeySchema>;
export type NewApiKey = z.infer<typeof NewApiKeySchema>;

/** The key object of a row: API responses and audit entries. Takes whole rows; drops the hash. */
export function toApiKey(
  row: Pick<ApiKeyRow, "id" | "name" | "role" | "userId" | "last4" | "createdAt" | "lastUsedAt" | "expiresAt" | "revokedAt">,
): ApiKey {
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

const ROLE_RANK: Record<Role, number> = { read_only: 0, member: 1, admin: 2 };

/**
 * The role of a new key of a user whose role is `userRole`: `requested`, or the user's own role
 * when none is asked for. Never higher than the user's (admin > member > read_only): such a key
 * can never be made for that user, so asking for one is invalid input.
 */
export function keyRoleFor(userRole: Role, requested?: Role): Role {
  const role = requested ?? userRole;
  if (ROLE_RANK[role] > ROLE_RANK[userRole]) {
    throw new DomainError(
      "invalid_input",
      `The 'role' field must not be higher than the user's own role (${userRole}).`,
      { field: "role" },
    );
  }
  return role;
}

/** A key works unless it is revoked or its expiry has come (ISO 8601 UTC times compare as text). */
export type KeyState = "working" | "revoked" | "expired";

export function keyState(key: { revokedAt: string | null; expiresAt: string | null }, now: string): KeyState {
  if (key.revokedAt !== null) return "revoked";
  if (key.expiresAt !== null && key.expiresAt <= now) return "expired";
  return "working";
}

/**
 * What rolling a key does to the old key at `now`: without a grace period it is revoked at once;
 * with one it expires when the grace period ends, or earlier if it was going to expire anyway.
 * `keepsOldKeyActive`: the old key stays active meanwhile, so the new key needs a free place
 * under MAX_ACTIVE_KEYS; a roll without a grace period never does.
 */
export function rollChange(old: { expires_at: string | null }, graceHours: number, now: string) {
  if (graceHours === 0) return { field: "revoked_at", to: now, keepsOldKeyActive: false } as const;
  const graceEnd = new Date(Date.parse(now) + graceHours * HOUR_MS).toISOString();
  const to = old.expires_at !== null && old.expires_at < graceEnd ? old.expires_at : graceEnd;
  return { field: "expires_at", to, keepsOldKeyActive: true } as const;
}

/** `last_used_at` values at or before this moment are old enough to be written again. */
export function lastUsedCutoff(now: number): string {
  return new Date(now - LAST_USED_INTERVAL_MS).toISOString();
}

/** True when a use at `now` is worth writing: the stored `last_used_at` is a minute old or more. */
export function isLastUseDue(lastUsedAt: string | null, now: number): boolean {
  return lastUsedAt === null || Date.parse(lastUsedAt) <= now - LAST_USED_INTERVAL_MS;
}

export function tooManyKeys(): DomainError {
  return new DomainError(
    "invalid_state",
    `Your company already has ${MAX_ACTIVE_KEYS} active API keys, the most it may have. Revoke one first.`,
  );
}

export function lastAdminKey(): DomainError {
  return new DomainError(
    "invalid_state",
    "This is your company's last working admin key: create another admin key before revoking it.",
  );
}

export function notWorking(state: Exclude<KeyState, "working">): DomainError {
  return new DomainError("invalid_state", `This API key is ${state}: only a working key can be rolled.`);
}
