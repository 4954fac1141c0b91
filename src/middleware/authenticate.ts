import { createMiddleware } from "hono/factory";
import { findApiKeyByHash } from "../db/api-keys.ts";
import { database } from "../db/client.ts";
import type { Role } from "../db/schema.ts";
import { hashApiKey, isWellFormedApiKey } from "../lib/api-key-format.ts";
import { nowIso } from "../lib/clock.ts";
import { ApiError } from "../lib/errors.ts";
import type { AppEnv } from "../types.ts";

const READ_METHODS = new Set(["GET", "HEAD"]);

function invalidKey(): ApiError {
  return new ApiError("invalid_api_key", "The API key is invalid, expired or revoked.", null, {
    "WWW-Authenticate": 'Bearer error="invalid_token"',
  });
}

function timingSafeEqual(a: string, b: string): boolean {
  const encoder = new TextEncoder();
  const left = encoder.encode(a);
  const right = encoder.encode(b);
  return left.byteLength === right.byteLength && crypto.subtle.timingSafeEqual(left, right);
}

/**
 * Authenticates `Authorization: Bearer <key>` and sets `auth`. Malformed keys and bad checksums
 * are refused before any storage lookup; only the key's SHA-256 is looked up.
 */
export const authenticate = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header("Authorization");
  if (!header) {
    throw new ApiError(
      "authentication_required",
      "Send your API key as 'Authorization: Bearer <key>'.",
      null,
      { "WWW-Authenticate": "Bearer" },
    );
  }
  const key = /^Bearer +(\S+)$/i.exec(header)?.[1];
  if (!key || !isWellFormedApiKey(key)) throw invalidKey();

  const hash = await hashApiKey(key);
  const row = await findApiKeyByHash(database(c.env.DB), hash);
  const now = nowIso();
  if (
    !row ||
    !timingSafeEqual(row.keyHash, hash) ||
    row.revokedAt !== null ||
    (row.expiresAt !== null && row.expiresAt <= now)
  ) {
    throw invalidKey();
  }

  c.set("auth", {
    companyId: row.companyId,
    userId: row.userId,
    apiKeyId: row.id,
    role: row.role,
    plan: row.plan,
  });
  if (row.role === "read_only" && !READ_METHODS.has(c.req.method)) {
    throw new ApiError("permission_denied", "This API key is read-only: it may only make GET requests.");
  }
  await next();
});

/** Restricts a router to the given roles (403 permission_denied otherwise). */
export function requireRole(...roles: Role[]) {
  return createMiddleware<AppEnv>(async (c, next) => {
    if (!roles.includes(c.get("auth").role)) {
      throw new ApiError("permission_denied", `This request needs a key with role ${roles.join(" or ")}.`);
    }
    await next();
  });
}
