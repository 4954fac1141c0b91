import { app } from "./app.ts";
import { startDailyJob } from "./daily-job.ts";

export { DailyJob } from "./daily-job.ts";
export { RateLimiter } from "./rate-limiter.ts";
export { SnapshotRestorer } from "./snapshots/snapshot-restorer.ts";

export default {
  fetch: app.fetch,
  async scheduled(_controller, env, ctx) {
    ctx.waitUntil(startDailyJob(env));
  },
} satisfies ExportedHandler<Env>;
