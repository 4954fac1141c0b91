// A CSV import (API.md §15): the public object, and the rules that turn a file's header and rows
// into item targets, with the JSON API's own schemas and messages. Pure: no storage.
import { z } from "@hono/zod-openapi";
import type { z as zod } from "zod";
import { IMPORT_STATUSES, type ImportRow } from "../db/schema.ts";
import { unescapeFormula } from "../lib/csv.ts";
import { CreateItemBodySchema, UpdateItemBodySchema, type ItemChanges } from "./items.ts";

export const MAX_IMPORT_BYTES = 50 * 1024 * 1024;
/** Errors shown in the import object; all of them are in `GET /v1/imports/:id/errors`. */
export const ERRORS_SHOWN = 100;

export const ImportErrorSchema = z
  .object({
    row: z.int().openapi({ description: "The row of the file, row 1 being the header.", example: 7 }),
    column: z.string().nullable().openapi({ description: "The column at fault; null for the row as a whole.", example: "quantity" }),
    message: z.string().openapi({ example: "The 'quantity' field must be an integer." }),
  })
  .openapi("ImportError");

export type ImportError = z.infer<typeof ImportErrorSchema>;

export const ImportSchema = z
  .object({
    id: z.string().openapi({ example: "imp_4Fg6Hj8Kl1Mn3Pq5Rs7Tu9Vw" }),
    status: z.enum(IMPORT_STATUSES),
    dry_run: z.boolean(),
    on_error: z.enum(["fail", "skip"]),
    rows_total: z.int().openapi({ description: "Rows of the file after the header (blank rows not counted)." }),
    rows_processed: z.int().openapi({ description: "Rows done with: applied, skipped as invalid, or (a dry run) checked." }),
    items_created: z.int(),
    items_updated: z.int(),
    items_unchanged: z.int(),
    quantity_changes: z.int().openapi({ description: "`count` transactions written (a dry run: that would be)." }),
    errors_count: z.int(),
    errors: z.array(ImportErrorSchema).openapi({ description: "The first 100 errors, in row order." }),
    created_at: z.string(),
    completed_at: z.string().nullable(),
  })
  .openapi("Import");

export type PublicImport = z.infer<typeof ImportSchema>;

export function toImport(row: ImportRow): PublicImport {
  return {
    id: row.id,
    status: row.status,
    dry_run: row.dryRun,
    on_error: row.onError,
    rows_total: row.rowsTotal,
    rows_processed: row.rowsProcessed,
    items_created: row.itemsCreated,
    items_updated: row.itemsUpdated,
    items_unchanged: row.itemsUnchanged,
    quantity_changes: row.quantityChanges,
    errors_count: row.errorsCount,
    errors: row.errors,
    created_at: row.createdAt,
    completed_at: row.completedAt,
  };
}

/** The columns an import reads, and those it accepts (as exported) and ignores. */
export const IMPORT_COLUMNS = ["sku", "name", "quantity", "location", "barcode", "reorder_point"] as const;
const IGNORED_COLUMNS = ["id", "created_at", "updated_at"] as const;
type ImportColumn = (typeof IMPORT_COLUMNS)[number];
const INTEGER_COLUMNS = new Set<string>(["quantity", "reorder_point"]);

/** Which column of the file holds which field (ignored columns: null). */
export type ImportHeader = (ImportColumn | null)[];

const COLUMNS_HELP = `The columns are ${IMPORT_COLUMNS.join(", ")} (sku required; ${IGNORED_COLUMNS.join(", ")} are accepted and ignored).`;

/** The header row's columns, or its errors (row 1). Names are compared trimmed and case-insensitively. */
export function readHeader(cells: string[]): { header: ImportHeader } | { errors: ImportError[] } {
  const errors: ImportError[] = [];
  const header: ImportHeader = [];
  const seen = new Set<string>();
  for (const cell of cells) {
    const name = cell.trim().toLowerCase();
    if ((IMPORT_COLUMNS as readonly string[]).includes(name)) {
      if (seen.has(name)) errors.push({ row: 1, column: name, message: `The column '${name}' appears twice in the header.` });
      seen.add(name);
      header.push(name as ImportColumn);
    } else if ((IGNORED_COLUMNS as readonly string[]).includes(name)) {
      header.push(null);
    } else {
      errors.push({ row: 1, column: cell, message: `Unknown column '${cell}'. ${COLUMNS_HELP}` });
    }
  }
  if (!seen.has("sku")) errors.push({ row: 1, column: "sku", message: `The header has no 'sku' column. ${COLUMNS_HELP}` });
  return errors.length > 0 ? { errors } : { header };
}

/** A row's fields as given: non-empty cells only (an empty cell leaves a field as it is). */
export type ImportFields = Partial<Record<ImportColumn, string | number>>;

/**
 * A row's cells as the fields it gives, numbers read as numbers (what is not an integer is passed
 * on as it is, for the schema to refuse with the API's message), the `'` of formula-like text
 * taken away; or the row's own error (more cells than the header has).
 */
export function rowFields(cells: string[], header: ImportHeader, row: number): { fields: ImportFields } | { error: ImportError } {
  if (cells.length > header.length && cells.slice(header.length).some((cell) => cell.trim() !== "")) {
    return { error: { row, column: null, message: `This row has ${cells.length} cells; the header has ${header.length} columns.` } };
  }
  const fields: ImportFields = {};
  header.forEach((column, i) => {
    if (column === null) return;
    const cell = cells[i] ?? "";
    if (cell.trim() === "") return;
    if (INTEGER_COLUMNS.has(column)) {
      const trimmed = cell.trim();
      fields[column] = /^[+-]?\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) : trimmed;
    } else {
      fields[column] = unescapeFormula(cell);
    }
  });
  return { fields };
}

/** The folded key a SKU is matched by (SKUs are ASCII: lower case is their case folding). */
export function skuKey(sku: string): string {
  return sku.toLowerCase();
}

function issueErrors(error: zod.ZodError, row: number): ImportError[] {
  return error.issues.map((issue) => {
    const column = issue.code === "unrecognized_keys" ? String(issue.keys[0]) : String(issue.path[0] ?? "");
    return { row, column: column || null, message: column ? `The '${column}' field ${issue.message}` : issue.message };
  });
}

/**
 * A row's target, checked by the JSON API's schemas: a new item's (`exists` false: name required)
 * or a change's; or every error of the row.
 */
export function rowTarget(fields: ImportFields, exists: boolean, row: number): { target: ItemChanges & { sku: string } } | { errors: ImportError[] } {
  if (fields.sku === undefined) return { errors: [{ row, column: "sku", message: "The 'sku' field is required." }] };
  const parsed = (exists ? UpdateItemBodySchema : CreateItemBodySchema).safeParse(fields);
  if (!parsed.success) return { errors: issueErrors(parsed.error, row) };
  const target = parsed.data as ItemChanges & { sku: string };
  // A new item without a quantity column starts at 0 (the schema's default), as through the API.
  return { target };
}

/** The line of `GET /v1/imports/:id/errors`'s header. */
export const ERROR_COLUMNS = ["row", "column", "message"] as const;
