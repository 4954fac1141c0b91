import { describe, expect, it } from "vitest";
import { DomainError } from "../../src/domain/errors.ts";
import { planReceipt } from "../../src/domain/order-receipts.ts";
import { ALLOWED_FROM, assertAllowed, ORDER_STATUSES, type OrderAction, type OrderStatus } from "../../src/domain/order-status.ts";
import {
  CreateOrderBodySchema,
  draftChanges,
  firstRepeat,
  orderNumber,
  ReceiveOrderBodySchema,
  toOrder,
  totalCost,
  type LineItem,
  type Order,
} from "../../src/domain/orders.ts";

/** The DomainError `work` throws, as a plain object. */
function thrown(work: () => unknown) {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    const { code, message, field, entry } = error as DomainError;
    return { code, message, field, entry };
  }
  throw new Error("expected a DomainError");
}

const line = (id: string, ordered: number, received = 0): LineItem => ({
  id,
  item_id: `item_${id}`,
  quantity_ordered: ordered,
  quantity_received: received,
  unit_cost: 100,
});

function order(status: OrderStatus, lines: LineItem[] = [line("a", 10), line("b", 4)]): Order {
  return {
    id: "po_1",
    number: "PO-000042",
    supplier: "Acme",
    status,
    currency: "USD",
    expected_at: null,
    notes: null,
    line_items: lines,
    total_cost: totalCost(lines),
    created_at: "2025-01-01T00:00:00.000Z",
    updated_at: "2025-01-01T00:00:00.000Z",
    submitted_at: null,
    received_at: null,
    cancelled_at: null,
  };
}

describe("the state machine", () => {
  /** The statuses each action is allowed from: draft → submitted → (partially_)received, cancel before receiving. */
  const LEGAL: Record<OrderAction, OrderStatus[]> = {
    edit: ["draft"],
    submit: ["draft"],
    cancel: ["draft", "submitted"],
    receive: ["submitted", "partially_received"],
  };
  const VERB: Record<OrderAction, string> = { edit: "edited", submit: "submitted", cancel: "cancelled", receive: "received" };
  const cases = ORDER_STATUSES.flatMap((status) =>
    (Object.keys(LEGAL) as OrderAction[]).map((action) => [status, action, LEGAL[action].includes(status)] as const),
  );

  it("knows exactly the five statuses and four actions", () => {
    expect(ORDER_STATUSES).toEqual(["draft", "submitted", "partially_received", "received", "cancelled"]);
    expect(Object.keys(ALLOWED_FROM).sort()).toEqual(["cancel", "edit", "receive", "submit"]);
  });

  it.each(cases)("from %s, %s: allowed is %s", (status, action, allowed) => {
    const work = () => assertAllowed({ number: "PO-000042", status }, action);
    if (allowed) {
      expect(work).not.toThrow();
      return;
    }
    const list = LEGAL[action].map((s) => `'${s}'`).join(" or ");
    expect(thrown(work)).toEqual({
      code: "invalid_state",
      message: `Order PO-000042 is '${status}'; only ${list} orders can be ${VERB[action]}.`,
      field: null,
      entry: null,
    });
  });
});

