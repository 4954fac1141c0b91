import { DurableObject } from "cloudflare:workers";
import { deleteExpiredAuditEntries } from "./db/audit.ts";
import { companyIdsOnPlan } from "./db/companies.ts";
import { deleteExpiredEvents } from "./db/events.ts";
import { deleteIdempotencyKeysBefore } from "./db/idempotency.ts";
import { purgeTrashedItems } from "./db/items.ts";
import { hasAutomaticSnapshotSince, startOfUtcDay } from "./db/snapshots.ts";
import { deleteDeliveriesOfExpiredEvents, type EventPosition } from "./db/webhook-deliveries.ts";
import { DAY_MS, nowMs } from "./lib/clock.ts";
import { PLANS, PLAN_NAMES } from "./plans.ts";
import { createSnapshot } from "./snapshots/create-snapshot.ts";
import { deleteExpiredSnapshots } from "./snapshots/snapshots.ts";
import { createServices, type Services } from "./services/index.ts";

/** Rows a statement deletes, and statements an invocation runs, so no invocation grows with the data. */
const BATCH = 500;
const STATEMENTS_PER_STEP = 20;
/** Expired snapshots are deleted by id: D1 allows 100 bound parameters a statement. */
const SNAPSHOT_BATCH = 90;
/** Companies handed their automatic snapshot per invocation. */
const COMPANIES_PER_STEP = 50;

/**
 * Events are deleted past the longest retention of any plan (all keep them 30 days): a plan that
 * keeps them less hides the older ones from its reads until then. Their webhook deliveries go
 * just before them, in the step before.
 */
const EVENT_RETENTION_DAYS = Math.max(...PLAN_NAMES.map((plan) => PLANS[plan].eventRetentionDays));

const STEPS = ["snapshots", "trash", "audit_log", "expired_snapshots", "idempotency", "webhook_deliveries", "events", "done"] as const;
type Step = (typeof STEPS)[number];

interface Progress {
  day: string;
  step: Step;
  /** For `snapshots`: the last company id handed out; for `webhook_deliveries`: the last event looked at (JSON). */
  cursor: string;
  /** What the run has done so far, logged when it is done. */
  counts: Record<string, number>;
}

/**
 * The daily job, one object per UTC day: an automatic snapshot of every company whose plan has
 * one, then the purge of items trashed over 30 days ago, of audit entries past their plan's
 * retention, of expired snapshots (row and blob), of idempotency records over 24 hours old, and
 * of events past their retention (30 days) with their webhook deliveries and attempts.
 * The Cron Trigger calls `start`; the work is done by alarms, each invocation doing a bounded
 * amount and saving where it is, so that however many companies and rows there are, no invocation
 * exceeds the Workers limits. The automatic snapshots are fanned out: each goes to an object of
 * its own (`company:…`), which takes the snapshot in its own invocation. Every step is idempotent, so running the job
 * twice on one day (or an invocation dying and running again) changes nothing more.
 */
export class DailyJob extends DurableObject<Env> {
  private readonly services: Services = createServices(this.env);

  /** Starts today's run (coordinator object, named by the day). A second start is a no-op. */
  async start(day: string): Promise<void> {
    if (this.ctx.storage.kv.get<Progress>("progress")) return;
    this.ctx.storage.kv.put("progress", { day, step: STEPS[0], cursor: "", counts: {} } satisfies Progress);
    await this.ctx.storage.setAlarm(Date.now());
  }

  /** Hands one company its automatic snapshot (object named `company:<id>:<day>`). */
  async snapshotCompany(companyId: string, day: string): Promise<void> {
    if (this.ctx.storage.kv.get("company")) return;
    this.ctx.storage.kv.put("company", { companyId, day });
    await this.ctx.storage.setAlarm(Date.now());
  }

  progress(): Progress | undefined {
    return this.ctx.storage.kv.get<Progress>("progress");
  }

