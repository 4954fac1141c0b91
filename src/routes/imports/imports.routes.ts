import { z } from "@hono/zod-openapi";
import { ImportSchema } from "../../domain/imports.ts";
import { createAuthenticatedRoute, jsonContent as json } from "../../lib/openapi.ts";
import { paginated } from "../../lib/pagination.ts";
import { CreateImportQuerySchema, ImportIdParamsSchema, ListImportsQuerySchema } from "./imports.schemas.ts";

const tags = ["Imports"];

export const createImport = createAuthenticatedRoute({
  operationId: "createImport",
  method: "post",
  path: "/v1/imports",
  tags,
  summary: "Import items from CSV",
  description:
    "A `text/csv` body (UTF-8, a BOM is ignored, `,` or `;` separated, up to 50 MiB and the plan's rows): a header row, then one item a row, matched by `sku` (case-insensitive). Columns: `sku` (required), any of `name, quantity, location, barcode, reorder_point`; `id, created_at, updated_at` are accepted and ignored. A new SKU creates an item (`name` required); a known one updates the columns given; an empty cell leaves a field as it is. `quantity` is the counted stock: a difference is a `count` transaction with `reference` = the import's id. Every row is validated first; by default one invalid row fails the import and nothing changes. Small files finish in the request (201); larger ones continue in the background (202): follow them with GET /v1/imports/{id}.",
  request: {
    query: CreateImportQuerySchema,
    body: {
      content: { "text/csv": { schema: z.string().openapi({ example: "sku,name,quantity\nWPX-001,Widget Pro X,248\n" }) } },
      description: "The CSV file.",
      required: true,
    },
  },
  responses: {
    201: json(ImportSchema, "The import, finished (complete or failed)."),
    202: json(ImportSchema, "The import, continuing in the background."),
  },
  errors: ["service_unavailable"],
  errorNotes: {
    payload_too_large: "the file is over 50 MiB, or has more rows than the plan imports a file",
    unsupported_media_type: "the body is not sent as `text/csv`",
  },
});

export const listImports = createAuthenticatedRoute({
  operationId: "listImports",
  method: "get",
  path: "/v1/imports",
  tags,
  summary: "List imports",
  request: { query: ListImportsQuerySchema },
  responses: { 200: json(paginated(ImportSchema), "A page of imports.") },
});

export const getImport = createAuthenticatedRoute({
  operationId: "getImport",
  method: "get",
  path: "/v1/imports/{id}",
  tags,
  summary: "Retrieve an import",
  description: "The import and its progress (`rows_processed` of `rows_total`) while it runs.",
  request: { params: ImportIdParamsSchema },
  responses: { 200: json(ImportSchema, "The import.") },
});

export const getImportErrors = createAuthenticatedRoute({
  operationId: "getImportErrors",
  method: "get",
  path: "/v1/imports/{id}/errors",
  tags,
  summary: "Download an import's errors",
  description: "Every error of the import as `text/csv`: `row,column,message`, in row order (row 1 is the header).",
  request: { params: ImportIdParamsSchema },
  responses: {
    200: { description: "The errors.", content: { "text/csv": { schema: z.string().openapi({ format: "binary" }) } } },
  },
});
