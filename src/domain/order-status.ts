// The order's state machine: draft → submitted → partially_received → received, and cancelled
// from draft or submitted (while nothing has been received). Whatever else an action is tried
// from is refused as `invalid_state`, naming the order and its status.
import { DomainError } from "./errors.ts";

export const ORDER_STATUSES = ["draft", "submitted", "partially_received", "received", "cancelled"] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** The statuses each action can start from. */
export const ALLOWED_FROM = {
  edit: ["draft"],
  submit: ["draft"],
  cancel: ["draft", "submitted"],
  receive: ["submitted", "partially_received"],
} as const satisfies Record<string, readonly OrderStatus[]>;

export type OrderAction = keyof typeof ALLOWED_FROM;

/** Where submit and cancel lead. Receiving leads to partially_received or received, by what is outstanding. */
export const TRANSITIONS = { submit: "submitted", cancel: "cancelled" } as const satisfies Partial<Record<OrderAction, OrderStatus>>;

const VERB: Record<OrderAction, string> = {
  edit: "edited",
  submit: "submitted",
  cancel: "cancelled",
  receive: "received",
};

/** Refuses `action` unless the order's status allows it. */
export function assertAllowed(order: { number: string; status: OrderStatus }, action: OrderAction): void {
  const allowed: readonly OrderStatus[] = ALLOWED_FROM[action];
  if (allowed.includes(order.status)) return;
  const list = allowed.map((s) => `'${s}'`).join(" or ");
  throw new DomainError(
    "invalid_state",
    `Order ${order.number} is '${order.status}'; only ${list} orders can be ${VERB[action]}.`,
  );
}
