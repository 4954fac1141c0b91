import { app } from "./app.ts";
import { startDailyJob } from "./daily-job.ts";
import { consumeQueue } from "./webhooks/consumer.ts";
import { sweepWebhooks, WEBHOOK_SWEEP_CRON } from "./webhooks/sweep.ts";

export { DailyJob } from "./daily-job.ts";
export { ImportRunner } from "./imports/import-runner.ts";
export { RateLimiter } from "./rate-limiter.ts";
export { SnapshotRestorer } from "./snapshots/snapshot-restorer.ts";

export default {
  fetch: app.fetch,
  // Every minute the webhook sweep; at 03:00 UTC the daily job.
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(controller.cron === WEBHOOK_SWEEP_CRON ? sweepWebhooks(env) : startDailyJob(env));
  },
  // Webhook deliveries and their dead letters.
  async queue(batch, env, _ctx) {
    await consumeQueue(batch, env);
  },
} satisfies ExportedHandler<Env>;
