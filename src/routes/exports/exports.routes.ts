import { z } from "@hono/zod-openapi";
import { createAuthenticatedRoute } from "../../lib/openapi.ts";
import { ExportItemsQuerySchema, ExportTransactionsQuerySchema } from "./exports.schemas.ts";

const csv = (description: string) => ({
  description,
  content: { "text/csv": { schema: z.string().openapi({ format: "binary" }) } },
});

export const exportItems = createAuthenticatedRoute({
  operationId: "exportItems",
  method: "get",
  path: "/v1/items/export",
  tags: ["Items"],
  summary: "Export items as CSV",
  description:
    "Every live item matching the list's filters, newest first, as `text/csv; charset=utf-8` (RFC 4180, a header row of the item's field names), streamed. Text cells a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab or CR) are written with a leading `'`, which an import takes away again.",
  request: { query: ExportItemsQuerySchema },
  responses: { 200: csv("The items, one a row.") },
});

export const exportTransactions = createAuthenticatedRoute({
  operationId: "exportTransactions",
  method: "get",
  path: "/v1/transactions/export",
  tags: ["Transactions"],
  summary: "Export the ledger as CSV",
  description:
    "Every transaction matching the list's filters, newest first, as `text/csv; charset=utf-8` (RFC 4180, a header row of the transaction's field names), streamed, formula-like text escaped as for items.",
  request: { query: ExportTransactionsQuerySchema },
  responses: { 200: csv("The transactions, one a row.") },
});
