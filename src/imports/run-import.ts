// Running an import: validate the whole file first (every row, by the JSON API's rules, against
// the live items), then apply it in chunks through the engine restores use. Each chunk is one D1
// batch with its items, ledger rows (`count`, reference = the import id), audit entries, events
// and the import's progress (the byte offset of the next row), so a step that dies is run again
// from where the last batch left it.
import type { SQLWrapper } from "drizzle-orm";
import type { Actor } from "../db/audit.ts";
import { runBatch } from "../db/client.ts";
import { eventInsert } from "../db/events.ts";
import { findImport, liveItemIdsBySku, updateImportStatement } from "../db/imports.ts";
import type { ItemChangeRecord } from "../db/item-states.ts";
import type { ImportRow } from "../db/schema.ts";
import { itemPages } from "../db/snapshots.ts";
import { DomainError } from "../domain/errors.ts";
import { ERROR_COLUMNS, ERRORS_SHOWN, rowTarget, skuKey, toImport, type ImportError, type ImportFields } from "../domain/imports.ts";
import { itemChanges, toItem, type ItemChanges, type PublicItem } from "../domain/items.ts";
import { applyItemChunk, APPLY_CHUNK, type ItemTarget } from "../items/apply-items.ts";
import { nowIso } from "../lib/clock.ts";
import { csvLine } from "../lib/csv.ts";
import { stepBudget } from "../lib/step-budget.ts";
import type { Services } from "../services/index.ts";
import { fileRows, readFileHeader, type FileHeader } from "./import-file.ts";

/** D1 calls a step may make, well under 1,000 an invocation (a chunk costs 3-4: look-up, read, batch). */
const CALLS_PER_STEP = 400;

export interface ImportStepOptions {
  budgetMs: number;
  /** Rows applied per chunk (at most APPLY_CHUNK); tests make it small to show the stepping. */
  chunkSize?: number;
  maxCalls?: number;
}

function importRecord(importId: string): ItemChangeRecord {
  return { movementType: "count", reference: importId, auditActions: { create: "create", update: "update", restore: "restore" } };
}

export function errorsKey(row: Pick<ImportRow, "blobKey">): string {
  return row.blobKey.replace(/\.csv$/, ".errors.csv");
}

function actorOf(row: ImportRow): Actor {
  return { companyId: row.companyId, userId: row.userId, apiKeyId: row.apiKeyId, requestId: row.requestId };
}

/** The final state's batch: the row and (not for dry runs, which change nothing) its event. */
function finishStatements(services: Pick<Services, "db">, row: ImportRow, changes: Partial<ImportRow>): { statements: SQLWrapper[]; row: ImportRow } {
  const finished = { ...row, ...changes, updatedAt: changes.completedAt ?? nowIso() };
  const statements: SQLWrapper[] = [updateImportStatement(services.db, row.id, { ...changes, updatedAt: finished.updatedAt })];
  if (!row.dryRun) {
    statements.push(
      eventInsert(actorOf(row), {
        type: finished.status === "complete" ? "import.completed" : "import.failed",
        objectType: "import",
        object: toImport(finished),
        createdAt: finished.updatedAt,
      }),
    );
  }
  return { statements, row: finished };
}

/**
 * Ends the import (its final state, and `before` in the same batch), then deletes its uploaded file:
 * nothing reads it once the import is over (its errors are a file of their own, which stays).
 */
async function finish(services: Pick<Services, "db" | "blobs">, row: ImportRow, changes: Partial<ImportRow>, before: SQLWrapper[] = []): Promise<ImportRow> {
  const { statements, row: finished } = finishStatements(services, row, changes);
  await runBatch(services.db, [...before, ...statements]);
  await services.blobs.delete(row.blobKey).catch((error: unknown) => {
    console.error(JSON.stringify({ event: "import_file_not_deleted", import_id: row.id, key: row.blobKey, error: String(error) }));
  });
  return finished;
}

function sortErrors(errors: ImportError[]): ImportError[] {
  return errors.sort((a, b) => a.row - b.row);
}

