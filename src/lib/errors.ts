import { z } from "@hono/zod-openapi";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { DomainError, type DomainErrorCode } from "../domain/errors.ts";
import { nowMs } from "./clock.ts";

// Every error code of the contract and the status it answers with.
export const STATUS_BY_CODE = {
  invalid_request: 400,
  invalid_json: 400,
  authentication_required: 401,
  invalid_api_key: 401,
  permission_denied: 403,
  not_found: 404,
  method_not_allowed: 405,
  sku_taken: 409,
  barcode_taken: 409,
  insufficient_stock: 409,
  quantity_conflict: 409,
  invalid_state: 409,
  idempotency_key_in_use: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  idempotency_key_reused: 422,
  rate_limit_exceeded: 429,
  daily_quota_exceeded: 429,
  plan_limit_exceeded: 429,
  internal_error: 500,
  service_unavailable: 503,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof STATUS_BY_CODE;

export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: ContentfulStatusCode;
  readonly field: string | null;
  readonly headers: Record<string, string>;

  constructor(
    code: ErrorCode,
    message: string,
    field: string | null = null,
    headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.status = STATUS_BY_CODE[code];
    this.field = field;
    this.headers = headers;
  }
}

/** The contract's code for each domain error. */
const CODE_BY_DOMAIN_CODE = {
  not_found: "not_found",
  sku_taken: "sku_taken",
  barcode_taken: "barcode_taken",
  insufficient_stock: "insufficient_stock",
  quantity_conflict: "quantity_conflict",
  invalid_state: "invalid_state",
  invalid_input: "invalid_request",
  plan_limit_exceeded: "plan_limit_exceeded",
  busy: "service_unavailable",
  unavailable: "service_unavailable",
} as const satisfies Record<DomainErrorCode, ErrorCode>;

/**
 * A domain error as the contract's error: the one place where rules meet HTTP. `entryPath` names
 * the list entry an error of one entry belongs to (`(i) => \`transactions[${i}]\``).
 */
export function toApiError(error: DomainError, entryPath?: (entry: number) => string): ApiError {
  const prefix = error.entry !== null && entryPath ? `${entryPath(error.entry)}.` : "";
  const field = error.field === null ? null : `${prefix}${error.field}`;
  const headers: Record<string, string> =
    error.retryAt === null ? {} : { "Retry-After": String(Math.max(0, Math.ceil((error.retryAt - nowMs()) / 1000))) };
  return new ApiError(CODE_BY_DOMAIN_CODE[error.code], error.message, field, headers);
}

/**
 * Runs `work`, naming the failing entry of a list input in the error's field: a handler's way to
 * say where in its request body the domain's entries are (`transactions[3].quantity`).
 */
export async function withEntryPath<T>(entryPath: (entry: number) => string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof DomainError) throw toApiError(error, entryPath);
    throw error;
  }
}

export const ErrorBodySchema = z
  .object({
    error: z.object({
      code: z.enum(Object.keys(STATUS_BY_CODE) as [ErrorCode, ...ErrorCode[]]),
      message: z.string(),
      field: z.string().nullable(),
      request_id: z.string(),
    }),
  })
  .openapi("Error");

export function errorBody(error: ApiError, requestId: string) {
  return {
    error: { code: error.code, message: error.message, field: error.field, request_id: requestId },
  };
}

export const errorContent = (description: string) => ({
  description,
  content: { "application/json": { schema: ErrorBodySchema } },
});

/** The error answers every authenticated route can give, spread into each route definition. */
export const openApiErrorResponses = {
  400: errorContent("The request failed validation (`invalid_request`, `invalid_json`)."),
  401: errorContent("Missing or invalid API key."),
  403: errorContent("The key's role may not do this."),
  404: errorContent("No such resource for this company."),
  413: errorContent("The body is larger than 1 MiB."),
  415: errorContent("The body is not sent as application/json."),
  429: errorContent("Rate limit or quota exceeded."),
  500: errorContent("Internal error; nothing was half-written."),
} as const;

export const conflictResponse = (description: string) => ({ 409: errorContent(description) });
