// Imports: a CSV uploaded with a form (multipart) becomes an import exactly as `POST /v1/imports`
// makes one: the file stored in R2 under the import's key with its size, SHA-256 and rows counted,
// then `startImport` (the plan's rows a file, the import's Durable Object), so the same rows,
// ledger, audit entries and events. The list, an import's progress and its errors CSV.
import { Hono, type Context } from "hono";
import { findCompanyImport, listImports } from "../db/imports.ts";
import { ERROR_COLUMNS, toImport } from "../domain/imports.ts";
import { errorsKey } from "../imports/run-import.ts";
import { startImport } from "../imports/start-import.ts";
import { importBlobKey, type CsvUpload } from "../imports/upload.ts";
import { RecordCounter, csvLine } from "../lib/csv.ts";
import { ApiError } from "../lib/errors.ts";
import { newId } from "../lib/ids.ts";
import { mayUse } from "./access.ts";
import { afterChange } from "./after-change.ts";
import type { FieldErrors, FormValues } from "./forms.ts";
import { allow } from "./guards.tsx";
import { ErrorPage } from "./pages/errors.tsx";
import { ImportPage, IMPORTS_PATH, ImportsPage, MAX_DASHBOARD_UPLOAD_BYTES } from "./pages/imports.tsx";
import { pageFromQuery } from "./paging.tsx";
import { page } from "./render.ts";
import { actorOf } from "./settings.routes.tsx";
import type { DashboardEnv } from "./types.ts";

type DashboardContext = Context<DashboardEnv>;

async function importsPage(c: DashboardContext, extra: { values?: FormValues; errors?: FieldErrors } = {}, status: 200 | 400 | 413 | 429 = 200) {
  const listPage = pageFromQuery(c.req.query());
  const list = await listImports(c.get("db"), c.get("viewer").company.id, listPage);
  const canUpload = mayUse(c.get("viewer").user.role, ["POST", "/v1/imports"]);
  return page(c, <ImportsPage viewer={c.get("viewer")} imports={list.rows.map(toImport)} total={list.total} hasMore={list.hasMore} page={listPage} canUpload={canUpload} {...extra} />, status);
}

const hex = (bytes: ArrayBuffer) => [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");

const noSuchImport = (c: DashboardContext) => page(c, <ErrorPage viewer={c.get("viewer")} title="No such import" message="There is no such import." />, 404);

export const importsRoutes = new Hono<DashboardEnv>()
  .get("/imports", allow(["GET", "/v1/imports"]), (c) => importsPage(c))
  .post("/imports", allow(["POST", "/v1/imports"]), async (c) => {
    const body = await c.req.parseBody();
    const values = { dry_run: body.dry_run === "true" ? "true" : "false", on_error: body.on_error === "skip" ? "skip" : "fail" };
    const file = body.file;
    if (!(file instanceof File) || file.size === 0) {
      return importsPage(c, { values, errors: { file: "Choose a CSV file: a header row, then one item a row." } }, 400);
    }
    if (file.size > MAX_DASHBOARD_UPLOAD_BYTES) {
      return importsPage(c, { values, errors: { file: "The file is larger than 10 MiB: upload it with the API or `npm run import`." } }, 413);
    }
    const bytes = new Uint8Array(await file.arrayBuffer());
    const counter = new RecordCounter();
    counter.push(bytes);
    const { count, unclosedQuote } = counter.end();
    const companyId = c.get("viewer").company.id;
    const importId = newId("imp");
    const key = importBlobKey(companyId, importId);
    await c.get("blobs").put(key, bytes, { httpMetadata: { contentType: "text/csv; charset=utf-8" } });
    const upload: CsvUpload = { importId, key, size: bytes.byteLength, sha256: hex(await crypto.subtle.digest("SHA-256", bytes)), records: count, unclosedQuote, claimed: false };
    try {
      const row = await startImport(c.var, actorOf(c), c.get("viewer").company.plan, upload, {
        dryRun: values.dry_run === "true",
        onError: values.on_error as "fail" | "skip",
      });
      afterChange(c);
      return c.redirect(`${IMPORTS_PATH}/${row.id}`, 303);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      return importsPage(c, { values, errors: { file: error.message } }, error.code === "payload_too_large" ? 413 : 400);
    } finally {
      if (!upload.claimed) await c.get("blobs").delete(key).catch(() => {});
    }
  })
  .get("/imports/:id", allow(["GET", "/v1/imports/:id"]), async (c) => {
    const row = await findCompanyImport(c.get("db"), c.get("viewer").company.id, c.req.param("id"));
    if (!row) return noSuchImport(c);
    return page(c, <ImportPage viewer={c.get("viewer")} entry={toImport(row)} path={c.req.path} />);
  })
  .get("/imports/:id/errors", allow(["GET", "/v1/imports/:id/errors"]), async (c) => {
    const row = await findCompanyImport(c.get("db"), c.get("viewer").company.id, c.req.param("id"));
    if (!row) return noSuchImport(c);
    const headers = { "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": `attachment; filename="${row.id}-errors.csv"` };
    const object = row.errorsCount > 0 ? await c.get("blobs").get(errorsKey(row)) : null;
    if (!object) {
      const lines = [csvLine(ERROR_COLUMNS), ...row.errors.map((e) => csvLine([e.row, e.column, e.message]))];
      return c.body(lines.join(""), 200, headers);
    }
    return c.body(object.body, 200, headers);
  });
