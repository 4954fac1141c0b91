// Events (API.md §14): each is written by a statement put into the batch of the change it records,
// so that there is no event for a change that rolled back and no change without its event. The
// statements read the changed rows inside the batch: an event holds the row as it was right after
// the change, even where only the batch knows it (a ledger row's quantities, an alert's crossing).
import { and, eq, getTableColumns, gte, like, sql, type Placeholder, type SQL, type SQLWrapper, type Table } from "drizzle-orm";
import type { EventObjectType, EventType } from "../domain/events.ts";
import { DAY_MS, nowMs } from "../lib/clock.ts";
import { newId } from "../lib/ids.ts";
import type { Page } from "../lib/pagination.ts";
import type { Actor } from "./audit.ts";
import { fromTemplate, runBatch, type BoundStatement, type Database } from "./client.ts";
import { listPage } from "./list-page.ts";
import { eventCounters, events, items, orderLineItems, orders, snapshotRestores, snapshots, transactions, webhookEndpoints } from "./schema.ts";

/** `json_object` of every column of `table` as `alias` in the statement: the row's raw snapshot. */
export function rowJson(table: Table, alias: string): SQL {
  const pairs = Object.values(getTableColumns(table)).map((column) => `'${column.name}', ${alias}.${column.name}`);
  return sql.raw(`json_object(${pairs.join(", ")})`);
}

/**
 * A drizzle row (property names) as the raw snapshot `rowJson` makes (column names, driver
 * values): for events whose object the code already holds.
 */
export function rawRow<T extends Table>(table: T, row: T["$inferSelect"]): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(getTableColumns(table))) {
    const value = (row as Record<string, unknown>)[key];
    raw[column.name] = value === null || value === undefined ? null : column.mapToDriverValue(value);
  }
  return raw;
}

/**
 * The company's next sequence number: one more than its newest event, or than the counter the
 * daily job leaves when it deletes old events (so numbering never restarts).
 */
export function nextSequence(companyId: string | Placeholder): SQL {
  return sql`max(
    COALESCE((SELECT MAX(sequence) FROM ${events} WHERE company_id = ${companyId}), 0),
    COALESCE((SELECT last_sequence FROM ${eventCounters} WHERE company_id = ${companyId}), 0)) + 1`;
}

export const EVENT_COLUMNS = sql.raw(
  "(id, company_id, sequence, type, object_type, object, previous_attributes, request_id, user_id, api_key_id, created_at, dispatched_at)",
);

/**
 * An event's `dispatched_at` as it is written: NULL (the outbox: to be dispatched) when the company
 * has an enabled webhook endpoint, else the event's own time, since there is nothing to dispatch
 * (endpoints receive only events made after them). Without it an import of 100,000 rows would fill
 * the outbox with 300,000 events that later changes' events wait behind.
 */
export function dispatchedAt(companyId: SQL | Placeholder | string, createdAt: SQL | Placeholder | string): SQL {
  return sql`CASE WHEN EXISTS (SELECT 1 FROM ${webhookEndpoints} w WHERE w.company_id = ${companyId} AND w.status = 'enabled')
                  THEN NULL ELSE ${createdAt} END`;
}

export interface EventInput {
  /** The type, or an expression choosing it from the batch's rows (a receipt: received or partially). */
  type: EventType | SQL;
  objectType: EventObjectType;
  /** The object: a JSON expression over `from`'s rows (`rowJson`), or the raw row itself. */
  object: SQL | Record<string, unknown>;
  /** `FROM … WHERE …` giving the one row the event is about; no row, no event. */
  from?: SQL;
  /** The changed fields' former values, as known or as a JSON expression over `from`'s rows. */
  previousAttributes?: Record<string, unknown> | SQL | null;
  createdAt: string;
}

function jsonValue(value: SQL | Record<string, unknown>): SQL {
  return value instanceof Object && "getSQL" in value ? (value as SQL) : sql`json(${JSON.stringify(value)})`;
}

/** One event, as a statement for the change's batch. */
export function eventInsert(actor: Actor, event: EventInput): SQL {
  const previous = event.previousAttributes ? jsonValue(event.previousAttributes) : sql`NULL`;
  return sql`
    INSERT INTO ${events} ${EVENT_COLUMNS}
    SELECT ${newId("event")}, ${actor.companyId}, ${nextSequence(actor.companyId)}, ${event.type},
           ${event.objectType}, ${jsonValue(event.object)}, ${previous}, ${actor.requestId}, ${actor.userId},
           ${actor.apiKeyId}, ${event.createdAt}, ${dispatchedAt(actor.companyId, event.createdAt)}
    ${event.from ?? sql``}`;
}

