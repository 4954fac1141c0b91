import { database } from "./db/client.ts";
import { purgeTrashedItems } from "./db/items.ts";

/** Rows deleted per statement, so that one purge never holds D1 for long. */
const PURGE_BATCH = 500;

/** The daily job (Cron Trigger `0 3 * * *`). Each step is idempotent. */
export async function runDailyJob(env: Env): Promise<void> {
  const db = database(env.DB);
  let purged = 0;
  for (let n = PURGE_BATCH; n === PURGE_BATCH; purged += n) {
    n = await purgeTrashedItems(db, PURGE_BATCH);
  }
  console.log(JSON.stringify({ job: "daily", purged_items: purged }));
}
