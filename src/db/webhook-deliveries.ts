// Webhook deliveries (API.md §14), all their SQL: the outbox that turns undispatched events into
// deliveries (one per event and subscribed endpoint), the consumer's claim of an attempt and its
// outcome, the sweep's look-up of overdue deliveries, the Deliveries API's reads and retry, and
// the daily job's clean-up.
import { and, desc, eq, inArray, lte, sql, type SQL, type SQLWrapper } from "drizzle-orm";
import { DAY_MS, nowIso, nowMs } from "../lib/clock.ts";
import { newId } from "../lib/ids.ts";
import type { Page } from "../lib/pagination.ts";
import { fromDriverRow, runBatch, type Database } from "./client.ts";
import { listPageQueries } from "./list-page.ts";
import {
  events,
  webhookDeliveries,
  webhookDeliveryAttempts,
  webhookEndpoints,
  type EventRow,
  type WebhookDeliveryAttemptRow,
  type WebhookDeliveryRow,
  type WebhookEndpointRow,
} from "./schema.ts";

// --- Dispatch (the outbox) -----------------------------------------------------------------------

/** Undispatched events one dispatch looks at, and deliveries it makes at most. */
export const EVENTS_PER_DISPATCH = 500;
export const DELIVERIES_PER_DISPATCH = 100;

export interface DispatchOptions {
  /** Only this company's events (the request path); all companies' when left out (the sweep). */
  companyId?: string;
  /** Only events created before this time (the sweep leaves the newest to the request path). */
  olderThan?: string;
}

export interface DispatchResult {
  /** The deliveries this call made, to be enqueued (each for its first attempt). */
  deliveryIds: string[];
  /** Events it marked dispatched. */
  dispatched: number;
  /** Whether undispatched events may be left: call again. */
  more: boolean;
}

/**
 * Whether the endpoint `w` subscribes to the event type `type` (SQL expressions): one of its
 * patterns is `*`, the type itself, or a resource's prefix such as `order.*`. The same rule as
 * `matchesEventPattern` (src/domain/events.ts), compared exactly (no LIKE, whose `_` is a wildcard).
 */
function subscribes(w: string, type: SQL): SQL {
  return sql`EXISTS (SELECT 1 FROM json_each(${sql.raw(w)}.events) p
    WHERE p.value = '*' OR p.value = ${type}
       OR (substr(p.value, -2) = '.*' AND substr(${type}, 1, length(p.value) - 1) = substr(p.value, 1, length(p.value) - 1)))`;
}

/**
 * The endpoints of the event `e` that should have a delivery of it: the company's enabled
 * endpoints that subscribe to its type and existed when it happened (an endpoint gets the events
 * that happen after it is made).
 */
function subscribedEndpoint(e: { companyId: SQL; type: SQL; createdAt: SQL }): SQL {
  return sql`w.company_id = ${e.companyId} AND w.status = 'enabled' AND w.created_at <= ${e.createdAt}
    AND ${subscribes("w", e.type)}`;
}

/**
 * The oldest undispatched events the dispatch looks at, from the partial index
 * `events_undispatched`, which holds only those: named, because for the sweep's `created_at <`
 * SQLite would otherwise walk `events_created` over nearly every event kept.
 */
function undispatchedEvents(options: DispatchOptions): SQL {
  const company = options.companyId === undefined ? sql`` : sql`AND company_id = ${options.companyId}`;
  const older = options.olderThan === undefined ? sql`` : sql`AND created_at < ${options.olderThan}`;
  return sql`SELECT id, company_id, type, created_at FROM ${events} INDEXED BY events_undispatched
    WHERE dispatched_at IS NULL ${company} ${older}
    ORDER BY created_at LIMIT ${EVENTS_PER_DISPATCH}`;
}

/**
 * One step of the outbox, set-based, in one D1 batch (one transaction): a pending delivery for
 * each undispatched event and each endpoint that should get it and has none yet (at most
 * DELIVERIES_PER_DISPATCH, the unique (event, endpoint) index making a second one impossible
 * whatever runs at the same time), then every looked-at event whose deliveries all exist is
 * marked dispatched (also those no endpoint wants). The deliveries are due now: should their
 * messages never reach the queue, the sweep finds them overdue and enqueues them again.
 */
