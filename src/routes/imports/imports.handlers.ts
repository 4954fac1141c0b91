import { findCompanyImport, listImports as listRows } from "../../db/imports.ts";
import { notFound } from "../../domain/errors.ts";
import { ERROR_COLUMNS, toImport } from "../../domain/imports.ts";
import { errorsKey } from "../../imports/run-import.ts";
import { startImport } from "../../imports/start-import.ts";
import { uploadOf } from "../../imports/upload.ts";
import { csvLine } from "../../lib/csv.ts";
import { paginate } from "../../lib/pagination.ts";
import type { AppRouteHandler } from "../../types.ts";
import type * as routes from "./imports.routes.ts";

export const createImport: AppRouteHandler<typeof routes.createImport> = async (c) => {
  const { dry_run, on_error } = c.req.valid("query");
  const row = await startImport(c.var, c.get("actor"), c.get("auth").plan, uploadOf(c)!, {
    dryRun: dry_run ?? false,
    onError: on_error ?? "fail",
  });
  return c.json(toImport(row), row.status === "complete" || row.status === "failed" ? 201 : 202);
};

export const listImports: AppRouteHandler<typeof routes.listImports> = async (c) => {
  const page = c.req.valid("query");
  const { rows, ...list } = await listRows(c.get("db"), c.get("auth").companyId, page);
  return c.json(paginate(rows.map(toImport), list, page), 200);
};

async function companyImport(c: Parameters<AppRouteHandler<typeof routes.getImport>>[0], id: string) {
  const row = await findCompanyImport(c.get("db"), c.get("auth").companyId, id);
  if (!row) throw notFound("import", id);
  return row;
}

export const getImport: AppRouteHandler<typeof routes.getImport> = async (c) => {
  const row = await companyImport(c, c.req.valid("param").id);
  return c.json(toImport(row), 200);
};

export const getImportErrors: AppRouteHandler<typeof routes.getImportErrors> = async (c) => {
  const { id } = c.req.valid("param");
  const row = await findCompanyImport(c.get("db"), c.get("auth").companyId, id);
  if (!row) throw notFound("import", id);
  const headers = {
    "Content-Type": "text/csv; charset=utf-8",
    "Content-Disposition": `attachment; filename="${row.id}-errors.csv"`,
  };
  const object = row.errorsCount > 0 ? await c.get("blobs").get(errorsKey(row)) : null;
  if (!object) {
    // No errors (or only the one that stopped the import, shown in the import object).
    const lines = [csvLine(ERROR_COLUMNS), ...row.errors.map((e) => csvLine([e.row, e.column, e.message]))];
    return c.body(lines.join(""), 200, headers);
  }
  return c.body(object.body, 200, headers);
};
