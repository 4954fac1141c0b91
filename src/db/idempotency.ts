import { and, eq, lt, sql } from "drizzle-orm";
import type { Database } from "./client.ts";
import { idempotencyKeys } from "./schema.ts";

export type IdempotencyRecord = typeof idempotencyKeys.$inferSelect;

const byKey = (companyId: string, key: string) =>
  and(eq(idempotencyKeys.companyId, companyId), eq(idempotencyKeys.key, key));

/** Claims the key for a new request: true if this request now owns it, else the record found. */
export async function claimIdempotencyKey(
  db: Database,
  record: { companyId: string; key: string; fingerprint: string; createdAt: string },
): Promise<true | IdempotencyRecord> {
  const claimed = await db
    .insert(idempotencyKeys)
    .values(record)
    .onConflictDoNothing()
    .returning({ key: idempotencyKeys.key });
  if (claimed.length > 0) return true;
  const [existing] = await db.select().from(idempotencyKeys).where(byKey(record.companyId, record.key));
  // Deleted in between (its first request failed validation): try again.
  return existing ?? claimIdempotencyKey(db, record);
}

/** Takes over an expired or abandoned record, unless another request took it first. */
export async function takeOverIdempotencyKey(
  db: Database,
  found: IdempotencyRecord,
  fingerprint: string,
  createdAt: string,
): Promise<boolean> {
  const rows = await db
    .update(idempotencyKeys)
    .set({ fingerprint, createdAt, responseStatus: null, responseBody: null })
    .where(and(byKey(found.companyId, found.key), eq(idempotencyKeys.createdAt, found.createdAt)))
    .returning({ key: idempotencyKeys.key });
  return rows.length > 0;
}

export async function findIdempotencyRecord(db: Database, companyId: string, key: string) {
  const [row] = await db.select().from(idempotencyKeys).where(byKey(companyId, key));
  return row;
}

/** The record a request claimed; `createdAt` tells it from a later request that took it over. */
export interface IdempotencyClaim {
  companyId: string;
  key: string;
  createdAt: string;
}

const byClaim = (claim: IdempotencyClaim) =>
  and(byKey(claim.companyId, claim.key), eq(idempotencyKeys.createdAt, claim.createdAt));

export async function saveIdempotentResponse(
  db: Database,
  claim: IdempotencyClaim,
  response: { status: number; body: string },
): Promise<void> {
  await db
    .update(idempotencyKeys)
    .set({ responseStatus: response.status, responseBody: response.body })
    .where(byClaim(claim));
}

export async function releaseIdempotencyKey(db: Database, claim: IdempotencyClaim): Promise<void> {
  await db.delete(idempotencyKeys).where(byClaim(claim));
}

/** Deletes at most `limit` records created before `before`; answers how many. */
export async function deleteIdempotencyKeysBefore(db: Database, before: string, limit: number): Promise<number> {
  const rows = await db
    .delete(idempotencyKeys)
    .where(
      sql`rowid IN (SELECT rowid FROM ${idempotencyKeys} WHERE ${lt(idempotencyKeys.createdAt, before)} LIMIT ${limit})`,
    )
    .returning({ key: idempotencyKeys.key });
  return rows.length;
}
