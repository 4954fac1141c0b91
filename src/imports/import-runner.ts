import { DurableObject } from "cloudflare:workers";
import { findImport } from "../db/imports.ts";
import type { ImportRow } from "../db/schema.ts";
import { createServices, type Services } from "../services/index.ts";
import { countingD1 } from "./count-d1.ts";
import { markImportFailed, runImportStep } from "./run-import.ts";

/**
 * Work done per step (well inside blockConcurrencyWhile's 30 s), and the pause before the next.
 * Short steps with a pause between them let the local runtime answer other requests (a client
 * following the progress): under `wrangler dev` the Worker's requests wait while a step runs.
 */
const STEP_MS = 3_000;
const PAUSE_MS = 50;
const MAX_FAILURES = 5;
/** Files up to this many rows are imported within the request (201); larger ones answer 202 at once. */
export const INLINE_ROWS = 1_000;

/**
 * Drives one import to its end (one object per import), as SnapshotRestorer drives a restore: an
 * alarm runs each next step in a fresh invocation (retried by the platform if one dies), two steps
 * of one import never run at once, and the progress is in D1 (the import row), so a step that
 * dies is simply run again.
 */
export class ImportRunner extends DurableObject<Env> {
  /** D1 calls of this object's steps, logged with each step. */
  private readonly d1 = { calls: 0 };
  private readonly services: Services = createServices({ ...this.env, DB: countingD1(this.env.DB, this.d1) });

  /** Runs a small import to its end now, or schedules a large one; answers its row. */
  async start(importId: string, rowsTotal: number): Promise<ImportRow> {
    this.ctx.storage.kv.put("import_id", importId);
    if (rowsTotal > INLINE_ROWS) {
      await this.ctx.storage.setAlarm(Date.now());
      return (await findImport(this.services.db, importId))!;
    }
    return this.ctx.blockConcurrencyWhile(() => this.step(importId));
  }

  override async alarm(): Promise<void> {
    const importId = this.ctx.storage.kv.get<string>("import_id");
    if (importId) await this.ctx.blockConcurrencyWhile(() => this.step(importId));
  }

  private async step(importId: string): Promise<ImportRow> {
    try {
      const calls = this.d1.calls;
      const started = Date.now();
      const row = await runImportStep(this.services, importId, { budgetMs: STEP_MS });
      console.log(
        JSON.stringify({
          event: "import_step",
          import_id: importId,
          status: row.status,
          rows_processed: row.rowsProcessed,
          rows_total: row.rowsTotal,
          d1_calls: this.d1.calls - calls,
          ms: Date.now() - started,
        }),
      );
      if (row.status !== "complete" && row.status !== "failed") await this.ctx.storage.setAlarm(Date.now() + PAUSE_MS);
      this.ctx.storage.kv.put("failures", 0);
      return row;
    } catch (error) {
      const failures = (this.ctx.storage.kv.get<number>("failures") ?? 0) + 1;
      this.ctx.storage.kv.put("failures", failures);
      console.error(JSON.stringify({ event: "import_step_failed", import_id: importId, failures, error: String(error) }));
      if (failures >= MAX_FAILURES) {
        const row = (await findImport(this.services.db, importId))!;
        return markImportFailed(this.services, importId, {
          row: row.cursorRow,
          column: null,
          message: `The import stopped after ${failures} failed attempts at row ${row.cursorRow}; ${row.rowsProcessed} rows were applied.`,
        });
      }
      await this.ctx.storage.setAlarm(Date.now() + 1_000 * 2 ** failures);
      return (await findImport(this.services.db, importId))!;
    }
  }
}
