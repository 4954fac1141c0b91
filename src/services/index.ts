// What a request (or a Durable Object, or the daily job) works with, built in one place: the
// database client, the snapshot blob store, the rate limiter, the restore objects. Nothing else
// constructs a database client, so how the database is reached is decided here alone.
import { openSession, type Database, type DatabaseSession, type SessionStart } from "../db/client.ts";
import type { ApiKeyMode } from "../lib/api-key-format.ts";
import type { ImportRunner } from "../imports/import-runner.ts";
import type { SnapshotRestorer } from "../snapshots/snapshot-restorer.ts";
import { durableObjectLimiter, type Limiter } from "./limiter.ts";

export interface Services {
  /** Every query goes through the one D1 Session below. */
  db: Database;
  /** The session's bookmark (the `Consistency-Token` of a response), and catching it up. */
  session: Pick<DatabaseSession, "bookmark" | "catchUp" | "readFromPrimary" | "primaryBookmark">;
  /** Snapshot blobs (gzip NDJSON), in R2. */
  blobs: R2Bucket;
  limiter: Limiter;
  restorers: DurableObjectNamespace<SnapshotRestorer>;
  /** One object per CSV import, running it in steps. */
  importers: DurableObjectNamespace<ImportRunner>;
  /** `sk_live_` keys when deployed, `sk_test_` in local development and tests. */
  keyMode: ApiKeyMode;
}

function keyMode(env: Env): ApiKeyMode {
  const mode: string = env.API_KEY_MODE;
  return mode === "test" ? "test" : "live";
}

/**
 * `start`: where the D1 Session begins. A request passes the bookmark it must read at least (the
 * client's token) or `first-unconstrained`; Durable Objects and the daily job keep the default,
 * `first-primary`, so that their first read (a restore's progress, the companies to purge) sees
 * every committed write, and later reads may use any replica at least as new.
 */
export function createServices(env: Env, start: SessionStart = "first-primary"): Services {
  const { db, ...session } = openSession(env.DB, start);
  return {
    db,
    session,
    blobs: env.SNAPSHOTS,
    limiter: durableObjectLimiter(env.RATE_LIMITER),
    restorers: env.SNAPSHOT_RESTORER,
    importers: env.IMPORT_RUNNER,
    keyMode: keyMode(env),
  };
}
