// Counts the dashboard's overview and plan pages show: each one a single indexed read.
import { and, count, eq, gte, inArray, isNull, sql } from "drizzle-orm";
import { apiKeys, itemCounts, items, orders, snapshotRestores, snapshots, users, webhookEndpoints } from "./schema.ts";
import type { Database } from "./client.ts";
import { startOfUtcDay } from "./snapshots.ts";

const one = async (query: Promise<{ n: number }[]>) => (await query)[0]?.n ?? 0;

export async function inventoryCounts(db: Database, companyId: string) {
  const [live, lowStock, openOrders] = await Promise.all([
    one(db.select({ n: itemCounts.live }).from(itemCounts).where(eq(itemCounts.companyId, companyId))),
    one(
      db
        .select({ n: count() })
        .from(items)
        .where(and(eq(items.companyId, companyId), isNull(items.deletedAt), sql`${items.lowStock} = 1`)),
    ),
    one(
      db
        .select({ n: count() })
        .from(orders)
        .where(and(eq(orders.companyId, companyId), inArray(orders.status, ["draft", "submitted", "partially_received"]))),
    ),
  ]);
  return { items: live, lowStock, openOrders };
}

/** Today's (UTC) manual snapshots and restores: what the plan's daily limits count. */
export async function snapshotUseToday(db: Database, companyId: string) {
  const since = startOfUtcDay();
  const [manualSnapshots, restores] = await Promise.all([
    one(
      db
        .select({ n: count() })
        .from(snapshots)
        .where(and(eq(snapshots.companyId, companyId), eq(snapshots.type, "manual"), gte(snapshots.createdAt, since))),
    ),
    one(
      db
        .select({ n: count() })
        .from(snapshotRestores)
        .where(and(eq(snapshotRestores.companyId, companyId), gte(snapshotRestores.createdAt, since))),
    ),
  ]);
  return { manualSnapshots, restores };
}

/** Admin-only counts: users, working keys (neither revoked nor expired), webhook endpoints. */
export async function adminCounts(db: Database, companyId: string, now: string) {
  const [userCount, activeKeys, endpoints] = await Promise.all([
    one(db.select({ n: count() }).from(users).where(eq(users.companyId, companyId))),
    one(
      db
        .select({ n: count() })
        .from(apiKeys)
        .where(
          and(
            eq(apiKeys.companyId, companyId),
            isNull(apiKeys.revokedAt),
            sql`(${apiKeys.expiresAt} IS NULL OR ${apiKeys.expiresAt} > ${now})`,
          ),
        ),
    ),
    one(db.select({ n: count() }).from(webhookEndpoints).where(eq(webhookEndpoints.companyId, companyId))),
  ]);
  return { users: userCount, activeKeys, webhookEndpoints: endpoints };
}
