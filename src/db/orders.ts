// Purchase orders. Every write is one D1 batch with its audit entry; receiving adds the ledger's
// `receive` movements to that batch, so stock, order and audit log change together or not at all.
import { and, asc, count, desc, eq, inArray, isNull, sql, type SQL, type SQLWrapper } from "drizzle-orm";
import { foldCase } from "../lib/case-fold.ts";
import { nowIso } from "../lib/clock.ts";
import { ApiError } from "../lib/errors.ts";
import { newId } from "../lib/ids.ts";
import type { Page } from "../lib/pagination.ts";
import { auditEntry, type Actor } from "./audit.ts";
import { runBatch, type Database } from "./client.ts";
import { isConstraintFailure } from "./batch-guard.ts";
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
import { recordMovements, type Movement } from "./transactions.ts";

export interface LineItemInput {
  item_id: string;
  quantity_ordered: number;
  unit_cost: number;
}

export interface OrderInput {
  supplier: string;
  status: "draft" | "submitted";
  currency: string;
  expected_at?: string | null;
  notes?: string | null;
  line_items: LineItemInput[];
}

export type OrderChanges = Partial<Omit<OrderInput, "status">>;

/** A line to receive: the line item's id and how many arrived. */
export interface Receipt {
  id: string;
  quantity: number;
}

export interface OrderFilters {
  status?: OrderStatus;
  itemId?: string;
  supplier?: string;
}

/** `PO-000001`; wider once a company passes 999,999 orders. Mirrors `NUMBER_SQL`. */
export function orderNumber(number: number): string {
  return `PO-${String(number).padStart(6, "0")}`;
}
const NUMBER_SQL = (number: SQL) => sql`printf('PO-%06d', ${number})`;

function toLineItem(row: Pick<OrderLineItemRow, "id" | "itemId" | "quantityOrdered" | "quantityReceived" | "unitCost">) {
  return {
    id: row.id,
    item_id: row.itemId,
    quantity_ordered: row.quantityOrdered,
    quantity_received: row.quantityReceived,
    unit_cost: row.unitCost,
  };
}

/** The public representation of an order: API responses and audit entries. */
export function toOrder(row: OrderRow, lines: OrderLineItemRow[]) {
  const lineItems = lines.map(toLineItem);
  return {
    id: row.id,
    number: orderNumber(row.number),
    supplier: row.supplier,
    status: row.status,
    currency: row.currency,
    expected_at: row.expectedAt,
    notes: row.notes,
    line_items: lineItems,
    total_cost: lineItems.reduce((sum, line) => sum + line.quantity_ordered * line.unit_cost, 0),
    created_at: row.createdAt,
    updated_at: row.updatedAt,
    submitted_at: row.submittedAt,
    received_at: row.receivedAt,
    cancelled_at: row.cancelledAt,
  };
}

export type PublicOrder = ReturnType<typeof toOrder>;

// What each action needs the order's status to be; anything else is `409 invalid_state`.
const ALLOWED_FROM = {
  edit: ["draft"],
  submit: ["draft"],
  cancel: ["draft", "submitted"],
  receive: ["submitted", "partially_received"],
} as const satisfies Record<string, readonly OrderStatus[]>;

type Action = keyof typeof ALLOWED_FROM;
const VERB: Record<Action, string> = {
  edit: "edited",
  submit: "submitted",
  cancel: "cancelled",
  receive: "received",
};

function assertAllowed(row: OrderRow, action: Action): void {
  const allowed: readonly OrderStatus[] = ALLOWED_FROM[action];
  if (allowed.includes(row.status)) return;
  const list = allowed.map((s) => `'${s}'`).join(" or ");
  throw new ApiError(
    "invalid_state",
    `Order ${orderNumber(row.number)} is '${row.status}'; only ${list} orders can be ${VERB[action]}.`,
  );
}