/** The live items the file names, by SKU key, and the SKU key of the holder of each barcode it names. */
async function liveItemsNamed(services: Pick<Services, "db">, companyId: string, keys: Set<string>, barcodes: Set<string>) {
  const byKey = new Map<string, PublicItem>();
  const barcodeHolder = new Map<string, string>();
  for await (const page of itemPages(services.db, companyId, "live")) {
    for (const row of page) {
      const key = skuKey(row.sku);
      if (keys.has(key)) byKey.set(key, toItem(row));
      if (row.barcode !== null && barcodes.has(row.barcode)) barcodeHolder.set(row.barcode, key);
    }
  }
  return { byKey, barcodeHolder };
}

/** A row's target for the item of `key`: a live item's change (its SKU as stored), or a new item. */
function withoutSku(target: ItemChanges): ItemChanges {
  const { sku: _, ...rest } = target;
  return rest;
}

/**
 * Validates the whole file: every row by the JSON API's schemas, SKUs and barcodes twice in the
 * file, barcodes of other live items. Works out what the valid rows would change (a dry run's
 * answer). Writes all errors to R2 beside the file. Answers the row as it is after.
 */
async function validate(services: Pick<Services, "db" | "blobs">, row: ImportRow): Promise<ImportRow> {
  const { db, blobs } = services;
  await runBatch(db, [updateImportStatement(db, row.id, { status: "validating", updatedAt: nowIso() })]);
  row = { ...row, status: "validating" };
  const header = await readFileHeader(blobs, row.blobKey);
  if ("errors" in header) {
    return finish(services, row, {
      status: "failed",
      errorsCount: header.errors.length,
      errors: header.errors.slice(0, ERRORS_SHOWN),
      completedAt: nowIso(),
    }, [await writeErrors(services, row, header.errors)].flat());
  }

  // First pass: the SKUs and barcodes the file names, to read only those live items.
  const keys = new Set<string>();
  const barcodes = new Set<string>();
  for await (const line of fileRows(blobs, row.blobKey, header, header.end, 2)) {
    if (!("fields" in line)) continue;
    if (typeof line.fields.sku === "string") keys.add(skuKey(line.fields.sku));
    if (typeof line.fields.barcode === "string") barcodes.add(line.fields.barcode);
  }
  const { byKey, barcodeHolder } = await liveItemsNamed(services, row.companyId, keys, barcodes);

  const errors: ImportError[] = [];
  const skuRows = new Map<string, number>();
  const barcodeRows = new Map<string, number>();
  const counts = { rows: 0, created: 0, updated: 0, unchanged: 0, quantity: 0 };
  for await (const line of fileRows(blobs, row.blobKey, header, header.end, 2)) {
    counts.rows += 1;
    if ("error" in line) {
      errors.push(line.error);
      continue;
    }
    const rowErrors = checkRow(line.fields, line.row, byKey, barcodeHolder, skuRows, barcodeRows);
    if ("errors" in rowErrors) {
      errors.push(...rowErrors.errors);
      continue;
    }
    const { target, current } = rowErrors;
    if (!current) {
      counts.created += 1;
      if ((target.quantity ?? 0) > 0) counts.quantity += 1;
      continue;
    }
    const changed = itemChanges(current, withoutSku(target));
    if (Object.keys(changed).length === 0) counts.unchanged += 1;
    else counts.updated += 1;
    if ("quantity" in changed) counts.quantity += 1;
  }

  sortErrors(errors);
  const errorWrites = await writeErrors(services, row, errors);
  const base: Partial<ImportRow> = { rowsTotal: counts.rows, errorsCount: errors.length, errors: errors.slice(0, ERRORS_SHOWN) };
  const fails = errors.length > 0 && row.onError === "fail";
  if (row.dryRun) {
    return finish(services, row, {
      ...base,
      status: fails ? "failed" : "complete",
      rowsProcessed: counts.rows,
      itemsCreated: counts.created,
      itemsUpdated: counts.updated,
      itemsUnchanged: counts.unchanged,
      quantityChanges: counts.quantity,
      completedAt: nowIso(),
    }, errorWrites);
  }
  if (fails) return finish(services, row, { ...base, status: "failed", completedAt: nowIso() }, errorWrites);
  const applying: Partial<ImportRow> = { ...base, status: "applying", cursor: header.end, cursorRow: 2, updatedAt: nowIso() };
  await runBatch(db, [...errorWrites, updateImportStatement(db, row.id, applying)]);
  return { ...row, ...applying };
}