  override async alarm(): Promise<void> {
    const company = this.ctx.storage.kv.get<{ companyId: string; day: string }>("company");
    if (company) return this.takeAutomaticSnapshot(company.companyId, company.day);
    const progress = this.progress();
    if (!progress || progress.step === "done") return;
    const next = await this.runStep(progress);
    this.ctx.storage.kv.put("progress", next);
    if (next.step !== "done") await this.ctx.storage.setAlarm(Date.now());
    else console.log(JSON.stringify({ job: "daily", day: next.day, status: "done", ...next.counts }));
  }

  private async takeAutomaticSnapshot(companyId: string, day: string): Promise<void> {
    const { db } = this.services;
    if (await hasAutomaticSnapshotSince(db, companyId, day)) return;
    await createSnapshot(this.services, { type: "automatic", plan: "enterprise", actor: null, companyId });
  }

  /** Runs a bounded part of the current step; answers where to go on from. */
  private async runStep(progress: Progress): Promise<Progress> {
    const { db } = this.services;
    const counts = { ...progress.counts };
    const count = (key: string, n: number) => (counts[key] = (counts[key] ?? 0) + n);
    const advance = (): Progress => ({ ...progress, counts, step: STEPS[STEPS.indexOf(progress.step) + 1]!, cursor: "" });
    /** Repeats a bounded delete until it deletes less than a batch, or the step's budget is spent. */
    const drain = async (key: string, remove: () => Promise<number>, batch = BATCH) => {
      for (let i = 0; i < STATEMENTS_PER_STEP; i++) {
        const removed = await remove();
        count(key, removed);
        if (removed < batch) return advance();
      }
      return { ...progress, counts };
    };

    switch (progress.step) {
      case "snapshots": {
        const plans = PLAN_NAMES.filter((name) => PLANS[name].automaticDailySnapshot);
        const ids = (await Promise.all(plans.map((plan) => companyIdsOnPlan(db, plan, progress.cursor, COMPANIES_PER_STEP))))
          .flat()
          .sort()
          .slice(0, COMPANIES_PER_STEP);
        for (const companyId of ids) {
          await this.env.DAILY_JOB.getByName(`company:${companyId}:${progress.day}`).snapshotCompany(companyId, progress.day);
        }
        count("automatic_snapshots_started", ids.length);
        return ids.length < COMPANIES_PER_STEP ? advance() : { ...progress, counts, cursor: ids.at(-1)! };
      }
      case "trash":
        return drain("purged_items", () => purgeTrashedItems(db, BATCH));
      case "audit_log":
        return drain("audit_entries_deleted", () => deleteExpiredAuditEntries(db, BATCH));
      case "expired_snapshots":
        return drain("snapshots_deleted", () => deleteExpiredSnapshots(this.services, SNAPSHOT_BATCH), SNAPSHOT_BATCH);
      case "idempotency":
        return drain("idempotency_keys_deleted", () =>
          deleteIdempotencyKeysBefore(db, new Date(nowMs() - DAY_MS).toISOString(), BATCH),
        );
      case "webhook_deliveries": {
        // Walks the expired events (most have no delivery), from where the last invocation stopped.
        let position: EventPosition | null = progress.cursor ? (JSON.parse(progress.cursor) as EventPosition) : null;
        for (let i = 0; i < STATEMENTS_PER_STEP; i++) {
          const step = await deleteDeliveriesOfExpiredEvents(db, EVENT_RETENTION_DAYS, position, BATCH);
          count("webhook_deliveries_deleted", step.deleted);
          if (step.examined < BATCH) return advance();
          position = step.last;
        }
        return { ...progress, counts, cursor: JSON.stringify(position) };
      }
      case "events":
        return drain("events_deleted", () => deleteExpiredEvents(db, EVENT_RETENTION_DAYS, BATCH));
      case "done":
        return progress;
    }
  }
}

/** The Cron Trigger's handler: starts today's run of the daily job. */
export async function startDailyJob(env: Env): Promise<string> {
  const day = startOfUtcDay();
  await env.DAILY_JOB.getByName(`day:${day}`).start(day);
  return day;
}
