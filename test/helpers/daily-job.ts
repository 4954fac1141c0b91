import {
  createExecutionContext,
  createScheduledController,
  env,
  listDurableObjectIds,
  runDurableObjectAlarm,
  waitOnExecutionContext,
} from "cloudflare:test";
import worker from "../../src/index.ts";
import { startOfUtcDay } from "../../src/db/snapshots.ts";
import { setClock } from "../../src/lib/clock.ts";

/**
 * Fires the Cron Trigger at `at` (injected clock) and drives the daily job's alarms until the
 * day's run is done, including every company's automatic snapshot. Leaves the clock at `at`.
 */
export async function runDailyJob(at: number): Promise<void> {
  setClock(() => at);
  const controller = createScheduledController({ scheduledTime: at, cron: "0 3 * * *" });
  const ctx = createExecutionContext();
  await worker.scheduled!(controller, env, ctx);
  await waitOnExecutionContext(ctx);
  const coordinator = env.DAILY_JOB.getByName(`day:${startOfUtcDay(at)}`);
  for (let i = 0; i < 10_000; i++) {
    await runDurableObjectAlarm(coordinator);
    if ((await coordinator.progress())?.step === "done") break;
  }
  for (const id of await listDurableObjectIds(env.DAILY_JOB)) {
    await runDurableObjectAlarm(env.DAILY_JOB.get(id));
  }
}