/** Writes every error to R2 as CSV (row, column, message); answers no statements (a hook for the batch). */
async function writeErrors(services: Pick<Services, "blobs">, row: ImportRow, errors: ImportError[]): Promise<SQLWrapper[]> {
  if (errors.length > 0) {
    const lines = [csvLine(ERROR_COLUMNS), ...errors.map((e) => csvLine([e.row, e.column, e.message]))];
    await services.blobs.put(errorsKey(row), new Blob(lines), { httpMetadata: { contentType: "text/csv; charset=utf-8" } });
  }
  return [];
}

/** One row's checks beyond its own cells: the live item it names, SKUs and barcodes used twice. */
function checkRow(
  fields: ImportFields,
  row: number,
  byKey: Map<string, PublicItem>,
  barcodeHolder: Map<string, string>,
  skuRows: Map<string, number>,
  barcodeRows: Map<string, number>,
): { errors: ImportError[] } | { target: ItemChanges; current: PublicItem | undefined } {
  const key = typeof fields.sku === "string" ? skuKey(fields.sku) : undefined;
  const current = key === undefined ? undefined : byKey.get(key);
  const checked = rowTarget(fields, current !== undefined, row);
  const errors = "errors" in checked ? [...checked.errors] : [];
  if (key !== undefined) {
    const first = skuRows.get(key);
    if (first !== undefined) {
      errors.push({ row, column: "sku", message: `The SKU '${fields.sku}' is also in row ${first}: a file may name each SKU once.` });
    } else skuRows.set(key, row);
  }
  const barcode = typeof fields.barcode === "string" ? fields.barcode : undefined;
  if (barcode !== undefined) {
    const holder = barcodeHolder.get(barcode);
    const first = barcodeRows.get(barcode);
    if (holder !== undefined && holder !== key) {
      errors.push({ row, column: "barcode", message: `Another live item (SKU '${byKey.get(holder)?.sku ?? holder}') already has this barcode.` });
    } else if (first !== undefined) {
      errors.push({ row, column: "barcode", message: `The barcode '${barcode}' is also in row ${first}: each barcode belongs to one item.` });
    } else barcodeRows.set(barcode, row);
  }
  if (errors.length > 0 || "errors" in checked) return { errors };
  return { target: checked.target, current };
}

/** The rows that had errors (skipped by `on_error=skip`), read back from the errors file. */
async function invalidRows(services: Pick<Services, "blobs">, row: ImportRow): Promise<Set<number>> {
  const rows = new Set<number>();
  if (row.errorsCount === 0) return rows;
  const object = await services.blobs.get(errorsKey(row));
  if (!object) throw new Error(`The errors file of import ${row.id} is missing.`);
  // Each line starts with its row number; a message may hold line breaks, but never at a line's start a number and a comma.
  for (const line of (await object.text()).split("\r\n").slice(1)) {
    const match = /^(\d+),/.exec(line);
    if (match) rows.add(Number(match[1]));
  }
  return rows;
}

interface PendingRow {
  row: number;
  end: number;
  /** null: skipped (it had errors). */
  fields: ImportFields | null;
}

/**
 * Applies rows from the cursor in chunks until the file ends or the step's budget does. Each
 * chunk: one look-up of its SKUs, then applyItemChunk (its read and its batch, progress included).
 */
