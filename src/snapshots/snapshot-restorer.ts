import { DurableObject } from "cloudflare:workers";
import type { SnapshotRestoreRow } from "../db/schema.ts";
import { findRestore } from "../db/snapshots.ts";
import { markRestoreFailed, runRestoreStep } from "./restore.ts";
import { createServices, type Services } from "../services/index.ts";

/** Work done per step; a step also stays well inside blockConcurrencyWhile's 30 s. */
const STEP_MS = 10_000;
const MAX_FAILURES = 5;

/**
 * Drives one restore to its end (one object per restore). Why a Durable Object alarm: a restore
 * of 100,000 items needs more D1 work than one invocation may do, the alarm runs the next step in
 * a fresh invocation, is retried by the platform if an invocation dies, and the object guarantees
 * that two steps of one restore never run at once. Progress is in D1 (the restore row), so a step
 * that dies is simply run again.
 */
export class SnapshotRestorer extends DurableObject<Env> {
  private readonly services: Services = createServices(this.env);

  /** Runs the first step now (small restores finish here) and schedules the rest. */
  async start(restoreId: string): Promise<SnapshotRestoreRow> {
    this.ctx.storage.kv.put("restore_id", restoreId);
    return this.ctx.blockConcurrencyWhile(() => this.step(restoreId));
  }

  override async alarm(): Promise<void> {
    const restoreId = this.ctx.storage.kv.get<string>("restore_id");
    if (restoreId) await this.ctx.blockConcurrencyWhile(() => this.step(restoreId));
  }

  private async step(restoreId: string): Promise<SnapshotRestoreRow> {
    try {
      const restore = await runRestoreStep(this.services, restoreId, STEP_MS);
      if (restore.status === "running" || restore.status === "pending") await this.ctx.storage.setAlarm(Date.now());
      this.ctx.storage.kv.put("failures", 0);
      return restore;
    } catch (error) {
      const failures = (this.ctx.storage.kv.get<number>("failures") ?? 0) + 1;
      this.ctx.storage.kv.put("failures", failures);
      console.error(JSON.stringify({ event: "restore_step_failed", restore_id: restoreId, failures, error: String(error) }));
      if (failures >= MAX_FAILURES) {
        return markRestoreFailed(this.services, restoreId, `The restore stopped after ${failures} failed attempts; it can be started again.`);
      }
      // Tried again by this alarm. Not rethrown: an exception inside blockConcurrencyWhile resets the
      // object (losing the failure count), and the request that started the restore should get the
      // restore, which goes on, rather than an error.
      await this.ctx.storage.setAlarm(Date.now() + 1_000 * 2 ** failures);
      return (await findRestore(this.services.db, restoreId))!;
    }
  }
}