/** An `item.*` event holding the item row as it is at this point of the batch. */
export function itemEvent(
  actor: Actor,
  type: Extract<EventType, `item.${string}`>,
  itemId: string,
  createdAt: string,
  previousAttributes: Record<string, unknown> | null = null,
): SQL {
  return eventInsert(actor, {
    type,
    objectType: "item",
    object: rowJson(items, "i"),
    from: sql`FROM ${items} i WHERE i.id = ${itemId} AND i.company_id = ${actor.companyId}`,
    previousAttributes,
    createdAt,
  });
}

/** `transaction.created` for a ledger row written earlier in the same batch. */
export function transactionCreatedEvent(actor: Actor, transactionId: string, createdAt: string): SQL {
  return eventInsert(actor, {
    type: "transaction.created",
    objectType: "transaction",
    object: rowJson(transactions, "t"),
    from: sql`FROM ${transactions} t WHERE t.id = ${transactionId} AND t.company_id = ${actor.companyId}`,
    createdAt,
  });
}

/**
 * An `order.*` event holding the order row and its lines' rows as they are at this point of the
 * batch (with the number the batch gave a new order).
 */
export function orderEvent(
  actor: Actor,
  type: Extract<EventType, `order.${string}`> | SQL,
  orderId: string,
  createdAt: string,
  previousAttributes: Record<string, unknown> | SQL | null = null,
): SQL {
  const lines = sql`(SELECT json_group_array(${rowJson(orderLineItems, "l")}) FROM ${orderLineItems} l WHERE l.order_id = o.id)`;
  return eventInsert(actor, {
    type,
    objectType: "order",
    object: sql`json_object('order', ${rowJson(orders, "o")}, 'lines', json(${lines}))`,
    from: sql`FROM ${orders} o WHERE o.id = ${orderId} AND o.company_id = ${actor.companyId}`,
    previousAttributes,
    createdAt,
  });
}

/** `snapshot.completed` or `snapshot.failed`, holding the snapshot row as it is at this point of the batch. */
export function snapshotEvent(actor: Actor, type: "snapshot.completed" | "snapshot.failed", snapshotId: string, createdAt: string): SQL {
  return eventInsert(actor, {
    type,
    objectType: "snapshot",
    object: rowJson(snapshots, "s"),
    from: sql`FROM ${snapshots} s WHERE s.id = ${snapshotId} AND s.company_id = ${actor.companyId}`,
    createdAt,
  });
}

/** `snapshot_restore.completed` or `.failed`, holding the restore row as it is at this point of the batch. */
export function restoreEvent(
  actor: Actor,
  type: "snapshot_restore.completed" | "snapshot_restore.failed",
  restoreId: string,
  createdAt: string,
): SQL {
  return eventInsert(actor, {
    type,
    objectType: "snapshot_restore",
    object: rowJson(snapshotRestores, "r"),
    from: sql`FROM ${snapshotRestores} r WHERE r.id = ${restoreId} AND r.company_id = ${actor.companyId}`,
    createdAt,
  });
}

/** `{field: {from, to}}` changes (as audit entries hold them) as previous attributes `{field: from}`. */
export function previousValues(changes: Record<string, { from: unknown }>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(changes).map(([field, { from }]) => [field, from]));
}

/**
 * Events that may or may not happen, in one statement: each candidate whose condition holds over
 * `from`'s row becomes an event, numbered in the candidates' order. One statement rather than one
 * per candidate, since every statement of a batch costs a D1 round of its own.
 */
interface Candidate {
  type: EventType;
  objectType: EventObjectType;
  object: SQL;
  when: SQL;
}