export async function dispatchEvents(db: Database, options: DispatchOptions = {}): Promise<DispatchResult> {
  const [inserted, marked] = await runBatch(db, dispatchStatements(options, nowIso()));
  const deliveryIds = inserted!.results.map((row) => row.id as string);
  const dispatched = marked!.results.length;
  return {
    deliveryIds,
    dispatched,
    more: deliveryIds.length === DELIVERIES_PER_DISPATCH || dispatched === EVENTS_PER_DISPATCH,
  };
}

/** The two statements of a dispatch step (exported so that tests can EXPLAIN them). */
export function dispatchStatements(options: DispatchOptions, now: string): [SQL, SQL] {
  // Ids come from crypto.getRandomValues like every id; the statement takes them by row number.
  const ids = JSON.stringify(Array.from({ length: DELIVERIES_PER_DISPATCH }, () => newId("wd")));
  const candidates = undispatchedEvents(options);
  const missing = (event: string) => sql`NOT EXISTS (SELECT 1 FROM ${webhookDeliveries} d
    WHERE d.event_id = ${sql.raw(event)}.id AND d.endpoint_id = w.id)`;
  return [
    sql`
      INSERT INTO ${webhookDeliveries} (id, company_id, endpoint_id, event_id, status, attempts, next_attempt_at, created_at, updated_at)
      SELECT json_extract(${ids}, '$[' || (n - 1) || ']'), company_id, endpoint_id, event_id, 'pending', 0, ${now}, ${now}, ${now}
      FROM (
        SELECT e.company_id, w.id AS endpoint_id, e.id AS event_id,
               ROW_NUMBER() OVER (ORDER BY e.created_at, e.id, w.id) AS n
        FROM (${candidates}) e
        JOIN ${webhookEndpoints} w ON ${subscribedEndpoint({ companyId: sql`e.company_id`, type: sql`e.type`, createdAt: sql`e.created_at` })}
        WHERE ${missing("e")}
      )
      WHERE n <= ${DELIVERIES_PER_DISPATCH}
      ON CONFLICT (event_id, endpoint_id) DO NOTHING
      RETURNING id`,
    sql`
      UPDATE ${events} SET dispatched_at = ${now}
      WHERE id IN (SELECT id FROM (${candidates}))
        AND NOT EXISTS (SELECT 1 FROM ${webhookEndpoints} w
          WHERE ${subscribedEndpoint({ companyId: sql`events.company_id`, type: sql`events.type`, createdAt: sql`events.created_at` })}
            AND ${missing("events")})
      RETURNING id`,
  ];
}

/**
 * Marks dispatched, in bulk, at most `limit` undispatched events created before `olderThan` whose
 * company has no enabled endpoint (most companies): nothing is made for them. The request path
 * leaves these to the sweep (a change costs no write for them); one statement takes thousands.
 */
export async function markUnsubscribedEvents(db: Database, olderThan: string, limit: number): Promise<number> {
  const [marked] = await runBatch(db, [
    sql`
      UPDATE ${events} SET dispatched_at = ${nowIso()}
      WHERE rowid IN (
        SELECT e.rowid FROM ${events} e INDEXED BY events_undispatched
        WHERE e.dispatched_at IS NULL AND e.created_at < ${olderThan}
          AND NOT EXISTS (SELECT 1 FROM ${webhookEndpoints} w WHERE w.company_id = e.company_id AND w.status = 'enabled')
        LIMIT ${limit})`,
  ]);
  return marked!.meta.changes;
}

/** Whether the company has an enabled endpoint: when it has none, nothing is worth dispatching now. */
export async function hasEnabledEndpoint(db: Database, companyId: string): Promise<boolean> {
  const rows = await db
    .select({ id: webhookEndpoints.id })
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.companyId, companyId), eq(webhookEndpoints.status, "enabled")))
    .limit(1);
  return rows.length > 0;
}

/**
 * Pending deliveries whose attempt was due before `overdueBefore` (their message was lost, never
 * sent, or its consumer died): at most `limit`, the most overdue first, each made due now again
 * (so that the next sweep enqueues it once more only if this message is lost too). Answers each
 * with the attempt its message is for.
 */
