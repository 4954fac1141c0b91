import { createRoute, type OpenAPIHono, type RouteConfig, z } from "@hono/zod-openapi";
import { roleRefusal } from "../roles.ts";
import { type ErrorCode, STATUS_BY_CODE } from "./errors.ts";

/** Every /v1 route takes the API key as a bearer token. */
export const bearerSecurity = [{ bearerAuth: [] }];

/** A JSON request body or response for a route definition. */
export function jsonContent<T extends z.ZodType>(schema: T, description: string) {
  return { content: { "application/json": { schema } }, description };
}

/**
 * What every authenticated route can answer: validation (a malformed `Consistency-Token` on any),
 * authentication, limits, crashes. `permission_denied` and `not_found` only where they can happen.
 */
const EVERY_ROUTE: readonly ErrorCode[] = [
  "invalid_request",
  "authentication_required",
  "invalid_api_key",
  "rate_limit_exceeded",
  "daily_quota_exceeded",
  "internal_error",
];
/** What the body checks answer, on every route but GET (any other request may carry a body). */
const WITH_BODY: readonly ErrorCode[] = ["invalid_json", "payload_too_large", "unsupported_media_type"];
/** What `Idempotency-Key` adds to every POST. */
const POST: readonly ErrorCode[] = ["idempotency_key_in_use", "idempotency_key_reused"];

type ErrorNotes = Partial<Record<ErrorCode, string>>;

const headerRef = (name: keyof typeof RESPONSE_HEADERS) => ({ $ref: `#/components/headers/${name}` });
const parameterRef = (name: keyof typeof REQUEST_HEADERS) => ({ $ref: `#/components/parameters/${name}` });

/** The response headers of the document (components.headers), as the middleware sends them. */
export const RESPONSE_HEADERS = {
  "Request-Id": {
    description: "This request's id (`req_…`); error bodies repeat it.",
    required: true,
    schema: { type: "string", pattern: "^req_[0-9A-Za-z]{20,}$", example: "req_8Xk2Lm4Np6Qr8St1Uv3Wx5Yz" },
  },
  "Consistency-Token": {
    description:
      "Where the data this answer read or wrote stands: send it back as `Consistency-Token` to read data at least that new.",
    required: true,
    schema: { type: "string", example: "0000001a-00000003-00004f2b-5b7c2e9d" },
  },
  "X-RateLimit-Limit": {
    description: "The key's requests per minute. Absent if the rate limiter could not be reached (served anyway).",
    schema: { type: "integer", minimum: 0, example: 300 },
  },
  "X-RateLimit-Remaining": {
    description: "Requests left in this clock minute.",
    schema: { type: "integer", minimum: 0, example: 299 },
  },
  "X-RateLimit-Reset": {
    description: "When the minute window resets (Unix epoch seconds).",
    schema: { type: "integer", minimum: 0, example: 1796135460 },
  },
  "RateLimit-Policy": {
    description: "IETF RateLimit-Policy: the minute policy, and the day policy where the plan has one.",
    schema: { type: "string", example: '"minute";q=300;w=60, "day";q=100000;w=86400' },
  },
  RateLimit: {
    description: "IETF RateLimit: requests left this minute (`r`) and seconds until it resets (`t`).",
    schema: { type: "string", example: '"minute";r=299;t=42' },
  },
  "Retry-After": {
    description: "Seconds to wait before retrying.",
    schema: { type: "integer", minimum: 0, example: 42 },
  },
  "Retry-After-Required": {
    description: "Seconds to wait before retrying.",
    required: true,
    schema: { type: "integer", minimum: 0, example: 42 },
  },
  "Idempotent-Replayed": {
    description: "`true` when this is the stored answer of an earlier request with the same `Idempotency-Key`.",
    schema: { type: "string", enum: ["true"] },
  },
  "WWW-Authenticate": {
    description: "`Bearer`, or `Bearer error=\"invalid_token\"` for a key that does not work.",
    required: true,
    schema: { type: "string", example: "Bearer" },
  },
} as const;

