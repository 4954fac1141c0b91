import { createRoute, type RouteConfig, type z } from "@hono/zod-openapi";
import { errorContent, type ErrorCode, STATUS_BY_CODE } from "./errors.ts";

/** Every /v1 route takes the API key as a bearer token. */
export const bearerSecurity = [{ bearerAuth: [] }];

/** A JSON request body or response for a route definition. */
export function jsonContent<T extends z.ZodType>(schema: T, description: string) {
  return { content: { "application/json": { schema } }, description };
}

/** What every authenticated route can answer: validation, authentication, roles, limits, crashes. */
const EVERY_ROUTE: readonly ErrorCode[] = [
  "invalid_request",
  "authentication_required",
  "invalid_api_key",
  "permission_denied",
  "not_found",
  "rate_limit_exceeded",
  "daily_quota_exceeded",
  "internal_error",
];
/** What the body checks answer, on every route but GET (any other request may carry a body). */
const WITH_BODY: readonly ErrorCode[] = ["invalid_json", "payload_too_large", "unsupported_media_type"];
/** What `Idempotency-Key` adds to every POST. */
const POST: readonly ErrorCode[] = ["idempotency_key_in_use", "idempotency_key_reused"];

type ErrorNotes = Partial<Record<ErrorCode, string>>;

/**
 * The error responses of a route, one per status, each naming the codes it can carry, with the
 * route's note on when it answers a code where it has one.
 */
function errorResponses(codes: Iterable<ErrorCode>, notes: ErrorNotes) {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set(codes)) {
    const status = STATUS_BY_CODE[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const describe = (code: ErrorCode) => (notes[code] ? `\`${code}\` (${notes[code]})` : `\`${code}\``);
  return Object.fromEntries(
    [...byStatus].sort(([a], [b]) => a - b).map(([status, list]) => [status, errorContent(list.map(describe).join(", "))]),
  );
}

type AuthenticatedRouteConfig = Omit<RouteConfig, "security"> & {
  /** The error codes this route can answer beyond those every authenticated route can. */
  errors?: readonly ErrorCode[];
  /** When this route answers a code whose name alone does not say (`invalid_state`: which state). */
  errorNotes?: ErrorNotes;
};

/**
 * A /v1 route definition: bearer security and the error responses it can answer (every route's,
 * the body checks' where it takes a body, idempotency's on POST, and its own `errors`).
 */
export function createAuthenticatedRoute<const R extends AuthenticatedRouteConfig>(config: R) {
  const { errors = [], errorNotes = {}, ...route } = config;
  const codes = [
    ...EVERY_ROUTE,
    ...(route.method === "get" ? [] : WITH_BODY),
    ...(route.method === "post" ? POST : []),
    ...errors,
  ];
  return createRoute({
    ...route,
    security: bearerSecurity,
    responses: { ...route.responses, ...errorResponses(codes, errorNotes) },
  } as Omit<R, "errors" | "errorNotes"> & { security: typeof bearerSecurity });
}