export async function takeOverdueDeliveries(db: Database, overdueBefore: string, limit: number) {
  const [taken] = await runBatch(db, [
    sql`
      UPDATE ${webhookDeliveries} SET next_attempt_at = ${nowIso()}
      WHERE id IN (SELECT id FROM ${webhookDeliveries}
                   WHERE status = 'pending' AND next_attempt_at < ${overdueBefore}
                   ORDER BY next_attempt_at LIMIT ${limit})
      RETURNING id, attempts`,
  ]);
  return taken!.results.map((row) => ({ deliveryId: row.id as string, attempt: (row.attempts as number) + 1 }));
}

// --- Attempts (the consumer) ---------------------------------------------------------------------

/** How long a claimed attempt is given before the sweep takes it to be lost (its consumer died). */
export const ATTEMPT_LEASE_MS = 30_000;

export type Claim =
  | { outcome: "claimed"; delivery: WebhookDeliveryRow; endpoint: WebhookEndpointRow; event: EventRow }
  /** Not sent, nothing to do: no such delivery, no longer pending, or this attempt was made already. */
  | { outcome: "stale" }
  /** Not sent and never will be: the endpoint is gone (deleted), or disabled, or the event is no longer kept. */
  | { outcome: "endpoint_deleted" | "endpoint_disabled" | "event_gone"; delivery: WebhookDeliveryRow };

/** Attempt number `attempt` (1 = the first) of the delivery `deliveryId`. */
export interface AttemptRef {
  deliveryId: string;
  attempt: number;
}

/** A claim's statements: the conditional UPDATE, then the delivery, its endpoint and its event. */
function claimStatements(db: Database, { deliveryId, attempt }: AttemptRef, now: string, leaseUntil: string): SQLWrapper[] {
  return [
    db
      .update(webhookDeliveries)
      .set({ attempts: attempt, lastAttemptAt: now, nextAttemptAt: leaseUntil, updatedAt: now })
      .where(
        and(
          eq(webhookDeliveries.id, deliveryId),
          eq(webhookDeliveries.status, "pending"),
          eq(webhookDeliveries.attempts, attempt - 1),
          sql`EXISTS (SELECT 1 FROM ${webhookEndpoints} w WHERE w.id = ${webhookDeliveries.endpointId} AND w.status = 'enabled')`,
          sql`EXISTS (SELECT 1 FROM ${events} e WHERE e.id = ${webhookDeliveries.eventId})`,
        ),
      )
      .returning({ id: webhookDeliveries.id }),
    db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, deliveryId)),
    db
      .select()
      .from(webhookEndpoints)
      .where(sql`${webhookEndpoints.id} = (SELECT endpoint_id FROM ${webhookDeliveries} WHERE id = ${deliveryId})`),
    db.select().from(events).where(sql`${events.id} = (SELECT event_id FROM ${webhookDeliveries} WHERE id = ${deliveryId})`),
  ];
}
const CLAIM_STATEMENTS = 4;

/**
 * Claims each attempt: counts it, stamps `last_attempt_at`, and gives it a lease
 * (`next_attempt_at`), in one conditional UPDATE, so that of two messages for the same attempt (a
 * duplicate, the sweep's re-send) exactly one sends. Only a pending delivery whose endpoint is
 * enabled and whose event is kept is claimed; the same batch reads the delivery, its endpoint and
 * its event, to send, or to tell why not. All the attempts' claims are one D1 batch; answers a
 * claim per attempt, in order.
 */
