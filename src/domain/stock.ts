// Limits of an item's stock level, shared by request validation and the ledger.

/** No item's quantity is ever above this, whichever change would take it there. */
export const MAX_QUANTITY = 1_000_000_000;
