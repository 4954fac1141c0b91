// Receipt planning: what receiving stock against an order would do to it as it is now, or why it
// cannot. Receiving is all or nothing, so the first line that cannot be received refuses the whole.
import { DomainError } from "./errors.ts";
import { assertAllowed } from "./order-status.ts";
import { firstRepeat, type LineItem, type Order, type Receipt } from "./orders.ts";

export interface PlannedReceipt {
  line: LineItem;
  quantity: number;
}

const outstanding = (line: LineItem) => line.quantity_ordered - line.quantity_received;

/**
 * The lines `requested` receives and how many of each, in the order named; none or an empty list
 * means everything outstanding, line by line. Refused: an order that is not receivable in its
 * status, a line named twice or not on the order, more than a line has outstanding, a line whose
 * item is in the trash (`trashedLines`, by line id). Errors about a named receipt carry its index
 * as `entry`. A receivable order always has something outstanding (receiving the last unit makes
 * it `received`), so the plan is never empty.
 */
export function planReceipt(
  order: Order,
  trashedLines: ReadonlySet<string>,
  requested: readonly Receipt[] | undefined,
): PlannedReceipt[] {
  assertAllowed(order, "receive");
  const named = requested !== undefined && requested.length > 0;
  const receipts = named
    ? requested
    : order.line_items.filter((line) => outstanding(line) > 0).map((line) => ({ id: line.id, quantity: outstanding(line) }));
  const at = (entry: number, field: string) => (named ? { entry, field } : {});

  const repeat = firstRepeat(receipts, (receipt) => receipt.id);
  if (repeat >= 0) {
    throw new DomainError("invalid_input", `Line item '${receipts[repeat]!.id}' is named more than once.`, at(repeat, "id"));
  }
  const lines = new Map(order.line_items.map((line) => [line.id, line]));
  return receipts.map((receipt, index) => {
    const line = lines.get(receipt.id);
    if (!line) {
      throw new DomainError("not_found", `Order ${order.number} has no line item with id '${receipt.id}'.`, at(index, "id"));
    }
    if (receipt.quantity > outstanding(line)) {
      throw new DomainError(
        "invalid_state",
        `Line item '${line.id}' has ${outstanding(line)} of ${line.quantity_ordered} outstanding; ${receipt.quantity} cannot be received.`,
        at(index, "quantity"),
      );
    }
    if (trashedLines.has(line.id)) {
      throw new DomainError(
        "invalid_state",
        `The item '${line.item_id}' of line item '${line.id}' is in the trash; restore it before receiving.`,
        at(index, "id"),
      );
    }
    return { line, quantity: receipt.quantity };
  });
}
