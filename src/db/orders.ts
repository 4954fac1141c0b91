// Purchase orders in D1: creating, reading, listing, editing and submitting or cancelling them.
// Every write is one batch with its audit entry. The rules they follow (the state machine, the
// order object) are in src/domain/; receiving is in ./order-receipts.ts.
import { and, asc, eq, inArray, isNull, sql, type SQL } from "drizzle-orm";
import { DomainError } from "../domain/errors.ts";
import { assertAllowed, TRANSITIONS } from "../domain/order-status.ts";
import {
  draftChanges,
  orderNumber,
  toLineItem,
  toOrder,
  type LineItemInput,
  type Order,
  type OrderChanges,
  type OrderInput,
} from "../domain/orders.ts";
import { foldCase } from "../lib/case-fold.ts";
import { nowIso } from "../lib/clock.ts";
import { newId } from "../lib/ids.ts";
import type { Page } from "../lib/pagination.ts";
import { auditEntry, type Actor } from "./audit.ts";
import { guardedRow, isConstraintFailure, nullUnless } from "./batch-guard.ts";
import { fromDriverRow, runBatch, type Database } from "./client.ts";
import { orderEvent, previousValues } from "./events.ts";
import { listPageQueries } from "./list-page.ts";
import { withOptimisticRetry } from "./optimistic-retry.ts";
import {
  auditLog,
  items,
  orderCounters,
  orderLineItems,
  orders,
  type OrderLineItemRow,
  type OrderRow,
  type OrderStatus,
} from "./schema.ts";

export interface OrderFilters {
  status?: OrderStatus;
  itemId?: string;
  supplier?: string;
}

/** `orderNumber` in SQL, for a number only known inside a batch. */
const NUMBER_SQL = (number: SQL) => sql`printf('PO-%06d', ${number})`;

/** Refuses (not_found, naming the line as `entry`) the first line whose item is missing or trashed. */
async function assertItemsLive(db: Database, companyId: string, lines: LineItemInput[]): Promise<void> {
  const rows = await db
    .select({ id: items.id })
    .from(items)
    .where(
      and(
        eq(items.companyId, companyId),
        isNull(items.deletedAt),
        // One JSON parameter, however many ids: D1 allows 100 bound parameters a statement.
        sql`${items.id} IN (SELECT value FROM json_each(${JSON.stringify(lines.map((l) => l.item_id))}))`,
      ),
    );
  const live = new Set(rows.map((r) => r.id));
  const index = lines.findIndex((line) => !live.has(line.item_id));
  if (index >= 0) {
    throw new DomainError("not_found", `No item with id '${lines[index]!.item_id}'.`, { entry: index, field: "item_id" });
  }
}

/**
 * Inserts the lines in one statement, guarded: a line whose item is missing or trashed when the
 * batch runs gets no item id (NOT NULL), which fails the whole batch.
 */
function insertLines(actor: Actor, orderId: string, lines: (LineItemInput & { id: string })[]): SQL {
  const itemId = sql`json_extract(j.value, '$.item_id')`;
  const itemIsLive = sql`EXISTS (SELECT 1 FROM ${items} i
                                 WHERE i.id = ${itemId} AND i.company_id = ${actor.companyId} AND i.deleted_at IS NULL)`;
  return sql`
    INSERT INTO ${orderLineItems} (id, order_id, company_id, item_id, position, quantity_ordered,
                                   quantity_received, unit_cost)
    SELECT json_extract(j.value, '$.id'), ${orderId}, ${actor.companyId}, ${nullUnless(itemIsLive, itemId)}, j.key,
           json_extract(j.value, '$.quantity_ordered'), 0, json_extract(j.value, '$.unit_cost')
    FROM json_each(${JSON.stringify(lines)}) j`;
}

function withIds(lines: LineItemInput[]) {
  return lines.map((line) => ({ id: newId("li"), ...line }));
}

function lineRows(orderId: string, companyId: string, lines: ReturnType<typeof withIds>): OrderLineItemRow[] {
  return lines.map((line, position) => ({
    id: line.id,
    orderId,
    companyId,
    itemId: line.item_id,
    position,
    quantityOrdered: line.quantity_ordered,
    quantityReceived: 0,
    unitCost: line.unit_cost,
  }));
}

/**
 * Runs a batch that inserts `lines`; if an item went to the trash since `assertItemsLive`, the
 * guard failed it, and the line is named as the check names it.
 */
async function withLiveItems<T>(db: Database, companyId: string, lines: LineItemInput[] | null, batch: () => Promise<T>) {
  try {
    return await batch();
  } catch (error) {
    if (lines && isConstraintFailure(error)) await assertItemsLive(db, companyId, lines);
    throw error;
  }
}

/**
 * Creates an order and its lines with the company's next number. The counter bump, the order, its
 * lines and the `create` audit entry are one batch: D1 runs batches one at a time, so concurrent
 * creations get consecutive numbers, and a failed one gives its number back.
 */