export async function claimAttempts(db: Database, attempts: readonly AttemptRef[]): Promise<Claim[]> {
  if (attempts.length === 0) return [];
  const now = nowIso();
  const leaseUntil = new Date(nowMs() + ATTEMPT_LEASE_MS).toISOString();
  const results = await runBatch(db, attempts.flatMap((ref) => claimStatements(db, ref, now, leaseUntil)));
  return attempts.map(({ attempt }, i) => {
    const [claimed, deliveryRows, endpointRows, eventRows] = results.slice(i * CLAIM_STATEMENTS, (i + 1) * CLAIM_STATEMENTS).map((r) => r.results);
    const delivery = deliveryRows![0] && fromDriverRow(webhookDeliveries, deliveryRows![0]);
    const endpoint = endpointRows![0] && fromDriverRow(webhookEndpoints, endpointRows![0]);
    const event = eventRows![0] && fromDriverRow(events, eventRows![0]);
    if (claimed!.length === 1 && delivery && endpoint && event) return { outcome: "claimed", delivery, endpoint, event };
    if (!delivery || delivery.status !== "pending" || delivery.attempts !== attempt - 1) return { outcome: "stale" };
    if (!endpoint) return { outcome: "endpoint_deleted", delivery };
    if (endpoint.status !== "enabled") return { outcome: "endpoint_disabled", delivery };
    return { outcome: "event_gone", delivery };
  });
}

/** Drops a pending delivery that will never be sent (its endpoint is deleted) and its attempts. */
export async function dropDelivery(db: Database, deliveryId: string): Promise<void> {
  await runBatch(db, [
    sql`DELETE FROM ${webhookDeliveryAttempts} WHERE delivery_id = ${deliveryId}
        AND EXISTS (SELECT 1 FROM ${webhookDeliveries} WHERE id = ${deliveryId} AND status = 'pending')`,
    sql`DELETE FROM ${webhookDeliveries} WHERE id = ${deliveryId} AND status = 'pending'`,
  ]);
}

/** Marks a pending delivery failed without an attempt (it cannot be sent); `attempts` must still be `attempts`. */
export async function failUnsent(db: Database, deliveryId: string, attempts: number, error: string): Promise<void> {
  await db
    .update(webhookDeliveries)
    .set({ status: "failed", nextAttemptAt: null, lastError: error, updatedAt: nowIso() })
    .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.status, "pending"), eq(webhookDeliveries.attempts, attempts)));
}

/**
 * Marks failed a pending delivery whose message for attempt `attempt` reached the dead-letter
 * queue (its processing kept throwing), unless it has moved past that attempt since.
 */
export async function failDeadLettered(db: Database, deliveryId: string, attempt: number, error: string): Promise<void> {
  await db
    .update(webhookDeliveries)
    .set({ status: "failed", nextAttemptAt: null, lastError: error, updatedAt: nowIso() })
    .where(
      and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.status, "pending"), lte(webhookDeliveries.attempts, attempt)),
    );
}

export interface AttemptResult {
  deliveryId: string;
  endpointId: string;
  attempt: number;
  attemptedAt: string;
  /** The HTTP status answered, or null when none came (timeout, connection error, refused URL). */
  statusCode: number | null;
  /** Why it failed (≤ 500 characters), or null when it succeeded. */
  error: string | null;
  durationMs: number;
  /** Succeeded; or failed and due again at `nextAttemptAt`; or failed for good (null). */
  succeeded: boolean;
  nextAttemptAt: string | null;
  /** An endpoint failing since this time or earlier is disabled by this failure, ... */
  disableIfFailingSince: string;
  /** ... with this reason, `{since}` standing for when it started failing. */
  disabledReason: string;
}

/**
 * An attempt's outcome: its row in the history, the delivery's state (only while it is still at
 * this attempt: a retry requested meanwhile wins), and the endpoint's health. A success clears the
 * endpoint's `failing_since`; a failure starts it, and disables the endpoint once it has failed
 * since `disableIfFailingSince` or earlier with no success since.
 */