/** The live items of the company among `ids` (one JSON parameter, however many ids). */
async function liveItemIds(db: Database, companyId: string, ids: string[]): Promise<Set<string>> {
  const rows = await db
    .select({ id: items.id })
    .from(items)
    .where(
      and(
        eq(items.companyId, companyId),
        isNull(items.deletedAt),
        sql`${items.id} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`,
      ),
    );
  return new Set(rows.map((r) => r.id));
}

/** `404 not_found` naming the first line whose item is missing or trashed, if there is one. */
async function assertItemsLive(db: Database, companyId: string, lines: LineItemInput[]): Promise<void> {
  const live = await liveItemIds(db, companyId, lines.map((l) => l.item_id));
  const index = lines.findIndex((line) => !live.has(line.item_id));
  if (index >= 0) {
    throw new ApiError("not_found", `No item with id '${lines[index]!.item_id}'.`, `line_items[${index}].item_id`);
  }
}

/**
 * Inserts the lines in one statement. The item id is read from the live item, so a missing or
 * trashed item leaves it NULL (NOT NULL constraint) and fails the whole batch.
 */
function insertLines(actor: Actor, orderId: string, lines: (LineItemInput & { id: string })[]): SQL {
  return sql`
    INSERT INTO ${orderLineItems} (id, order_id, company_id, item_id, position, quantity_ordered,
                                   quantity_received, unit_cost)
    SELECT json_extract(j.value, '$.id'), ${orderId}, ${actor.companyId}, i.id, j.key,
           json_extract(j.value, '$.quantity_ordered'), 0, json_extract(j.value, '$.unit_cost')
    FROM json_each(${JSON.stringify(lines)}) j
    LEFT JOIN ${items} i
      ON i.id = json_extract(j.value, '$.item_id') AND i.company_id = ${actor.companyId} AND i.deleted_at IS NULL`;
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
 * Creates an order and its lines with the company's next number. The counter bump, the order, its
 * lines and the `create` audit entry are one batch: D1 runs batches one at a time, so concurrent
 * creations get consecutive numbers, and a failed one gives its number back.
 */
export async function createOrder(db: Database, actor: Actor, input: OrderInput): Promise<PublicOrder> {
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

  let results;
  try {
    results = await runBatch(db, [
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
    ]);
  } catch (error) {
    // An item was trashed between the check and the batch.
    if (isConstraintFailure(error)) await assertItemsLive(db, actor.companyId, input.line_items);
    throw error;
  }
  const number = Number(results[1]!.results[0]!.number);
  return { ...created, number: orderNumber(number) };
}

interface LoadedOrder {
  row: OrderRow;
  lines: OrderLineItemRow[];
  /** Line ids whose item is missing or in the trash. */
  trashedLines: Set<string>;
}

async function loadOrder(db: Database, companyId: string, id: string): Promise<LoadedOrder | undefined> {
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
  return { row, lines, trashedLines: new Set(trashed.map((t) => t.id)) };
}

export async function findOrder(db: Database, companyId: string, id: string): Promise<PublicOrder | undefined> {
  const loaded = await loadOrder(db, companyId, id);
  return loaded && toOrder(loaded.row, loaded.lines);
}

/**
 * The audit entry of a change to an order that was read first, and an optimistic lock for it:
 * unless the order is still at `version` when the batch runs, the entry has no resource_id
 * (NOT NULL) and the whole batch fails, so the caller reads again and decides again.
 */
function auditOrderChange(actor: Actor, orderId: string, version: number, changes: unknown, now: string): SQL {
  return sql`
    INSERT INTO ${auditLog} (id, company_id, action, resource_type, resource_id, item_id, user_id,
                             api_key_id, changes, transaction_id, request_id, created_at)
    SELECT ${newId("evt")}, ${actor.companyId}, 'update', 'order', o.id, NULL, ${actor.userId},
           ${actor.apiKeyId}, ${JSON.stringify(changes)}, NULL, ${actor.requestId}, ${now}
    FROM (SELECT 1) LEFT JOIN ${orders} o
      ON o.id = ${orderId} AND o.company_id = ${actor.companyId} AND o.version = ${version}`;
}

const sameLines = (a: LineItemInput[], b: LineItemInput[]) =>
  a.length === b.length &&
  a.every(
    (line, i) =>
      line.item_id === b[i]!.item_id &&
      line.quantity_ordered === b[i]!.quantity_ordered &&
      line.unit_cost === b[i]!.unit_cost,
  );

const SCALAR_FIELDS = ["supplier", "currency", "expected_at", "notes"] as const;

/**
 * Changes a draft. `line_items`, when sent, replaces all lines (with new line ids). Nothing is
 * written (and no audit entry) when every value sent equals the current one.
 */
export async function updateDraftOrder(
  db: Database,
  actor: Actor,
  id: string,
  changes: OrderChanges,
): Promise<PublicOrder | undefined> {
  return withOptimisticRetry(async () => {
    const loaded = await loadOrder(db, actor.companyId, id);
    if (!loaded) return undefined;
    assertAllowed(loaded.row, "edit");
    const before = toOrder(loaded.row, loaded.lines);

    const changed: Record<string, { from: unknown; to: unknown }> = {};
    for (const field of SCALAR_FIELDS) {
      const to = changes[field];
      if (to !== undefined && to !== before[field]) changed[field] = { from: before[field], to };
    }
    const newLines = changes.line_items && !sameLines(changes.line_items, before.line_items) ? withIds(changes.line_items) : null;
    const newRows = newLines && lineRows(id, actor.companyId, newLines);
    if (newLines && newRows) {
      await assertItemsLive(db, actor.companyId, newLines);
      changed.line_items = { from: before.line_items, to: newRows.map(toLineItem) };
    }
    if (Object.keys(changed).length === 0) return before;

    const now = nowIso();
    const { row } = loaded;
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
    try {
      await runBatch(db, [
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
      ]);
    } catch (error) {
      if (newLines && isConstraintFailure(error)) await assertItemsLive(db, actor.companyId, newLines);
      throw error;
    }
    return toOrder(updated, newRows ?? loaded.lines);
  });
}

const TRANSITIONS = {
  submit: { to: "submitted", stamp: "submittedAt", field: "submitted_at" },
  cancel: { to: "cancelled", stamp: "cancelledAt", field: "cancelled_at" },
} as const;

/** `submit` (draft → submitted) or `cancel` (draft or submitted → cancelled), with its audit entry. */
export async function transitionOrder(
  db: Database,
  actor: Actor,
  id: string,
  action: keyof typeof TRANSITIONS,
): Promise<PublicOrder | undefined> {
  const { to, stamp, field } = TRANSITIONS[action];
  return withOptimisticRetry(async () => {
    const loaded = await loadOrder(db, actor.companyId, id);
    if (!loaded) return undefined;
    const { row } = loaded;
    assertAllowed(row, action);
    const now = nowIso();
    const changes = { status: { from: row.status, to }, [field]: { from: row[stamp], to: now } };
    await runBatch(db, [
      auditOrderChange(actor, id, row.version, changes, now),
      db
        .update(orders)
        .set({ status: to, [stamp]: now, version: row.version + 1, updatedAt: now })
        .where(and(eq(orders.id, id), eq(orders.version, row.version))),
    ]);
    return toOrder({ ...row, status: to, [stamp]: now, version: row.version + 1, updatedAt: now }, loaded.lines);
  });
}

/**
 * What a receive would do to the order as it is now: the quantity per line id, or the error that
 * stops it (not receivable in its status, an unknown line, more than outstanding, a trashed item).
 */
function planReceipt(loaded: LoadedOrder, requested: Receipt[] | undefined): Map<string, number> {
  assertAllowed(loaded.row, "receive");
  const lines = new Map(loaded.lines.map((line) => [line.id, line]));
  const plan = new Map<string, number>();
  const named = requested !== undefined && requested.length > 0;
  const receipts = named
    ? requested
    : loaded.lines.map((line) => ({ id: line.id, quantity: line.quantityOrdered - line.quantityReceived }));

  for (const [index, receipt] of receipts.entries()) {
    const field = (name: string) => (named ? `line_items[${index}].${name}` : null);
    const line = lines.get(receipt.id);
    if (!line) {
      throw new ApiError(
        "not_found",
        `Order ${orderNumber(loaded.row.number)} has no line item with id '${receipt.id}'.`,
        field("id"),
      );
    }
    if (receipt.quantity === 0) continue;
    const outstanding = line.quantityOrdered - line.quantityReceived;
    if (receipt.quantity > outstanding) {
      throw new ApiError(
        "invalid_state",
        `Line item '${line.id}' has ${outstanding} of ${line.quantityOrdered} outstanding; ${receipt.quantity} cannot be received.`,
        field("quantity"),
      );
    }
    if (loaded.trashedLines.has(line.id)) {
      throw new ApiError(
        "invalid_state",
        `The item '${line.itemId}' of line item '${line.id}' is in the trash; restore it before receiving.`,
        field("id"),
      );
    }
    plan.set(line.id, receipt.quantity);
  }
  // Not reached while the status is receivable (some line is outstanding); kept as a guard.
  if (plan.size === 0) {
    throw new ApiError("invalid_state", `Order ${orderNumber(loaded.row.number)} has nothing outstanding to receive.`);
  }
  return plan;
}

/** The received lines of an order as JSON (id, item, quantity received), for its audit entry. */
function receivedLinesJson(orderId: string, planJson: string): SQL {
  return sql`json((SELECT json_group_array(json_object('id', id, 'item_id', item_id, 'quantity_received', quantity_received))
                   FROM (SELECT id, item_id, quantity_received FROM ${orderLineItems}
                         WHERE order_id = ${orderId} AND id IN (SELECT key FROM json_each(${planJson}))
                         ORDER BY position)))`;
}

/**
 * The order's side of a receive, to run after the ledger movements in the same batch:
 * 1. the audit entry with the "from" values, which fails the batch (NULL resource_id) unless the
 *    order is still receivable when the batch runs;
 * 2. the lines' quantity_received, whose CHECK (≤ quantity_ordered) fails the batch on over-receipt;
 * 3. the order's status and received_at, from its lines as they now are;
 * 4. the "to" values of the audit entry, read back from the order and its lines.
 */
function receiveStatements(actor: Actor, orderId: string, plan: Map<string, number>, now: string): SQLWrapper[] {
  const eventId = newId("evt");
  const planJson = JSON.stringify(Object.fromEntries(plan));
  const receivable = sql.join(
    ALLOWED_FROM.receive.map((s) => sql`${s}`),
    sql`, `,
  );
  const outstanding = sql`EXISTS (SELECT 1 FROM ${orderLineItems}
                                  WHERE order_id = ${orderId} AND quantity_received < quantity_ordered)`;
  return [
    sql`
      INSERT INTO ${auditLog} (id, company_id, action, resource_type, resource_id, item_id, user_id,
                               api_key_id, changes, transaction_id, request_id, created_at)
      SELECT ${eventId}, ${actor.companyId}, 'update', 'order', o.id, NULL, ${actor.userId}, ${actor.apiKeyId},
             json_object('status', json_object('from', o.status, 'to', NULL),
                         'line_items', json_object('from', ${receivedLinesJson(orderId, planJson)}, 'to', NULL)),
             NULL, ${actor.requestId}, ${now}
      FROM (SELECT 1) LEFT JOIN ${orders} o
        ON o.id = ${orderId} AND o.company_id = ${actor.companyId} AND o.status IN (${receivable})`,
    sql`
      UPDATE ${orderLineItems} SET quantity_received = quantity_received + r.value
      FROM json_each(${planJson}) r
      WHERE ${orderLineItems}.id = r.key AND ${orderLineItems}.order_id = ${orderId}`,
    sql`
      UPDATE ${orders}
      SET status = CASE WHEN ${outstanding} THEN 'partially_received' ELSE 'received' END,
          received_at = CASE WHEN ${outstanding} THEN NULL ELSE ${now} END,
          version = version + 1, updated_at = ${now}
      WHERE id = ${orderId} AND company_id = ${actor.companyId}`,
    sql`
      UPDATE ${auditLog} SET changes = (
        SELECT CASE
          WHEN o.status = json_extract(${auditLog}.changes, '$.status.from')
            THEN json_remove(json_set(${auditLog}.changes, '$.line_items.to', ${receivedLinesJson(orderId, planJson)}), '$.status')
          WHEN o.received_at IS NULL
            THEN json_set(${auditLog}.changes, '$.status.to', o.status,
                          '$.line_items.to', ${receivedLinesJson(orderId, planJson)})
          ELSE json_set(${auditLog}.changes, '$.status.to', o.status,
                        '$.line_items.to', ${receivedLinesJson(orderId, planJson)},
                        '$.received_at', json_object('from', NULL, 'to', o.received_at))
        END
        FROM ${orders} o WHERE o.id = ${orderId})
      WHERE id = ${eventId}`,
  ];
}

/** Times a receive is planned again after its batch failed (another request changed the order). */
const RECEIVE_ATTEMPTS = 3;

/**
 * Receives the given lines (none or empty: everything outstanding) of a submitted or partially
 * received order: `receive` ledger rows with `order_id` (and their item audit entries), the lines'
 * quantity_received, the order's status and its audit entry, in one batch. Concurrent receives
 * never take a line past its ordered quantity: the line's CHECK constraint fails the batch.
 */
export async function receiveOrder(
  db: Database,
  actor: Actor,
  id: string,
  requested: Receipt[] | undefined,
): Promise<PublicOrder | undefined> {
  for (let attempt = 1; ; attempt++) {
    const loaded = await loadOrder(db, actor.companyId, id);
    if (!loaded) return undefined;
    const plan = planReceipt(loaded, requested);
    const itemOf = new Map(loaded.lines.map((line) => [line.id, line.itemId]));
    const movements: Movement[] = [...plan].map(([lineId, quantity]) => ({
      itemId: itemOf.get(lineId)!,
      type: "receive",
      change: quantity,
      orderId: id,
      reference: orderNumber(loaded.row.number),
    }));
    try {
      await recordMovements(db, actor, movements, {
        extra: receiveStatements(actor, id, plan, nowIso()),
      });
    } catch (error) {
      // The order or an item changed after it was read (a concurrent receive, a cancel, an item
      // moved to the trash): the next plan, from fresh rows, says why, or the receive runs again.
      const overtaken = isConstraintFailure(error) || (error instanceof ApiError && error.code === "not_found");
      if (!overtaken || attempt >= RECEIVE_ATTEMPTS) throw error;
      continue;
    }
    return findOrder(db, actor.companyId, id);
  }
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
  const where = and(...conditions);
  const pageIds = db
    .select({ id: orders.id })
    .from(orders)
    .where(where)
    .orderBy(desc(orders.createdAt), desc(orders.id))
    .limit(page.limit)
    .offset(page.offset);
  const [rows, [total], lines] = await db.batch([
    db.select().from(orders).where(where).orderBy(desc(orders.createdAt), desc(orders.id)).limit(page.limit).offset(page.offset),
    db.select({ total: count() }).from(orders).where(where),
    db
      .select()
      .from(orderLineItems)
      .where(and(eq(orderLineItems.companyId, companyId), inArray(orderLineItems.orderId, pageIds)))
      .orderBy(asc(orderLineItems.orderId), asc(orderLineItems.position)),
  ]);
  const byOrder = new Map<string, OrderLineItemRow[]>();
  for (const line of lines) {
    const list = byOrder.get(line.orderId) ?? [];
    list.push(line);
    byOrder.set(line.orderId, list);
  }
  return { rows: rows.map((row) => toOrder(row, byOrder.get(row.id) ?? [])), total: total?.total ?? 0 };
}
