// The public event object: the stored snapshot of the changed row(s) turned into the API's object
// by the same converter the API answers with, so that `data.object` is what the API showed then.
import { fromDriverRow } from "../db/client.ts";
import { items, orderLineItems, orders, snapshotRestores, snapshots, transactions, type EventRow } from "../db/schema.ts";
import type { Event, EventObjectType } from "../domain/events.ts";
import { toItem, toTrashedItem } from "../domain/items.ts";
import { toOrder } from "../domain/orders.ts";
import { toTransaction } from "../domain/transactions.ts";
import { toSnapshot } from "../snapshots/create-snapshot.ts";
import { toRestore } from "../snapshots/restore.ts";

type Raw = Record<string, unknown>;

/** An order's snapshot holds its row and its lines' rows (`orderSnapshot` in src/db/events.ts). */
interface RawOrder {
  order: Raw;
  lines: Raw[];
}

const CONVERTERS: Record<EventObjectType, (raw: any) => Record<string, unknown>> = {
  item: (raw: Raw) => {
    const row = fromDriverRow(items, raw);
    return row.deletedAt ? toTrashedItem(row) : toItem(row);
  },
  transaction: (raw: Raw) => toTransaction(fromDriverRow(transactions, raw)),
  order: (raw: RawOrder) =>
    toOrder(
      fromDriverRow(orders, raw.order),
      raw.lines.map((line) => fromDriverRow(orderLineItems, line)).sort((a, b) => a.position - b.position),
    ),
  snapshot: (raw: Raw) => toSnapshot(fromDriverRow(snapshots, raw)),
  snapshot_restore: (raw: Raw) => toRestore(fromDriverRow(snapshotRestores, raw)),
  // Imports (issue 15) store their public object as it is.
  import: (raw: Raw) => raw,
};

export function toEvent(row: EventRow): Event {
  return {
    id: row.id,
    type: row.type as Event["type"],
    sequence: row.sequence,
    created_at: row.createdAt,
    data: {
      object: CONVERTERS[row.objectType as EventObjectType](row.object),
      previous_attributes: (row.previousAttributes as Record<string, unknown> | null) ?? null,
    },
    request_id: row.requestId,
    user_id: row.userId,
    api_key_id: row.apiKeyId,
  };
}
