// What goes wrong in the domain, said without HTTP: the rules throw a DomainError, and one place
// (`toApiError` in src/lib/errors.ts) turns it into the contract's error body and status.

export const DOMAIN_ERROR_CODES = [
  /** No such resource for this company. */
  "not_found",
  "sku_taken",
  "barcode_taken",
  /** A change would take stock below zero. */
  "insufficient_stock",
  /** A compare-and-set found another quantity. */
  "quantity_conflict",
  /** The resource's state does not allow this (a state machine, a limit, a bound). */
  "invalid_state",
  /** The input can never succeed (e.g. a key role above its user's). */
  "invalid_input",
  /** A per-plan daily limit is used up until the next 00:00 UTC. */
  "plan_limit_exceeded",
  /** Too many concurrent writers; safe to retry. */
  "busy",
  /** Stored data (a blob) could not be read just now; safe to retry. */
  "unavailable",
] as const;

export type DomainErrorCode = (typeof DOMAIN_ERROR_CODES)[number];

export class DomainError extends Error {
  readonly code: DomainErrorCode;
  /**
   * The input field at fault, relative to the entry it belongs to (`quantity`, `item_id`), or null.
   * The HTTP layer adds the path of the entry (`transactions[3].`) where the input is a list.
   */
  readonly field: string | null;
  /** Which entry of a list input failed (a batch's transaction, an order's line), if any. */
  readonly entry: number | null;
  /** For `plan_limit_exceeded`: when the limit resets (epoch ms). */
  readonly retryAt: number | null;

  constructor(
    code: DomainErrorCode,
    message: string,
    options: { field?: string | null; entry?: number | null; retryAt?: number | null } = {},
  ) {
    super(message);
    this.name = "DomainError";
    this.code = code;
    this.field = options.field ?? null;
    this.entry = options.entry ?? null;
    this.retryAt = options.retryAt ?? null;
  }
}

export function notFound(resource: string, id: string, field = "id"): DomainError {
  return new DomainError("not_found", `No ${resource} with id '${id}'.`, { field });
}