function candidateEvents(
  key: string,
  count: number,
  build: () => { candidates: Candidate[]; from: SQL },
  actor: Actor,
  values: Record<string, unknown>,
): BoundStatement {
  const ids = Object.fromEntries(Array.from({ length: count }, (_, i) => [`id${i}`, newId("event")]));
  return fromTemplate(
    `events:${key}`,
    () => {
      const { candidates, from } = build();
      if (candidates.length !== count) throw new Error(`events:${key} has ${candidates.length} candidates, not ${count}`);
      const value = (name: string) => sql.placeholder(name);
      const positions = (indexes: number[]) => sql.raw(indexes.map((i) => i + 1).join(", "));
      // Each distinct object once: candidates about the same row share it.
      const objects = [...new Set(candidates.map((c) => c.object))];
      const byObject = sql`CASE ${sql.join(
        objects.map((object) => {
          const indexes = candidates.flatMap((c, i) => (c.object === object ? [i] : []));
          return sql`WHEN k.position IN (${positions(indexes)}) THEN ${object}`;
        }),
        sql` `,
      )} END`;
      const byPosition = (part: (candidate: Candidate) => SQL) =>
        sql`CASE k.position ${sql.join(
          candidates.map((candidate, i) => sql`WHEN ${sql.raw(String(i + 1))} THEN ${part(candidate)}`),
          sql` `,
        )} END`;
      // The types are this module's own names (letters, dots, underscores): written as literals.
      const literal = (name: string) => {
        if (!/^[a-z_.]+$/.test(name)) throw new Error(`not an event or object type: ${name}`);
        return sql.raw(`'${name}'`);
      };
      const rows = sql.join(
        candidates.map(
          (c, i) => sql`SELECT ${sql.raw(String(i + 1))} AS position, ${literal(c.type)} AS type, ${literal(c.objectType)} AS object_type`,
        ),
        sql` UNION ALL `,
      );
      return sql`
        INSERT INTO ${events} ${EVENT_COLUMNS}
        SELECT ${byPosition((c) => sql`${value(`id${candidates.indexOf(c)}`)}`)}, ${value("companyId")},
               ${nextSequence(value("companyId"))} - 1 + ROW_NUMBER() OVER (ORDER BY k.position), k.type,
               k.object_type, ${byObject}, NULL,
               ${value("requestId")}, ${value("userId")}, ${value("apiKeyId")}, ${value("createdAt")},
               ${dispatchedAt(value("companyId"), value("createdAt"))}
        FROM (${rows}) k
        ${from}
        WHERE ${byPosition((c) => c.when)}`;
    },
    { companyId: actor.companyId, requestId: actor.requestId, userId: actor.userId, apiKeyId: actor.apiKeyId, ...ids, ...values },
  );
}

/** An item's stock state, as SQL expressions: its quantity and its reorder point. */
interface StockState {
  quantity: SQL;
  reorderPoint: SQL;
}

const low = (s: StockState) => sql`(${s.reorderPoint} IS NOT NULL AND ${s.quantity} < ${s.reorderPoint})`;
const out = (s: StockState) => sql`(${s.quantity} = 0)`;

/**
 * The stock alerts of one change of an item, from its state before to its state after (the item
 * row `i` as it is at this point of the batch):
 * - `item.low_stock` when it becomes low (below a reorder point, from at or above it, or by the
 *   reorder point being raised above the quantity): once per crossing;
 * - `item.out_of_stock` when its quantity reaches 0 from above;
 * - `item.back_in_stock` when it was low or out of stock and is neither any more.
 * Because the states are read inside the batch, concurrent changes each see the state the one
 * before left, and a crossing is reported by exactly one of them.
 */
function stockAlerts(before: StockState): Candidate[] {
  const after: StockState = { quantity: sql`i.quantity`, reorderPoint: sql`i.reorder_point` };
  const item = { objectType: "item" as const, object: rowJson(items, "i") };
  return [
    { ...item, type: "item.low_stock", when: sql`NOT ${low(before)} AND ${low(after)}` },
    { ...item, type: "item.out_of_stock", when: sql`${before.quantity} > 0 AND ${out(after)}` },
    {
      ...item,
      type: "item.back_in_stock",
      when: sql`(${low(before)} OR ${out(before)}) AND NOT (${low(after)} OR ${out(after)})`,
    },
  ];
}

/** Which way a movement moves stock: up (by a positive change), down (by one below 0), or either (to a level). */
export type StockDirection = "up" | "down" | "either";

/**
 * The alerts a movement can cause, by its direction: stock that rises (its reorder point unchanged)
 * can neither become low nor run out, and stock that falls cannot come back.
 */
const POSSIBLE_ALERTS: Record<StockDirection, EventType[]> = {
  up: ["item.back_in_stock"],
  down: ["item.low_stock", "item.out_of_stock"],
  either: ["item.low_stock", "item.out_of_stock", "item.back_in_stock"],
};

/**
 * The events of a ledger row written earlier in the batch: its `transaction.created` and the
 * item's stock alerts that its direction allows, its reorder point unchanged by a movement. Built
 * once per direction (the busiest statement; the candidates that cannot hold are left out of it).
 */