describe("planReceipt", () => {
  const none = new Set<string>();

  it("receives the quantities named, in the order named", () => {
    const plan = planReceipt(order("submitted"), none, [
      { id: "b", quantity: 1 },
      { id: "a", quantity: 6 },
    ]);
    expect(plan.map(({ line, quantity }) => [line.id, quantity])).toEqual([
      ["b", 1],
      ["a", 6],
    ]);
    expect(plan[0]!.line).toEqual(line("b", 4));
  });

  it("receives up to exactly what is outstanding on a partially received order", () => {
    const partly = order("partially_received", [line("a", 10, 7), line("b", 4)]);
    expect(planReceipt(partly, none, [{ id: "a", quantity: 3 }]).map((p) => p.quantity)).toEqual([3]);
  });

  it.each([
    ["no list", undefined],
    ["an empty list", []],
  ])("with %s, receives everything outstanding, skipping lines already in", (_, requested) => {
    const partly = order("partially_received", [line("a", 10, 4), line("b", 4, 4), line("c", 2)]);
    expect(planReceipt(partly, none, requested).map(({ line, quantity }) => [line.id, quantity])).toEqual([
      ["a", 6],
      ["c", 2],
    ]);
  });

  it("refuses more than is outstanding, naming the entry's quantity", () => {
    const partly = order("partially_received", [line("a", 10, 1), line("b", 4)]);
    const requested = [
      { id: "b", quantity: 4 },
      { id: "a", quantity: 10 },
    ];
    expect(thrown(() => planReceipt(partly, none, requested))).toEqual({
      code: "invalid_state",
      message: "Line item 'a' has 9 of 10 outstanding; 10 cannot be received.",
      field: "quantity",
      entry: 1,
    });
    const received = order("partially_received", [line("a", 10, 10), line("b", 4)]);
    expect(thrown(() => planReceipt(received, none, [{ id: "a", quantity: 1 }])).message).toBe(
      "Line item 'a' has 0 of 10 outstanding; 1 cannot be received.",
    );
  });

  it("refuses a line that is not on the order, naming the entry's id", () => {
    expect(thrown(() => planReceipt(order("submitted"), none, [{ id: "a", quantity: 1 }, { id: "li_other", quantity: 1 }]))).toEqual({
      code: "not_found",
      message: "Order PO-000042 has no line item with id 'li_other'.",
      field: "id",
      entry: 1,
    });
  });

  it("refuses a line named twice, naming the second", () => {
    const requested = [
      { id: "a", quantity: 1 },
      { id: "b", quantity: 1 },
      { id: "a", quantity: 2 },
    ];
    expect(thrown(() => planReceipt(order("submitted"), none, requested))).toEqual({
      code: "invalid_input",
      message: "Line item 'a' is named more than once.",
      field: "id",
      entry: 2,
    });
  });

  it("refuses a line whose item is in the trash: named, the entry's id; everything outstanding, no field", () => {
    const trashed = new Set(["b"]);
    expect(thrown(() => planReceipt(order("submitted"), trashed, [{ id: "a", quantity: 1 }, { id: "b", quantity: 1 }]))).toEqual({
      code: "invalid_state",
      message: "The item 'item_b' of line item 'b' is in the trash; restore it before receiving.",
      field: "id",
      entry: 1,
    });
    expect(thrown(() => planReceipt(order("submitted"), trashed, undefined))).toMatchObject({
      code: "invalid_state",
      field: null,
      entry: null,
    });
    // A line already received in full is not received again, so its trashed item is no obstacle.
    const done = order("partially_received", [line("a", 10), line("b", 4, 4)]);
    expect(planReceipt(done, trashed, undefined).map((p) => p.line.id)).toEqual(["a"]);
  });

  it.each(["draft", "received", "cancelled"] as const)("refuses a %s order as the state machine does", (status) => {
    expect(thrown(() => planReceipt(order(status), none, undefined))).toMatchObject({
      code: "invalid_state",
      message: `Order PO-000042 is '${status}'; only 'submitted' or 'partially_received' orders can be received.`,
    });
  });

  it("checks the status before the lines", () => {
    expect(thrown(() => planReceipt(order("cancelled"), none, [{ id: "nope", quantity: 1 }])).code).toBe("invalid_state");
  });
});

describe("the order object", () => {
  it("numbers orders PO-000001, wider past 999,999", () => {
    expect([orderNumber(1), orderNumber(42), orderNumber(999_999), orderNumber(1_234_567)]).toEqual([
      "PO-000001",
      "PO-000042",
      "PO-999999",
      "PO-1234567",
    ]);
  });

  it("is made from the rows, with the total cost computed from the lines", () => {
    const row = {
      id: "po_1",
      companyId: "co_1",
      number: 7,
      supplier: "Acme",
      supplierKey: "acme",
      status: "submitted" as const,
      currency: "EUR",
      expectedAt: "2025-02-01",
      notes: null,
      version: 3,
      createdAt: "2025-01-01T00:00:00.000Z",
      updatedAt: "2025-01-02T00:00:00.000Z",
      submittedAt: "2025-01-02T00:00:00.000Z",
      receivedAt: null,
      cancelledAt: null,
    };
    const lineRow = (id: string, position: number, quantityOrdered: number, unitCost: number) => ({
      id,
      orderId: "po_1",
      companyId: "co_1",
      itemId: `item_${id}`,
      position,
      quantityOrdered,
      quantityReceived: 1,
      unitCost,
    });
    expect(toOrder(row, [lineRow("a", 0, 10, 250), lineRow("b", 1, 3, 1999)])).toEqual({
      id: "po_1",
      number: "PO-000007",
      supplier: "Acme",
      status: "submitted",
      currency: "EUR",
      expected_at: "2025-02-01",
      notes: null,
      line_items: [
        { id: "a", item_id: "item_a", quantity_ordered: 10, quantity_received: 1, unit_cost: 250 },
        { id: "b", item_id: "item_b", quantity_ordered: 3, quantity_received: 1, unit_cost: 1999 },
      ],
      total_cost: 8497,
      created_at: "2025-01-01T00:00:00.000Z",
      updated_at: "2025-01-02T00:00:00.000Z",
      submitted_at: "2025-01-02T00:00:00.000Z",
      received_at: null,
      cancelled_at: null,
    });
  });
});