/** The request headers of the document (components.parameters). */
export const REQUEST_HEADERS = {
  IdempotencyKey: {
    name: "Idempotency-Key",
    in: "header",
    required: false,
    description:
      "Makes a POST safe to retry: for 24 hours the same key and request get the stored answer again (`Idempotent-Replayed: true`); the same key with another request is `422 idempotency_key_reused`, while the first still runs `409 idempotency_key_in_use`.",
    schema: { type: "string", minLength: 1, maxLength: 255, pattern: "^[\\x20-\\x7E]+$", example: "order-2026-11-30-0001" },
  },
  ConsistencyToken: {
    name: "Consistency-Token",
    in: "header",
    required: false,
    description:
      "A `Consistency-Token` from an earlier answer: this request reads data at least that new. Malformed: `400 invalid_request` naming the header.",
    schema: { type: "string", example: "0000001a-00000003-00004f2b-5b7c2e9d" },
  },
} as const;

/**
 * Adds the shared headers to the document's components. (`405 method_not_allowed` with `Allow`
 * is the answer of a method a path does not have, so of no operation: info.description says it.)
 */
export function registerOpenApiComponents(registry: OpenAPIHono["openAPIRegistry"]) {
  for (const [name, header] of Object.entries(RESPONSE_HEADERS)) {
    registry.registerComponent("headers", name, header as never);
  }
  for (const [name, parameter] of Object.entries(REQUEST_HEADERS)) {
    registry.registerComponent("parameters", name, parameter as never);
  }
}

const RATE_LIMIT_HEADERS = {
  "X-RateLimit-Limit": headerRef("X-RateLimit-Limit"),
  "X-RateLimit-Remaining": headerRef("X-RateLimit-Remaining"),
  "X-RateLimit-Reset": headerRef("X-RateLimit-Reset"),
  "RateLimit-Policy": headerRef("RateLimit-Policy"),
  RateLimit: headerRef("RateLimit"),
};

/** The headers of an authenticated answer with this status (see src/middleware/*). */
function responseHeaders(status: number, method: string) {
  return {
    "Request-Id": headerRef("Request-Id"),
    "Consistency-Token": headerRef("Consistency-Token"),
    // A failed authentication is refused before the key's limit is looked at.
    ...(status === 401 ? { "WWW-Authenticate": headerRef("WWW-Authenticate") } : RATE_LIMIT_HEADERS),
    ...(status === 429 ? { "Retry-After": headerRef("Retry-After-Required") } : {}),
    ...(status === 503 ? { "Retry-After": headerRef("Retry-After") } : {}),
    // Stored answers (every status but validation, refusals and 5xx) are replayed with this header.
    ...(method === "post" && ![400, 401, 403, 404, 413, 415, 429].includes(status) && status < 500
      ? { "Idempotent-Replayed": headerRef("Idempotent-Replayed") }
      : {}),
  };
}

/** The error body of one status, its `code` limited to those the route can answer with it. */
export function errorBodySchema(codes: readonly ErrorCode[]) {
  return z.object({
    error: z.object({
      code: z.enum(codes as [ErrorCode, ...ErrorCode[]]),
      message: z.string().openapi({ description: "For people; never a stack trace or SQL." }),
      field: z
        .string()
        .nullable()
        .openapi({ description: "The parameter, header or body field at fault (`line_items[2].quantity_ordered`); null when no single one is." }),
      request_id: z.string().openapi({ example: "req_8Xk2Lm4Np6Qr8St1Uv3Wx5Yz" }),
    }),
  });
}

/**
 * The error responses of a route, one per status, each with an error body whose `code` is one of
 * the codes it can carry, with the route's note on when it answers a code where it has one.
 */
function errorResponses(codes: Iterable<ErrorCode>, notes: ErrorNotes, method: string) {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set(codes)) {
    const status = STATUS_BY_CODE[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const describe = (code: ErrorCode) => (notes[code] ? `\`${code}\` (${notes[code]})` : `\`${code}\``);
  return Object.fromEntries(
    [...byStatus]
      .sort(([a], [b]) => a - b)
      .map(([status, list]) => [
        status,
        {
          description: list.map(describe).join(", "),
          headers: responseHeaders(status, method),
          content: { "application/json": { schema: errorBodySchema(list) } },
        },
      ]),
  );
}

/** Whether a key of some role may not call this route (src/roles.ts decides, here as at runtime). */
function mayBeRefused(method: string, path: string): boolean {
  const concrete = path.replace(/\{[^}]+\}/g, "x");
  return (["member", "read_only"] as const).some((role) => roleRefusal(role, method.toUpperCase(), concrete) !== null);
}