function recordStatements(db: Database, result: AttemptResult, now: string): SQLWrapper[] {
  const status = result.succeeded ? "succeeded" : result.nextAttemptAt === null ? "failed" : "pending";
  const failingTooLong = sql`(failing_since IS NOT NULL AND failing_since <= ${result.disableIfFailingSince})`;
  return [
    db
      .insert(webhookDeliveryAttempts)
      .values({
        deliveryId: result.deliveryId,
        attempt: result.attempt,
        attemptedAt: result.attemptedAt,
        statusCode: result.statusCode,
        error: result.error,
        durationMs: result.durationMs,
      })
      .onConflictDoNothing(),
    db
      .update(webhookDeliveries)
      .set({
        status,
        nextAttemptAt: status === "pending" ? result.nextAttemptAt : null,
        lastStatusCode: result.statusCode,
        lastError: result.error,
        updatedAt: now,
      })
      .where(
        and(
          eq(webhookDeliveries.id, result.deliveryId),
          eq(webhookDeliveries.status, "pending"),
          eq(webhookDeliveries.attempts, result.attempt),
        ),
      ),
    result.succeeded
      ? sql`UPDATE ${webhookEndpoints} SET failing_since = NULL WHERE id = ${result.endpointId} AND failing_since IS NOT NULL`
      : sql`UPDATE ${webhookEndpoints} SET
          failing_since = COALESCE(failing_since, ${result.attemptedAt}),
          status = CASE WHEN ${failingTooLong} THEN 'disabled' ELSE status END,
          disabled_reason = CASE WHEN ${failingTooLong} THEN replace(${result.disabledReason}, '{since}', failing_since) ELSE disabled_reason END,
          updated_at = CASE WHEN ${failingTooLong} THEN ${now} ELSE updated_at END
        WHERE id = ${result.endpointId} AND status = 'enabled'`,
  ];
}

/** Records the attempts' outcomes (see `recordStatements`), all in one D1 batch, in order. */
export async function recordAttempts(db: Database, results: readonly AttemptResult[]): Promise<void> {
  if (results.length === 0) return;
  const now = nowIso();
  await runBatch(db, results.flatMap((result) => recordStatements(db, result, now)));
}

// --- The Deliveries API --------------------------------------------------------------------------

export interface DeliveryFilters {
  endpointId?: string;
  eventId?: string;
  status?: WebhookDeliveryRow["status"];
}

/** A delivery with its event's type (null only if the event is no longer kept). */
export type DeliveryWithType = WebhookDeliveryRow & { eventType: string | null };

function withTypes(rows: WebhookDeliveryRow[], types: { id: string; type: string }[]): DeliveryWithType[] {
  const byEvent = new Map(types.map((event) => [event.id, event.type]));
  return rows.map((row) => ({ ...row, eventType: byEvent.get(row.eventId) ?? null }));
}

/** The company's deliveries, newest first, each with its event's type, read in one batch. */
export async function listDeliveries(db: Database, companyId: string, filters: DeliveryFilters, page: Page) {
  const conditions = [eq(webhookDeliveries.companyId, companyId)];
  if (filters.endpointId !== undefined) conditions.push(eq(webhookDeliveries.endpointId, filters.endpointId));
  if (filters.eventId !== undefined) conditions.push(eq(webhookDeliveries.eventId, filters.eventId));
  if (filters.status !== undefined) conditions.push(eq(webhookDeliveries.status, filters.status));
  const pageQueries = listPageQueries(
    db,
    {
      table: webhookDeliveries,
      where: and(...conditions),
      orderBy: [webhookDeliveries.createdAt, webhookDeliveries.id],
      cursorScope: eq(webhookDeliveries.companyId, companyId),
    },
    page,
  );
  const pageEvents = db.select({ id: sql<string>`event_id` }).from(pageQueries.rows.as("page"));
  const [pageResult, typeResult] = await runBatch(db, [
    pageQueries.page,
    db
      .select({ id: events.id, type: events.type })
      .from(events)
      .where(and(eq(events.companyId, companyId), inArray(events.id, pageEvents))),
  ]);
  const list = pageQueries.read(pageResult!.results);
  return { ...list, rows: withTypes(list.rows as WebhookDeliveryRow[], typeResult!.results as { id: string; type: string }[]) };
}

/** Attempts shown with one delivery: the latest ones, at most this many. */
export const ATTEMPT_HISTORY_LIMIT = 100;

/** One delivery of the company with its event's type and its attempts (oldest first), or undefined. */
export async function findDelivery(
  db: Database,
  companyId: string,
  id: string,
): Promise<{ delivery: DeliveryWithType; attempts: WebhookDeliveryAttemptRow[] } | undefined> {
  const owned = and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.companyId, companyId));
  const [rows, types, attempts] = await db.batch([
    db.select().from(webhookDeliveries).where(owned),
    db
      .select({ id: events.id, type: events.type })
      .from(events)
      .where(sql`${events.id} = (SELECT event_id FROM ${webhookDeliveries} WHERE ${owned})`),
    db
      .select()
      .from(webhookDeliveryAttempts)
      .where(sql`${webhookDeliveryAttempts.deliveryId} = (SELECT id FROM ${webhookDeliveries} WHERE ${owned})`)
      .orderBy(desc(webhookDeliveryAttempts.attempt))
      .limit(ATTEMPT_HISTORY_LIMIT),
  ]);
  const [delivery] = withTypes(rows, types);
  return delivery && { delivery, attempts: attempts.reverse() };
}

