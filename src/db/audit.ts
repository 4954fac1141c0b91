// The audit log: every mutation adds its entry through `auditEntry` (or `auditTransaction`) to the
// same D1 batch as the change, so that there is no change without an entry.
import { and, eq, gte, notInArray, sql, type SQL, type SQLWrapper } from "drizzle-orm";
import { DAY_MS, nowMs } from "../lib/clock.ts";
import { newId } from "../lib/ids.ts";
import type { Page } from "../lib/pagination.ts";
import { PLANS } from "../plans.ts";
import { guardedRow } from "./batch-guard.ts";
import { fromTemplate, type Database } from "./client.ts";
import { listPage } from "./list-page.ts";
import { auditLog, AUDIT_ACTIONS, AUDIT_RESOURCE_TYPES, items, transactions } from "./schema.ts";

/** Who made a change, and in which request. */
export interface Actor {
  companyId: string;
  /** null for the system itself (the daily job). */
  userId: string | null;
  apiKeyId: string | null;
  requestId: string | null;
}

export interface AuditInput {
  action: (typeof AUDIT_ACTIONS)[number];
  resourceType: (typeof AUDIT_RESOURCE_TYPES)[number];
  resourceId: string;
  itemId?: string | null;
  /** `{field: {from, to}}` for updates; the whole object for creates, deletes and restores. */
  changes: unknown;
  transactionId?: string | null;
  createdAt: string;
}

/** An insert to put into the batch that makes the change. */
export function auditEntry(db: Database, actor: Actor, entry: AuditInput) {
  return db.insert(auditLog).values({
    id: newId("evt"),
    companyId: actor.companyId,
    action: entry.action,
    resourceType: entry.resourceType,
    resourceId: entry.resourceId,
    itemId: entry.itemId ?? null,
    userId: actor.userId,
    apiKeyId: actor.apiKeyId,
    changes: entry.changes,
    transactionId: entry.transactionId ?? null,
    requestId: actor.requestId,
    createdAt: entry.createdAt,
  });
}

/**
 * The entry for a change to an item that was read first, and an optimistic lock for it: unless the
 * item is still at `version` when the batch runs, the entry has no resource_id (NOT NULL, the
 * batch guard) and the whole batch fails, so the caller reads again and retries.
 */
export function auditItemChange(actor: Actor, entry: AuditInput, version: number) {
  return sql`
    INSERT INTO ${auditLog} (id, company_id, action, resource_type, resource_id, item_id, user_id,
                             api_key_id, changes, transaction_id, request_id, created_at)
    SELECT ${newId("evt")}, ${actor.companyId}, ${entry.action}, 'item', i.id, i.id, ${actor.userId},
           ${actor.apiKeyId}, ${JSON.stringify(entry.changes)}, ${entry.transactionId ?? null},
           ${actor.requestId}, ${entry.createdAt}
    ${guardedRow(items, "i", sql`i.id = ${entry.resourceId} AND i.company_id = ${actor.companyId} AND i.version = ${version}`)}`;
}

/**
 * The entry for a ledger row written earlier in the same batch: an `update` of the item whose
 * `changes.quantity` is read from the row, since the quantities are only known inside the batch.
 * Without that row the entry has no resource_id and the batch fails: no change without an entry.
 */
export function auditTransaction(actor: Actor, transactionId: string, createdAt: string): SQLWrapper {
  const value = (name: string) => sql`${sql.placeholder(name)}`;
  return fromTemplate(
    "audit:transaction",
    () => sql`
      INSERT INTO ${auditLog} (id, company_id, action, resource_type, resource_id, item_id, user_id,
                               api_key_id, changes, transaction_id, request_id, created_at)
      SELECT ${value("id")}, ${value("companyId")}, 'update', 'item', t.item_id, t.item_id, ${value("userId")},
             ${value("apiKeyId")},
             json_object('quantity', json_object('from', t.quantity_before, 'to', t.quantity_after)),
             t.id, ${value("requestId")}, ${value("createdAt")}
      ${guardedRow(transactions, "t", sql`t.id = ${value("transactionId")}`)}`,
    { id: newId("evt"), companyId: actor.companyId, userId: actor.userId, apiKeyId: actor.apiKeyId, requestId: actor.requestId, createdAt, transactionId },
  );
}

export interface AuditFilters {
  action?: (typeof AUDIT_ACTIONS)[number];
  itemId?: string;
  userId?: string;
  since?: string;
  /** Resource types left out entirely, as if their entries did not exist. */
  hiddenResourceTypes?: readonly (typeof AUDIT_RESOURCE_TYPES)[number][];
}

/** Entries newest first, never older than the plan's retention (`null`: kept forever). */
export function listAuditEntries(
  db: Database,
  companyId: string,
  retentionDays: number | null,
  filters: AuditFilters,
  page: Page,
) {
  // Entries of hidden resource types are no cursor either: to this caller they do not exist.
  const visible = and(
    eq(auditLog.companyId, companyId),
    filters.hiddenResourceTypes?.length ? notInArray(auditLog.resourceType, [...filters.hiddenResourceTypes]) : undefined,
  );
  const conditions: (SQL | undefined)[] = [visible];
  if (filters.action) conditions.push(eq(auditLog.action, filters.action));
  if (filters.itemId) conditions.push(eq(auditLog.itemId, filters.itemId));
  if (filters.userId) conditions.push(eq(auditLog.userId, filters.userId));
  if (filters.since) conditions.push(gte(auditLog.createdAt, filters.since));
  if (retentionDays !== null) {
    conditions.push(gte(auditLog.createdAt, new Date(nowMs() - retentionDays * DAY_MS).toISOString()));
  }
  return listPage(
    db,
    { table: auditLog, where: and(...conditions), orderBy: [auditLog.createdAt, auditLog.id], cursorScope: visible },
    page,
  );
}

/**
 * Deletes at most `limit` entries older than their company's plan retention; answers how many.
 * The cut-offs come from the plans table, one per plan that does not keep entries forever.
 */
export async function deleteExpiredAuditEntries(db: Database, limit: number): Promise<number> {
  const now = nowMs();
  const expired = Object.entries(PLANS)
    .filter(([, plan]) => plan.auditRetentionDays !== null)
    .map(
      ([name, plan]) =>
        sql`(c.plan = ${name} AND a.created_at < ${new Date(now - plan.auditRetentionDays! * DAY_MS).toISOString()})`,
    );
  if (expired.length === 0) return 0;
  const rows = await db.all(sql`
    DELETE FROM ${auditLog} WHERE seq IN (
      SELECT a.seq FROM ${auditLog} a JOIN companies c ON c.id = a.company_id
      WHERE ${sql.join(expired, sql` OR `)} LIMIT ${limit})
    RETURNING seq`);
  return rows.length;
}
