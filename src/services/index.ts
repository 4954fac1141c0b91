// What a request (or a Durable Object, or the daily job) works with, built in one place: the
// database client, the snapshot blob store, the rate limiter, the restore objects. Nothing else
// constructs a database client, so how the database is reached is decided here alone.
import { createDatabase, type Database } from "../db/client.ts";
import type { ApiKeyMode } from "../lib/api-key-format.ts";
import type { SnapshotRestorer } from "../snapshots/snapshot-restorer.ts";
import { durableObjectLimiter, type Limiter } from "./limiter.ts";

export interface Services {
  db: Database;
  /** Snapshot blobs (gzip NDJSON), in R2. */
  blobs: R2Bucket;
  limiter: Limiter;
  restorers: DurableObjectNamespace<SnapshotRestorer>;
  /** `sk_live_` keys when deployed, `sk_test_` in local development and tests. */
  keyMode: ApiKeyMode;
}

function keyMode(env: Env): ApiKeyMode {
  const mode: string = env.API_KEY_MODE;
  return mode === "test" ? "test" : "live";
}

export function createServices(env: Env): Services {
  return {
    db: createDatabase(env.DB),
    blobs: env.SNAPSHOTS,
    limiter: durableObjectLimiter(env.RATE_LIMITER),
    restorers: env.SNAPSHOT_RESTORER,
    keyMode: keyMode(env),
  };
}