export async function createOrder(db: Database, actor: Actor, input: OrderInput): Promise<Order> {
  await assertItemsLive(db, actor.companyId, input.line_items);

  const now = nowIso();
  const id = newId("po");
  const lines = withIds(input.line_items);
  const row: OrderRow = {
    id,
    companyId: actor.companyId,
    number: 0, // set from the counter inside the batch
    supplier: input.supplier,
    supplierKey: foldCase(input.supplier),
    status: input.status,
    currency: input.currency,
    expectedAt: input.expected_at ?? null,
    notes: input.notes ?? null,
    version: 0,
    createdAt: now,
    updatedAt: now,
    submittedAt: input.status === "submitted" ? now : null,
    receivedAt: null,
    cancelledAt: null,
  };
  const created = toOrder(row, lineRows(id, actor.companyId, lines));
  const numberOf = sql`(SELECT number FROM ${orders} WHERE id = ${id})`;

  const results = await withLiveItems(db, actor.companyId, input.line_items, () =>
    runBatch(db, [
      db
        .insert(orderCounters)
        .values({ companyId: actor.companyId, lastNumber: 1 })
        .onConflictDoUpdate({ target: orderCounters.companyId, set: { lastNumber: sql`${orderCounters.lastNumber} + 1` } }),
      sql`
        INSERT INTO ${orders} (id, company_id, number, supplier, supplier_key, status, currency, expected_at,
                               notes, version, created_at, updated_at, submitted_at, received_at, cancelled_at)
        SELECT ${id}, ${actor.companyId}, last_number, ${row.supplier}, ${row.supplierKey}, ${row.status}, ${row.currency},
               ${row.expectedAt}, ${row.notes}, 0, ${now}, ${now}, ${row.submittedAt}, NULL, NULL
        FROM ${orderCounters} WHERE company_id = ${actor.companyId}
        RETURNING number`,
      insertLines(actor, id, lines),
      auditEntry(db, actor, {
        action: "create",
        resourceType: "order",
        resourceId: id,
        changes: sql`json_set(${JSON.stringify(created)}, '$.number', ${NUMBER_SQL(numberOf)})`,
        createdAt: now,
      }),
      orderEvent(actor, "order.created", id, now),
    ]),
  );
  const number = Number(results[1]!.results[0]!.number);
  return { ...created, number: orderNumber(number) };
}

export interface LoadedOrder {
  row: OrderRow;
  lines: OrderLineItemRow[];
  /** The public object, as the rules see it. */
  order: Order;
  /** Line ids whose item is missing or in the trash. */
  trashedLines: Set<string>;
}

/** The order, its lines and which of them have no live item, read together (one snapshot). */
export async function loadOrder(db: Database, companyId: string, id: string): Promise<LoadedOrder | undefined> {
  const [rows, lines, trashed] = await db.batch([
    db
      .select()
      .from(orders)
      .where(and(eq(orders.companyId, companyId), eq(orders.id, id)))
      .limit(1),
    db
      .select()
      .from(orderLineItems)
      .where(and(eq(orderLineItems.companyId, companyId), eq(orderLineItems.orderId, id)))
      .orderBy(asc(orderLineItems.position)),
    db
      .select({ id: orderLineItems.id })
      .from(orderLineItems)
      .leftJoin(
        items,
        and(eq(items.id, orderLineItems.itemId), eq(items.companyId, companyId), isNull(items.deletedAt)),
      )
      .where(and(eq(orderLineItems.companyId, companyId), eq(orderLineItems.orderId, id), isNull(items.id))),
  ]);
  const row = rows[0];
  if (!row) return undefined;
  return { row, lines, order: toOrder(row, lines), trashedLines: new Set(trashed.map((t) => t.id)) };
}

export async function findOrder(db: Database, companyId: string, id: string): Promise<Order | undefined> {
  return (await loadOrder(db, companyId, id))?.order;
}

/** A page of orders, newest first, each with its lines. */
export async function listOrders(db: Database, companyId: string, filters: OrderFilters, page: Page) {
  const conditions: (SQL | undefined)[] = [eq(orders.companyId, companyId)];
  if (filters.status) conditions.push(eq(orders.status, filters.status));
  if (filters.supplier !== undefined) conditions.push(eq(orders.supplierKey, foldCase(filters.supplier)));
  if (filters.itemId) {
    conditions.push(
      inArray(
        orders.id,
        db
          .select({ id: orderLineItems.orderId })
          .from(orderLineItems)
          .where(and(eq(orderLineItems.companyId, companyId), eq(orderLineItems.itemId, filters.itemId))),
      ),
    );
  }
  // The page's lines are read in the page's own batch, so that every order shows its row and its
  // lines as they were at one moment (never a submitted order with received lines).
  const pageQueries = listPageQueries(
    db,
    { table: orders, where: and(...conditions), orderBy: [orders.createdAt, orders.id], cursorScope: eq(orders.companyId, companyId) },
    page,
  );
  const pageIds = db.select({ id: sql<string>`id` }).from(pageQueries.rows.as("page"));
  const [pageResult, lineResult] = await runBatch(db, [
    pageQueries.page,
    db
      .select()
      .from(orderLineItems)
      .where(and(eq(orderLineItems.companyId, companyId), inArray(orderLineItems.orderId, pageIds)))
      .orderBy(asc(orderLineItems.orderId), asc(orderLineItems.position)),
  ]);
  const list = pageQueries.read(pageResult!.results);
  const lines = lineResult!.results.map((raw) => fromDriverRow(orderLineItems, raw));
  const byOrder = Map.groupBy(lines, (line) => line.orderId);
  return { ...list, rows: (list.rows as OrderRow[]).map((row) => toOrder(row, byOrder.get(row.id) ?? [])) };
}