describe("line item rules", () => {
  const lineInput = (item_id: string) => ({ item_id, quantity_ordered: 1, unit_cost: 1 });
  const issue = (result: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }) => {
    expect(result.success).toBe(false);
    const { path, message } = result.error!.issues[0]!;
    return { path, message };
  };

  it("firstRepeat finds the first entry whose key came before", () => {
    expect(firstRepeat(["a", "b", "c"], (s) => s)).toBe(-1);
    expect(firstRepeat(["a", "b", "a", "b"], (s) => s)).toBe(2);
    expect(firstRepeat([], (s: string) => s)).toBe(-1);
  });

  it("an order names each item at most once", () => {
    const result = CreateOrderBodySchema.safeParse({ supplier: "Acme", line_items: [lineInput("x"), lineInput("y"), lineInput("x")] });
    expect(issue(result)).toEqual({ path: ["line_items", 2, "item_id"], message: "names an item already on the order." });
  });

  it("an order has 1 to 100 lines", () => {
    expect(issue(CreateOrderBodySchema.safeParse({ supplier: "Acme", line_items: [] })).path).toEqual(["line_items"]);
    const many = Array.from({ length: 101 }, (_, i) => lineInput(`item_${i}`));
    expect(issue(CreateOrderBodySchema.safeParse({ supplier: "Acme", line_items: many })).path).toEqual(["line_items"]);
    expect(CreateOrderBodySchema.safeParse({ supplier: "Acme", line_items: many.slice(1) }).success).toBe(true);
  });

  it("an order's total cost stays within what JSON numbers carry exactly", () => {
    const big = { quantity_ordered: 1_000_000_000, unit_cost: 5_000_000 };
    const result = CreateOrderBodySchema.safeParse({
      supplier: "Acme",
      line_items: [{ item_id: "x", ...big }, { item_id: "y", ...big }],
    });
    expect(issue(result)).toEqual({
      path: ["line_items"],
      message: `would make the order's total cost larger than ${Number.MAX_SAFE_INTEGER}.`,
    });
    expect(totalCost([big, { quantity_ordered: 3, unit_cost: 2 }])).toBe(5_000_000_000_000_006);
  });

  it("a receipt names each line at most once", () => {
    const result = ReceiveOrderBodySchema.safeParse({ line_items: [{ id: "a", quantity: 1 }, { id: "a", quantity: 2 }] });
    expect(issue(result)).toEqual({ path: ["line_items", 1, "id"], message: "names a line item already listed." });
  });
});

describe("draftChanges", () => {
  const draft = order("draft");
  const sameLines = draft.line_items.map(({ item_id, quantity_ordered, unit_cost }) => ({ item_id, quantity_ordered, unit_cost }));

  it("names each field sent with another value, from and to", () => {
    expect(draftChanges(draft, { supplier: "Globex", currency: "USD", expected_at: "2025-03-01", notes: null })).toEqual({
      fields: { supplier: { from: "Acme", to: "Globex" }, expected_at: { from: null, to: "2025-03-01" } },
      lines: null,
    });
  });

  it("changes nothing when every value sent is the current one, lines included", () => {
    expect(draftChanges(draft, { supplier: "Acme", notes: null, line_items: sameLines })).toEqual({ fields: {}, lines: null });
    expect(draftChanges(draft, {})).toEqual({ fields: {}, lines: null });
  });

  it("replaces the lines when any line differs, or their order, or their number", () => {
    const cheaper = [sameLines[0]!, { ...sameLines[1]!, unit_cost: 1 }];
    const swapped = [sameLines[1]!, sameLines[0]!];
    const fewer = [sameLines[0]!];
    for (const lines of [cheaper, swapped, fewer]) {
      expect(draftChanges(draft, { line_items: lines })).toEqual({ fields: {}, lines });
    }
  });
});
