// Receiving stock against an order: the ledger's `receive` movements, the lines' quantities, the
// order's status and its audit entry, in one D1 batch, so that stock, order and audit log change
// together or not at all. What a receipt may do is planned by `planReceipt` (src/domain/).
import { sql, type SQL, type SQLWrapper } from "drizzle-orm";
import { DomainError } from "../domain/errors.ts";
import { planReceipt, type PlannedReceipt } from "../domain/order-receipts.ts";
import { ALLOWED_FROM } from "../domain/order-status.ts";
import type { Order, Receipt } from "../domain/orders.ts";
import type { Movement } from "../domain/stock.ts";
import { nowIso } from "../lib/clock.ts";
import { newId } from "../lib/ids.ts";
import type { Actor } from "./audit.ts";
import { guardedRow, isConstraintFailure } from "./batch-guard.ts";
import type { Database } from "./client.ts";
import { orderEvent } from "./events.ts";
import { findOrder, loadOrder } from "./orders.ts";
import { auditLog, orderLineItems, orders } from "./schema.ts";
import { recordMovements } from "./transactions.ts";

/** The received lines of an order as JSON (id, item, quantity received), for its audit entry. */
function receivedLinesJson(orderId: string, planJson: string): SQL {
  return sql`json((SELECT json_group_array(json_object('id', id, 'item_id', item_id, 'quantity_received', quantity_received))
                   FROM (SELECT id, item_id, quantity_received FROM ${orderLineItems}
                         WHERE order_id = ${orderId} AND id IN (SELECT key FROM json_each(${planJson}))
                         ORDER BY position)))`;
}

/**
 * The order's side of a receive, to run after the ledger movements in the same batch:
 * 1. the audit entry with the "from" values, guarded: it fails the batch unless the order is
 *    still receivable when the batch runs;
 * 2. the lines' quantity_received, whose CHECK (≤ quantity_ordered) fails the batch on over-receipt;
 * 3. the order's status and received_at, from its lines as they now are;
 * 4. the "to" values of the audit entry, read back from the order and its lines;
 * 5. the order's `order.received` or `order.partially_received` event.
 */
function receiveStatements(actor: Actor, orderId: string, plan: PlannedReceipt[], now: string): SQLWrapper[] {
  const eventId = newId("evt");
  const planJson = JSON.stringify(Object.fromEntries(plan.map(({ line, quantity }) => [line.id, quantity])));
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
      ${guardedRow(orders, "o", sql`o.id = ${orderId} AND o.company_id = ${actor.companyId} AND o.status IN (${receivable})`)}`,
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
    // 5. the order's event, with the former values the audit entry now holds.
    orderEvent(
      actor,
      sql`CASE o.status WHEN 'received' THEN 'order.received' ELSE 'order.partially_received' END`,
      orderId,
      now,
      sql`(SELECT json_group_object(c.key, json(c.value -> '$.from')) FROM ${auditLog} a, json_each(a.changes) c WHERE a.id = ${eventId})`,
    ),
  ];
}

/** Times a receive is planned again after its batch failed (another request changed the order). */
const RECEIVE_ATTEMPTS = 3;

/**
 * The order or an item changed after it was read (a concurrent receive, a cancel, an item moved to
 * the trash): the next plan, from fresh rows, says why, or the receive runs again. The ledger
 * reports a trashed item as not_found.
 */
function overtaken(error: unknown): boolean {
  return isConstraintFailure(error) || (error instanceof Error && (error as { code?: unknown }).code === "not_found");
}

/**
 * A ledger error as the receive's own: the ledger names the failing movement by its place among
 * the plan's movements, which is no entry of the request, so only its field (`quantity`) is kept.
 */
function asReceiveError(error: unknown): unknown {
  if (!(error instanceof DomainError) || error.entry === null) return error;
  return new DomainError(error.code, error.message, { field: error.field, retryAt: error.retryAt });
}

/**
 * Receives the given lines (none or empty: everything outstanding) of a submitted or partially
 * received order: `receive` ledger rows with `order_id` (and their item audit entries), the lines'
 * quantity_received, the order's status and its audit entry, in one batch. Concurrent receives
 * never take a line past its ordered quantity: the line's CHECK constraint fails the batch.
 * Errors about a requested line name it as `entry`.
 */
export async function receiveOrder(
  db: Database,
  actor: Actor,
  id: string,
  requested: Receipt[] | undefined,
): Promise<Order | undefined> {
  for (let attempt = 1; ; attempt++) {
    const loaded = await loadOrder(db, actor.companyId, id);
    if (!loaded) return undefined;
    const plan = planReceipt(loaded.order, loaded.trashedLines, requested);
    const movements: Movement[] = plan.map(({ line, quantity }) => ({
      itemId: line.item_id,
      type: "receive",
      change: quantity,
      orderId: id,
      reference: loaded.order.number,
    }));
    try {
      await recordMovements(db, actor, movements, { extra: receiveStatements(actor, id, plan, nowIso()) });
    } catch (error) {
      if (overtaken(error) && attempt < RECEIVE_ATTEMPTS) continue;
      throw asReceiveError(error);
    }
    return findOrder(db, actor.companyId, id);
  }
}
