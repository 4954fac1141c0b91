import { app } from "./app.ts";
import { runDailyJob } from "./scheduled.ts";

export { RateLimiter } from "./rate-limiter.ts";
export { SnapshotRestorer } from "./snapshots/snapshot-restorer.ts";

export default {
  fetch: app.fetch,
  async scheduled(_controller, env, ctx) {
    ctx.waitUntil(runDailyJob(env));
  },
} satisfies ExportedHandler<Env>;