async function apply(services: Pick<Services, "db" | "blobs">, row: ImportRow, options: ImportStepOptions): Promise<ImportRow> {
  const { db, blobs } = services;
  const chunkSize = Math.min(options.chunkSize ?? APPLY_CHUNK, APPLY_CHUNK);
  const mayContinue = stepBudget(options.budgetMs, options.maxCalls ?? CALLS_PER_STEP);
  const header = (await readFileHeader(blobs, row.blobKey)) as FileHeader;
  const skipped = await invalidRows(services, row);
  const actor = actorOf(row);
  const record = importRecord(row.id);

  const applyChunk = async (pending: PendingRow[]) => {
    const valid = pending.filter((p): p is PendingRow & { fields: ImportFields } => p.fields !== null);
    const keys = valid.map((p) => skuKey(p.fields.sku as string));
    const ids = await liveItemIdsBySku(db, row.companyId, keys);
    mayContinue.spend(1);
    const targets: ItemTarget[] = [];
    for (const [i, p] of valid.entries()) {
      const id = ids.get(keys[i]!);
      const checked = rowTarget(p.fields, id !== undefined, p.row);
      if ("errors" in checked) {
        // The item was deleted since the file was validated, and the row cannot create it.
        throw new DomainError("invalid_state", `Row ${p.row}: ${checked.errors[0]!.message} (the item with this SKU was deleted during the import)`);
      }
      targets.push(id === undefined ? checked.target : { ...withoutSku(checked.target), id });
    }
    const last = pending.at(-1)!;
    await applyItemChunk(db, actor, targets, record, async (statements, counts) => {
      const progress: Partial<ImportRow> = {
        cursor: last.end,
        cursorRow: last.row + 1,
        rowsProcessed: row.rowsProcessed + pending.length,
        itemsCreated: row.itemsCreated + counts.create,
        itemsUpdated: row.itemsUpdated + counts.update + counts.restore,
        itemsUnchanged: row.itemsUnchanged + targets.length - counts.create - counts.update - counts.restore,
        quantityChanges: row.quantityChanges + counts.quantityChanges,
        updatedAt: nowIso(),
      };
      await runBatch(db, [...statements, updateImportStatement(db, row.id, progress)]);
      mayContinue.spend(2);
      row = { ...row, ...progress };
    });
  };

  let pending: PendingRow[] = [];
  let validCount = 0;
  try {
    for await (const line of fileRows(blobs, row.blobKey, header, row.cursor, row.cursorRow)) {
      const fields = "fields" in line && !skipped.has(line.row) ? line.fields : null;
      pending.push({ row: line.row, end: line.end, fields });
      if (fields) validCount += 1;
      if (validCount === chunkSize) {
        if (!mayContinue()) return row;
        await applyChunk(pending);
        pending = [];
        validCount = 0;
      }
    }
    if (pending.length > 0) {
      if (!mayContinue()) return row;
      await applyChunk(pending);
    }
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    const failedAt = pending[0]?.row ?? row.cursorRow;
    const message = `Stopped at row ${failedAt} after ${row.rowsProcessed} rows were applied: ${error.message}`;
    return markImportFailed(services, row.id, { row: failedAt, column: error.field ?? null, message });
  }
  return finish(services, row, { status: "complete", rowsProcessed: row.rowsTotal, completedAt: nowIso() });
}

/**
 * Runs the import for up to `budgetMs`: validation (one unit: the whole file), then chunks of the
 * apply phase. Answers its row: `complete`, `failed`, or still `applying` (call again to continue).
 */
export async function runImportStep(services: Pick<Services, "db" | "blobs">, importId: string, options: ImportStepOptions): Promise<ImportRow> {
  let row = (await findImport(services.db, importId))!;
  if (row.status === "complete" || row.status === "failed") return row;
  if (row.status === "pending" || row.status === "validating") row = await validate(services, row);
  if (row.status === "applying") row = await apply(services, row, options);
  return row;
}

/** Ends an import as failed with one more error, and its `import.failed` event. */
export async function markImportFailed(services: Pick<Services, "db" | "blobs">, importId: string, error: ImportError): Promise<ImportRow> {
  console.error(JSON.stringify({ event: "import_failed", import_id: importId, error: error.message }));
  const row = (await findImport(services.db, importId))!;
  const errors = row.errors.length < ERRORS_SHOWN ? [...row.errors, error] : row.errors;
  return finish(services, row, { status: "failed", errorsCount: row.errorsCount + 1, errors, completedAt: nowIso() });
}