/**
 * The audit entry of a change to an order that was read first, and a version lock for it: unless
 * the order is still at `version` when the batch runs, the guard fails the whole batch, so the
 * caller reads again and decides again.
 */
function auditOrderChange(actor: Actor, orderId: string, version: number, changes: unknown, now: string): SQL {
  return sql`
    INSERT INTO ${auditLog} (id, company_id, action, resource_type, resource_id, item_id, user_id,
                             api_key_id, changes, transaction_id, request_id, created_at)
    SELECT ${newId("evt")}, ${actor.companyId}, 'update', 'order', o.id, NULL, ${actor.userId},
           ${actor.apiKeyId}, ${JSON.stringify(changes)}, NULL, ${actor.requestId}, ${now}
    ${guardedRow(orders, "o", sql`o.id = ${orderId} AND o.company_id = ${actor.companyId} AND o.version = ${version}`)}`;
}

/**
 * Changes a draft. `line_items`, when sent, replaces all lines (with new line ids). Nothing is
 * written (and no audit entry) when every value sent equals the current one.
 */
export async function updateDraftOrder(
  db: Database,
  actor: Actor,
  id: string,
  changes: OrderChanges,
): Promise<Order | undefined> {
  return withOptimisticRetry(async () => {
    const loaded = await loadOrder(db, actor.companyId, id);
    if (!loaded) return undefined;
    const { row, order: before } = loaded;
    assertAllowed(before, "edit");

    const { fields: changed, lines } = draftChanges(before, changes);
    const newLines = lines && withIds(lines);
    const newRows = newLines && lineRows(id, actor.companyId, newLines);
    if (newLines && newRows) {
      await assertItemsLive(db, actor.companyId, newLines);
      changed.line_items = { from: before.line_items, to: newRows.map(toLineItem) };
    }
    if (Object.keys(changed).length === 0) return before;

    const now = nowIso();
    const updated: OrderRow = {
      ...row,
      supplier: changes.supplier ?? row.supplier,
      supplierKey: foldCase(changes.supplier ?? row.supplier),
      currency: changes.currency ?? row.currency,
      expectedAt: changes.expected_at === undefined ? row.expectedAt : changes.expected_at,
      notes: changes.notes === undefined ? row.notes : changes.notes,
      version: row.version + 1,
      updatedAt: now,
    };
    await withLiveItems(db, actor.companyId, newLines, () =>
      runBatch(db, [
        auditOrderChange(actor, id, row.version, changed, now),
        ...(newLines ? [db.delete(orderLineItems).where(eq(orderLineItems.orderId, id)), insertLines(actor, id, newLines)] : []),
        db
          .update(orders)
          .set({
            supplier: updated.supplier,
            supplierKey: updated.supplierKey,
            currency: updated.currency,
            expectedAt: updated.expectedAt,
            notes: updated.notes,
            version: updated.version,
            updatedAt: now,
          })
          .where(and(eq(orders.id, id), eq(orders.version, row.version))),
        orderEvent(actor, "order.updated", id, now, { ...previousValues(changed), updated_at: row.updatedAt }),
      ]),
    );
    return toOrder(updated, newRows ?? loaded.lines);
  });
}

/** The timestamp each transition sets: its column and its name in the order object. */
const STAMPS = {
  submit: { column: "submittedAt", field: "submitted_at" },
  cancel: { column: "cancelledAt", field: "cancelled_at" },
} as const;

/** `submit` (draft → submitted) or `cancel` (draft or submitted → cancelled), with its audit entry. */
export async function transitionOrder(
  db: Database,
  actor: Actor,
  id: string,
  action: keyof typeof TRANSITIONS,
): Promise<Order | undefined> {
  const to = TRANSITIONS[action];
  const { column, field } = STAMPS[action];
  return withOptimisticRetry(async () => {
    const loaded = await loadOrder(db, actor.companyId, id);
    if (!loaded) return undefined;
    const { row } = loaded;
    assertAllowed(loaded.order, action);
    const now = nowIso();
    const changes = { status: { from: row.status, to }, [field]: { from: row[column], to: now } };
    await runBatch(db, [
      auditOrderChange(actor, id, row.version, changes, now),
      db
        .update(orders)
        .set({ status: to, [column]: now, version: row.version + 1, updatedAt: now })
        .where(and(eq(orders.id, id), eq(orders.version, row.version))),
      orderEvent(actor, action === "submit" ? "order.submitted" : "order.cancelled", id, now, {
        ...previousValues(changes),
        updated_at: row.updatedAt,
      }),
    ]);
    return toOrder({ ...row, status: to, [column]: now, version: row.version + 1, updatedAt: now }, loaded.lines);
  });
}
