// Forms: what was typed, and what is wrong with it field by field. The dashboard validates with
// the API's own zod schemas and domain functions, so a form refuses exactly what the API would;
// the errors are shown beside their fields with the typed values kept.
import type { Context } from "hono";
import type { z } from "@hono/zod-openapi";
import { DomainError } from "../domain/errors.ts";
import { fieldPath } from "../lib/validation.ts";

/** The typed values of a form, by field name (files and repeated names are not used here). */
export type FormValues = Record<string, string>;
/** A message per field name; `""` holds an error of the form as a whole. */
export type FieldErrors = Record<string, string>;

export async function readForm(c: Context): Promise<FormValues> {
  const body = await c.req.parseBody();
  const values: FormValues = {};
  for (const [name, value] of Object.entries(body)) {
    if (typeof value === "string") values[name] = value;
  }
  return values;
}

/** Each field's first issue, as "<Label> <message>" ("Name must be at least 1 character long."). */
export function zodFieldErrors(error: z.ZodError, labels: Record<string, string>, rename: Record<string, string> = {}): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of error.issues) {
    const path = fieldPath(issue.path) ?? "";
    const field = rename[path] ?? path;
    if (field in errors) continue;
    const label = labels[field];
    errors[field] = label ? `${label} ${issue.message}` : issue.message;
  }
  return errors;
}

/** A domain error as a form error: beside its field when it names one of the form's, else on top. */
export function domainFieldErrors(error: DomainError, labels: Record<string, string>, rename: Record<string, string> = {}): FieldErrors {
  const field = error.field === null ? "" : (rename[error.field] ?? error.field);
  return field in labels ? { [field]: error.message } : { "": error.message };
}

/** Runs a domain function, turning its DomainError into form errors (other errors propagate). */
export async function attempt<T>(
  work: () => Promise<T>,
  labels: Record<string, string>,
  rename: Record<string, string> = {},
): Promise<{ ok: true; value: T } | { ok: false; errors: FieldErrors; status: number }> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    const status = error.code === "not_found" ? 404 : error.code === "invalid_input" ? 400 : error.code === "plan_limit_exceeded" ? 429 : 409;
    return { ok: false, errors: domainFieldErrors(error, labels, rename), status };
  }
}
