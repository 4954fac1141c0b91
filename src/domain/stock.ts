// The rules of an item's stock level: its bounds, and whether a list of movements can apply to the
// stock as it is. Shared by request validation, the ledger (src/db/transactions.ts) and orders.
import type { TransactionType } from "../db/schema.ts";
import { DomainError } from "./errors.ts";

/** No item's quantity is ever above this, whichever change would take it there. */
export const MAX_QUANTITY = 1_000_000_000;

/** One quantity change: either by `change` or to the stock `level` (the change is computed). */
export type Movement = {
  itemId: string;
  type: TransactionType;
  reason?: string | null;
  note?: string | null;
  reference?: string | null;
  orderId?: string | null;
  /** Compare-and-set: the movement only applies if the item has exactly this quantity. */
  expectedQuantity?: number | null;
  /** Only applies while the item is at this version (a caller that read the item first). */
  expectedVersion?: number;
} & ({ change: number; level?: undefined } | { level: number; change?: undefined });

/** The change a movement makes to an item that has `current`. */
export function changeOf(movement: Movement, current: number): number {
  return movement.level === undefined ? movement.change : movement.level - current;
}

/**
 * Applies `movements` in order, in memory, to `stock` (the live items' quantities by id; an id
 * that is missing is no live item). Throws for the first movement that cannot apply, naming its
 * entry: no such item, a failed compare-and-set, a quantity below zero or above MAX_QUANTITY.
 * Answers the stock after all of them.
 */
export function applyMovements(stock: ReadonlyMap<string, number>, movements: readonly Movement[]): Map<string, number> {
  const after = new Map(stock);
  for (const [entry, movement] of movements.entries()) {
    const current = after.get(movement.itemId);
    if (current === undefined) {
      throw new DomainError("not_found", `No item with id '${movement.itemId}'.`, { field: "item_id", entry });
    }
    if (movement.expectedQuantity != null && movement.expectedQuantity !== current) {
      throw new DomainError(
        "quantity_conflict",
        `The item's quantity is ${current}, not the expected ${movement.expectedQuantity}.`,
        { field: "expected_quantity", entry },
      );
    }
    const quantity = current + changeOf(movement, current);
    if (quantity < 0) {
      throw new DomainError(
        "insufficient_stock",
        `Insufficient stock: the item has ${current}, and this would take it to ${quantity}.`,
        { field: "quantity", entry },
      );
    }
    if (quantity > MAX_QUANTITY) {
      throw new DomainError(
        "invalid_state",
        `The item has ${current}, and this would take it to ${quantity}, above the maximum of ${MAX_QUANTITY.toLocaleString("en-US")}.`,
        { field: "quantity", entry },
      );
    }
    after.set(movement.itemId, quantity);
  }
  return after;
}
