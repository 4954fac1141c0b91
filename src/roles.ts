// What each role may do, in one place: the API's authorization middleware and every list that
// could show what a role may not read directly (the audit log) read it.
import type { AUDIT_RESOURCE_TYPES, Role } from "./db/schema.ts";
import { ApiError } from "./lib/errors.ts";

type AuditResourceType = (typeof AUDIT_RESOURCE_TYPES)[number];

const READ_METHODS = new Set(["GET", "HEAD"]);

/** Managing users, API keys and webhooks is for admin keys only, by every route of theirs, reads included. */
const ADMIN_ONLY_PATHS = [/^\/v1\/users(\/|$)/, /^\/v1\/api_keys(\/|$)/, /^\/v1\/webhook_endpoints(\/|$)/, /^\/v1\/webhook_deliveries(\/|$)/];

/**
 * What a role may not call directly it may not read indirectly either: entries about users,
 * keys and webhook endpoints are left out of other roles' audit log lists, counts and filters.
 */
const ADMIN_ONLY_RESOURCE_TYPES: readonly AuditResourceType[] = ["user", "api_key", "webhook_endpoint"];

/** Why the caller's role may not make this request, or null when it may. */
export function roleRefusal(role: Role, method: string, path: string): ApiError | null {
  if (role !== "admin" && ADMIN_ONLY_PATHS.some((pattern) => pattern.test(path))) {
    return new ApiError("permission_denied", "This request needs a key with role admin.");
  }
  if (role === "read_only" && !READ_METHODS.has(method)) {
    return new ApiError("permission_denied", "This API key is read-only: it may only make GET requests.");
  }
  return null;
}

/** The resource types whose audit entries a role may not see. */
export function hiddenResourceTypes(role: Role): readonly AuditResourceType[] {
  return role === "admin" ? [] : ADMIN_ONLY_RESOURCE_TYPES;
}
