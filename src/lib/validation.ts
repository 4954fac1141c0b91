import { z } from "@hono/zod-openapi";
import { ApiError } from "./errors.ts";

// Messages written for people. The field name is added by `validationError`, so each message
// reads as the end of "The 'quantity' field …" (or "The 'limit' query parameter …").
z.config({
  customError: (issue) => {
    switch (issue.code) {
      case "invalid_type":
        if (issue.input === undefined) return "is required.";
        if (issue.expected === "int") return "must be an integer.";
        return `must be ${article(issue.expected)}.`;
      case "too_small":
        return issue.origin === "string"
          ? `must be at least ${issue.minimum} character${issue.minimum === 1 ? "" : "s"} long.`
          : issue.origin === "array"
            ? `must have at least ${issue.minimum} entries.`
            : `must be ${issue.inclusive ? "at least" : "greater than"} ${issue.minimum}.`;
      case "too_big":
        return issue.origin === "string"
          ? `must be at most ${issue.maximum} characters long.`
          : issue.origin === "array"
            ? `must have at most ${issue.maximum} entries.`
            : `must be ${issue.inclusive ? "at most" : "less than"} ${issue.maximum}.`;
      case "invalid_value":
        return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}.`;
      case "invalid_format":
        return issue.format === "datetime"
          ? "must be an ISO 8601 timestamp such as 2025-01-15T10:30:00Z."
          : undefined;
      default:
        return undefined;
    }
  },
});

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/** `["line_items", 2, "quantity_ordered"]` → `line_items[2].quantity_ordered` */
export function fieldPath(path: readonly PropertyKey[]): string | null {
  // Only an empty path is "no field": a JSON key may itself be the empty string.
  if (path.length === 0) return null;
  let out = "";
  for (const part of path) {
    out += typeof part === "number" ? `[${part}]` : `${out ? "." : ""}${String(part)}`;
  }
  return out;
}

/**
 * The first zod issue as the contract's `400 invalid_request`, naming the field. `target` is the
 * part of the request that failed: the messages call a query string's names query parameters and
 * a body's names fields.
 */
export function validationError(error: z.ZodError, target: string = "json"): ApiError {
  const noun = target === "query" ? "query parameter" : "field";
  const issue = error.issues[0];
  if (!issue) return new ApiError("invalid_request", "The request is invalid.");
  if (issue.code === "unrecognized_keys") {
    const field = fieldPath([...issue.path, issue.keys[0]!]);
    return new ApiError("invalid_request", `Unknown ${noun} '${field}'.`, field);
  }
  const field = fieldPath(issue.path);
  if (field === null) {
    return new ApiError("invalid_request", `The request body ${issue.message}`);
  }
  return new ApiError("invalid_request", `The '${field}' ${noun} ${issue.message}`, field);
}

// Text a person could have typed: no lone UTF-16 surrogates (they cannot be stored as UTF-8 and
// come back as replacement characters) and no control characters, so that what is stored is
// exactly what the answer showed.
const CONTROL_CHARACTERS = /[\u0000-\u001F\u007F]/;
const CONTROL_CHARACTERS_BUT_TAB_AND_NEWLINE = /[\u0000-\u0008\u000B-\u001F\u007F]/;

/** True for valid text (see `text`). */
export function isValidText(value: string, options: { multiline?: boolean } = {}): boolean {
  const forbidden = options.multiline ? CONTROL_CHARACTERS_BUT_TAB_AND_NEWLINE : CONTROL_CHARACTERS;
  return value.isWellFormed() && !forbidden.test(value);
}

/**
 * A string field that refuses what is not valid text. `multiline` (notes) also allows tab and
 * newline. Every free-text field of a request uses it.
 */
export function text(options: { multiline?: boolean } = {}) {
  const message = options.multiline
    ? "must be valid text: no control characters other than tab and newline, and no unpaired surrogates."
    : "must be valid text: no control characters (tab and newline included) and no unpaired surrogates.";
  return z.string().refine((value) => isValidText(value, options), message);
}

// Internationalised addresses (jürgen@müller.de) are email addresses too: anything but spaces,
// quotes and a second @, with a dot in the domain.
const EMAIL = /^[^\s@"]{1,64}@[^\s@".]+(\.[^\s@".]+)+$/u;

/** An email address, ASCII or internationalised; compared case-insensitively with `foldCase`. */
export function email() {
  return z
    .email({ pattern: EMAIL, error: "must be an email address such as ada@example.com." })
    .max(254)
    .refine((value) => isValidText(value), "must be an email address such as ada@example.com.");
}