export type RetryRefusal = "endpoint_deleted" | "endpoint_disabled" | "event_gone";

/**
 * Makes a delivery of the company pending and due now, whatever its status, for its next attempt
 * (`attempts + 1`), unless it cannot be sent: its endpoint is deleted or disabled, or its event
 * is no longer kept. Answers the delivery as it is then (with its attempts), the refusal, or
 * undefined (no such delivery).
 */
export async function retryDelivery(db: Database, companyId: string, id: string) {
  const found = await findDelivery(db, companyId, id);
  if (!found) return undefined;
  const [endpoint] = await db
    .select({ status: webhookEndpoints.status })
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.id, found.delivery.endpointId), eq(webhookEndpoints.companyId, companyId)));
  if (!endpoint) return "endpoint_deleted" satisfies RetryRefusal;
  if (endpoint.status !== "enabled") return "endpoint_disabled" satisfies RetryRefusal;
  if (found.delivery.eventType === null) return "event_gone" satisfies RetryRefusal;
  const now = nowIso();
  const [row] = await db
    .update(webhookDeliveries)
    .set({ status: "pending", nextAttemptAt: now, updatedAt: now })
    .where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.companyId, companyId)))
    .returning();
  return row && { delivery: { ...row, eventType: found.delivery.eventType }, attempts: found.attempts };
}

// --- The daily job -------------------------------------------------------------------------------

/** Where the clean-up of deliveries got to: the last event it looked at, in `events_created` order. */
export interface EventPosition {
  createdAt: string;
  rowid: number;
}

/**
 * Deletes the deliveries (with their attempts) of the next `limit` events past `retentionDays`
 * less an hour, after `after` in the order of the `events_created` index (created_at, then
 * rowid: a position that many events of one moment cannot stall). Deliveries go before their
 * events, which the daily job deletes next, so that a kept delivery always has its event; an
 * hour early, so that an event that passes the cutoff meanwhile (the clock moves) has none
 * left. Answers how many events it looked at, how many deliveries it deleted, and where it got to.
 */
export async function deleteDeliveriesOfExpiredEvents(
  db: Database,
  retentionDays: number,
  after: EventPosition | null,
  limit: number,
): Promise<{ examined: number; deleted: number; last: EventPosition | null }> {
  const cutoff = new Date(nowMs() - retentionDays * DAY_MS + 60 * 60 * 1000).toISOString();
  const from = after ?? { createdAt: "", rowid: -1 };
  const page = sql`WITH page AS (
    SELECT rowid AS r, id, created_at FROM ${events}
    WHERE created_at < ${cutoff} AND (created_at, rowid) > (${from.createdAt}, ${from.rowid})
    ORDER BY created_at, rowid LIMIT ${limit})`;
  const [, deleted, position] = await runBatch(db, [
    sql`${page} DELETE FROM ${webhookDeliveryAttempts}
        WHERE delivery_id IN (SELECT d.id FROM page JOIN ${webhookDeliveries} d ON d.event_id = page.id)`,
    sql`${page} DELETE FROM ${webhookDeliveries} WHERE event_id IN (SELECT id FROM page) RETURNING id`,
    sql`${page} SELECT count(*) AS examined,
          (SELECT created_at FROM page ORDER BY created_at DESC, r DESC LIMIT 1) AS created_at,
          (SELECT r FROM page ORDER BY created_at DESC, r DESC LIMIT 1) AS r
        FROM page`,
  ]);
  const row = position!.results[0]!;
  const examined = Number(row.examined);
  return {
    examined,
    deleted: deleted!.results.length,
    last: examined === 0 ? after : { createdAt: row.created_at as string, rowid: Number(row.r) },
  };
}
