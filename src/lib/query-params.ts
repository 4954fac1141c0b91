import { z } from "@hono/zod-openapi";

interface IntegerOptions {
  min: number;
  max?: number;
  default: number;
  description: string;
}

const wholeNumber = (options: IntegerOptions) =>
  z
    .string()
    .regex(/^\d{1,15}$/, "must be a whole number.")
    .transform(Number)
    .pipe(options.max === undefined ? z.int().min(options.min) : z.int().min(options.min).max(options.max));

const documented = (options: IntegerOptions) => ({
  type: "integer" as const,
  minimum: options.min,
  maximum: options.max,
  default: options.default,
  description: options.description,
});

/** A query-string integer: decimal digits only (no `1e2`, no blanks), then range-checked. */
export function queryInteger(options: IntegerOptions) {
  return wholeNumber(options).default(options.default).openapi(documented(options));
}

/**
 * `queryInteger` that stays `undefined` when absent, so that the caller can tell "not sent" from
 * the default, which it applies itself (and which the OpenAPI document still shows).
 */
export function optionalQueryInteger(options: IntegerOptions) {
  return wholeNumber(options).optional().openapi(documented(options));
}

/** An ISO 8601 timestamp (with `Z` or an offset) or date, normalised to UTC `…Z`. */
export function queryTimestamp(description: string) {
  return z
    .union([z.iso.datetime({ offset: true }), z.iso.date()], {
      error: "must be an ISO 8601 timestamp such as 2025-01-15T10:30:00Z.",
    })
    .transform((value) => new Date(value).toISOString())
    .optional()
    .openapi({
      anyOf: [
        { type: "string", format: "date-time", example: "2025-01-15T10:30:00Z" },
        { type: "string", format: "date", description: "A date: its 00:00 UTC.", example: "2025-01-15" },
      ],
      description,
    });
}

/** What a query-string flag takes, in the order a 400 names them. */
const FLAG_VALUES = ["true", "false", "1", "0"];

/** A query-string flag: exactly `true` or `1`, `false` or `0` (case matters), as a boolean. */
export function queryBoolean(description: string) {
  return z
    .stringbool({
      truthy: ["true", "1"],
      falsy: ["false", "0"],
      case: "sensitive",
      error: `must be one of ${FLAG_VALUES.map((value) => JSON.stringify(value)).join(", ")}.`,
    })
    .optional()
    .openapi({ type: "boolean", description: `${description} Sent as \`true\` or \`false\` (\`1\` and \`0\` are accepted too).` });
}