type AuthenticatedRouteConfig = Omit<RouteConfig, "security"> & {
  /** The error codes this route can answer beyond those every authenticated route can. */
  errors?: readonly ErrorCode[];
  /** When this route answers a code whose name alone does not say (`invalid_state`: which state). */
  errorNotes?: ErrorNotes;
};

/**
 * A /v1 route definition: bearer security, its request headers (`Consistency-Token`, and
 * `Idempotency-Key` on POST), the response headers of every answer, and the error responses it
 * can answer (every route's; `permission_denied` where a role is refused; `not_found` for a path
 * or body naming an object; the body checks' where it takes a body; idempotency's on POST; its own
 * `errors`).
 */
export function createAuthenticatedRoute<const R extends AuthenticatedRouteConfig>(config: R) {
  const { errors = [], errorNotes = {}, ...route } = config;
  const codes: ErrorCode[] = [
    ...EVERY_ROUTE,
    ...(mayBeRefused(route.method, route.path) ? (["permission_denied"] as const) : []),
    ...(route.path.includes("{") || route.method !== "get" ? (["not_found"] as const) : []),
    ...(route.method === "get" ? [] : WITH_BODY),
    ...(route.method === "post" ? POST : []),
    ...errors,
  ];
  const successes = Object.fromEntries(
    Object.entries(route.responses).map(([status, response]) => [
      status,
      { ...response, headers: { ...responseHeaders(Number(status), route.method), ...(response as { headers?: object }).headers } },
    ]),
  );
  return createRoute({
    ...route,
    security: bearerSecurity,
    parameters: [
      parameterRef("ConsistencyToken"),
      ...(route.method === "post" ? [parameterRef("IdempotencyKey")] : []),
    ],
    responses: { ...successes, ...errorResponses(codes, errorNotes, route.method) },
  } as Omit<R, "errors" | "errorNotes"> & { security: typeof bearerSecurity });
}

type Json = Record<string, unknown>;

/** Whether a schema is a string (or a nullable one) with no format said. */
function isPlainString(schema: Json): boolean {
  const type = schema.type;
  return (type === "string" || (Array.isArray(type) && type.includes("string"))) && schema.format === undefined;
}

/** Calls `visit` on every schema object under `node` (properties, items, compositions). */
function eachSchema(node: unknown, visit: (schema: Json) => void): void {
  if (Array.isArray(node)) {
    for (const entry of node) eachSchema(entry, visit);
    return;
  }
  if (node === null || typeof node !== "object") return;
  const schema = node as Json;
  visit(schema);
  for (const value of Object.values(schema)) eachSchema(value, visit);
}

/**
 * What the route definitions cannot say and every answer shares: the timestamps of answers
 * (`…_at` fields, always ISO 8601 in UTC) are `format: date-time`. Dates (`expected_at`) carry
 * their own `format: date` and are left alone.
 */
export function completeDocument<D extends { components?: object; webhooks?: object }>(doc: D): D {
  const timestamps = (schema: Json) => {
    const properties = schema.properties as Record<string, Json> | undefined;
    if (!properties) return;
    for (const [name, property] of Object.entries(properties)) {
      if (name.endsWith("_at") && isPlainString(property)) property.format = "date-time";
    }
  };
  eachSchema((doc.components as Json | undefined)?.schemas, timestamps);
  eachSchema((doc as Json).paths, timestamps);
  eachSchema(doc.webhooks, timestamps);
  // A union told apart by a boolean (`dry_run` of a restore and of its preview) is a oneOf whose
  // members' `dry_run` are `const`: OpenAPI's `discriminator` keyword only maps string values.
  eachSchema((doc as Json).paths, (schema) => {
    const discriminator = schema.discriminator as { mapping?: object } | undefined;
    if (discriminator && Object.keys(discriminator.mapping ?? {}).length === 0) delete schema.discriminator;
  });
  return doc;
}
