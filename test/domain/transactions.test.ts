import { describe, expect, it } from "vitest";
import type { TransactionRow } from "../../src/db/schema.ts";
import { CreateTransactionBodySchema, toMovement, toTransaction } from "../../src/domain/transactions.ts";

describe("toMovement", () => {
  const base = { item_id: "item_1", reason: null, note: "n", reference: "r", expected_quantity: 3 };

  it("receives and adjusts by the quantity, issues take it away, counts set the level", () => {
    const common = { itemId: "item_1", reason: null, note: "n", reference: "r", expectedQuantity: 3 };
    expect(toMovement({ ...base, type: "receive", quantity: 5 })).toEqual({ ...common, type: "receive", change: 5 });
    expect(toMovement({ ...base, type: "issue", quantity: 5 })).toEqual({ ...common, type: "issue", change: -5 });
    expect(toMovement({ ...base, type: "adjust", quantity: -2, reason: "lost" })).toEqual({
      ...common,
      type: "adjust",
      reason: "lost",
      change: -2,
    });
    expect(toMovement({ ...base, type: "count", quantity: 7 })).toEqual({ ...common, type: "count", level: 7 });
  });
});

describe("CreateTransactionBodySchema", () => {
  const issues = (body: unknown) => {
    const parsed = CreateTransactionBodySchema.safeParse(body);
    return parsed.success ? [] : parsed.error.issues.map((issue) => [issue.path.join("."), issue.message]);
  };

  it("asks of each type the quantity it can take", () => {
    expect(issues({ item_id: "i", type: "receive", quantity: 0 })).toEqual([["quantity", "must be a positive integer for receive."]]);
    expect(issues({ item_id: "i", type: "issue", quantity: -1 })).toEqual([["quantity", "must be a positive integer for issue."]]);
    expect(issues({ item_id: "i", type: "adjust", quantity: 0, reason: "lost" })).toEqual([["quantity", "must not be 0 for adjust."]]);
    expect(issues({ item_id: "i", type: "count", quantity: -1 })).toEqual([["quantity", "must be 0 or more for count."]]);
    expect(issues({ item_id: "i", type: "count", quantity: 0 })).toEqual([]);
  });

  it("needs a reason for adjust only", () => {
    expect(issues({ item_id: "i", type: "adjust", quantity: 2 })).toEqual([["reason", "is required for adjust."]]);
    expect(issues({ item_id: "i", type: "receive", quantity: 2 })).toEqual([]);
  });

  it("refuses the types only the system records", () => {
    expect(issues({ item_id: "i", type: "initial", quantity: 2 }).map(([path]) => path)).toEqual(["type"]);
    expect(issues({ item_id: "i", type: "restore", quantity: 2 }).map(([path]) => path)).toEqual(["type"]);
  });
});

describe("toTransaction", () => {
  it("shows exactly the public fields of a ledger row", () => {
    const row: TransactionRow = {
      seq: 1,
      id: "txn_1",
      companyId: "co_1",
      itemId: "item_1",
      type: "adjust",
      quantityChange: -3,
      quantityBefore: 248,
      quantityAfter: 245,
      reason: "damaged",
      note: null,
      reference: "SO-1042",
      orderId: null,
      userId: "user_1",
      createdAt: "2025-01-20T14:22:00.000Z",
    };
    expect(toTransaction(row)).toEqual({
      id: "txn_1",
      item_id: "item_1",
      type: "adjust",
      quantity_change: -3,
      quantity_before: 248,
      quantity_after: 245,
      reason: "damaged",
      note: null,
      reference: "SO-1042",
      order_id: null,
      user_id: "user_1",
      created_at: "2025-01-20T14:22:00.000Z",
    });
  });
});