export function movementEvents(
  actor: Actor,
  transactionId: string,
  itemId: string,
  createdAt: string,
  direction: StockDirection,
): BoundStatement {
  const alerts = POSSIBLE_ALERTS[direction];
  return candidateEvents(
    `movement:${direction}`,
    1 + alerts.length,
    () => ({
      candidates: [
        { type: "transaction.created", objectType: "transaction", object: rowJson(transactions, "t"), when: sql`1` },
        ...stockAlerts({ quantity: sql`t.quantity_before`, reorderPoint: sql`i.reorder_point` }).filter((c) => alerts.includes(c.type)),
      ],
      from: sql`JOIN ${transactions} t ON t.id = ${sql.placeholder("transactionId")} AND t.company_id = ${sql.placeholder("companyId")}
                JOIN ${items} i ON i.id = ${sql.placeholder("itemId")} AND i.company_id = ${sql.placeholder("companyId")}`,
    }),
    actor,
    { transactionId, itemId, createdAt },
  );
}

/** The alerts of a change whose before-state the code read (an update of `reorder_point`, say). */
export function stockAlertsAfterChange(
  actor: Actor,
  itemId: string,
  before: { quantity: number; reorderPoint: number | null },
  createdAt: string,
): BoundStatement {
  return candidateEvents(
    "change",
    3,
    () => ({
      candidates: stockAlerts({ quantity: sql`${sql.placeholder("beforeQuantity")}`, reorderPoint: sql`${sql.placeholder("beforeReorderPoint")}` }),
      from: sql`JOIN ${items} i ON i.id = ${sql.placeholder("itemId")} AND i.company_id = ${sql.placeholder("companyId")}`,
    }),
    actor,
    { itemId, createdAt, beforeQuantity: before.quantity, beforeReorderPoint: before.reorderPoint },
  );
}

/** What a `type` filter of the events list may be: one type, a resource's (`item.*`) or all (`*`). */
function typeCondition(pattern: string): SQL | undefined {
  if (pattern === "*") return undefined;
  if (pattern.endsWith(".*")) return like(events.type, `${pattern.slice(0, -1)}%`);
  return eq(events.type, pattern);
}

/** The oldest an event may be and still be shown (API.md §3: events are kept 30 days). */
export function eventsKeptSince(retentionDays: number): string {
  return new Date(nowMs() - retentionDays * DAY_MS).toISOString();
}

export interface EventFilters {
  type?: string;
  since?: string;
}

/** The company's events, newest first (by sequence). */
export function listEvents(db: Database, companyId: string, retentionDays: number, filters: EventFilters, page: Page) {
  const scope = and(eq(events.companyId, companyId), gte(events.createdAt, eventsKeptSince(retentionDays)));
  const conditions = [scope, filters.type ? typeCondition(filters.type) : undefined];
  if (filters.since) conditions.push(gte(events.createdAt, filters.since));
  return listPage(
    db,
    { table: events, where: and(...conditions), orderBy: [events.sequence, events.id], cursorScope: eq(events.companyId, companyId) },
    page,
  );
}

export async function findEvent(db: Database, companyId: string, id: string, retentionDays: number) {
  const [row] = await db
    .select()
    .from(events)
    .where(and(eq(events.companyId, companyId), eq(events.id, id), gte(events.createdAt, eventsKeptSince(retentionDays))))
    .limit(1);
  return row;
}

/**
 * Deletes at most `limit` events older than `retentionDays`; answers how many. Each company's
 * counter is first brought up to its newest event, so that its numbering continues even when every
 * event it had is gone.
 */
export async function deleteExpiredEvents(db: Database, retentionDays: number, limit: number): Promise<number> {
  const cutoff = new Date(nowMs() - retentionDays * DAY_MS).toISOString();
  const [, deleted] = await runBatch(db, [
    sql`
      INSERT INTO ${eventCounters} (company_id, last_sequence)
      SELECT company_id, MAX(sequence) FROM ${events}
      WHERE company_id IN (SELECT company_id FROM ${events} WHERE created_at < ${cutoff} LIMIT ${limit})
      GROUP BY company_id
      ON CONFLICT (company_id) DO UPDATE SET last_sequence = max(last_sequence, excluded.last_sequence)`,
    sql`
      DELETE FROM ${events} WHERE id IN (SELECT id FROM ${events} WHERE created_at < ${cutoff} LIMIT ${limit})
      RETURNING id`,
  ]);
  return deleted!.results.length;
}
