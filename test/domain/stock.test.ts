import { describe, expect, it } from "vitest";
import { DomainError } from "../../src/domain/errors.ts";
import { applyMovements, changeOf, MAX_QUANTITY, type Movement } from "../../src/domain/stock.ts";

const stock = (entries: Record<string, number>) => new Map(Object.entries(entries));

/** The DomainError `work` throws, as a plain object. */
function thrown(work: () => unknown) {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    const { code, field, entry, message } = error as DomainError;
    return { code, field, entry, message };
  }
  throw new Error("expected a DomainError");
}

describe("changeOf", () => {
  it("is the change itself, or the difference to a level", () => {
    expect(changeOf({ itemId: "a", type: "receive", change: 5 }, 10)).toBe(5);
    expect(changeOf({ itemId: "a", type: "issue", change: -3 }, 10)).toBe(-3);
    expect(changeOf({ itemId: "a", type: "count", level: 4 }, 10)).toBe(-6);
    expect(changeOf({ itemId: "a", type: "count", level: 10 }, 10)).toBe(0);
  });
});

describe("applyMovements", () => {
  it("applies the movements in order and answers the stock after them, leaving its input alone", () => {
    const before = stock({ a: 10, b: 5 });
    const after = applyMovements(before, [
      { itemId: "a", type: "receive", change: 7 },
      { itemId: "b", type: "issue", change: -5 },
      { itemId: "a", type: "count", level: 1 },
      { itemId: "a", type: "adjust", change: 2, expectedQuantity: 1 },
    ]);
    expect(Object.fromEntries(after)).toEqual({ a: 3, b: 0 });
    expect(Object.fromEntries(before)).toEqual({ a: 10, b: 5 });
  });

  it("allows exactly zero and exactly the maximum", () => {
    expect(applyMovements(stock({ a: 3 }), [{ itemId: "a", type: "issue", change: -3 }]).get("a")).toBe(0);
    expect(applyMovements(stock({ a: 3 }), [{ itemId: "a", type: "receive", change: MAX_QUANTITY - 3 }]).get("a")).toBe(MAX_QUANTITY);
    expect(applyMovements(stock({ a: 3 }), [{ itemId: "a", type: "count", level: MAX_QUANTITY }]).get("a")).toBe(MAX_QUANTITY);
  });

  it("names an item that is not in the stock (no live item) as not_found on item_id", () => {
    expect(thrown(() => applyMovements(stock({ a: 1 }), [{ itemId: "a", type: "receive", change: 1 }, { itemId: "gone", type: "receive", change: 1 }]))).toEqual({
      code: "not_found",
      field: "item_id",
      entry: 1,
      message: "No item with id 'gone'.",
    });
  });

  it("refuses a change below zero as insufficient_stock, saying what the item has", () => {
    expect(thrown(() => applyMovements(stock({ a: 2 }), [{ itemId: "a", type: "issue", change: -3 }]))).toEqual({
      code: "insufficient_stock",
      field: "quantity",
      entry: 0,
      message: "Insufficient stock: the item has 2, and this would take it to -1.",
    });
  });

  it("refuses a change above the maximum as invalid_state on quantity", () => {
    expect(thrown(() => applyMovements(stock({ a: MAX_QUANTITY - 1 }), [{ itemId: "a", type: "receive", change: 2 }]))).toEqual({
      code: "invalid_state",
      field: "quantity",
      entry: 0,
      message: "The item has 999999999, and this would take it to 1000000001, above the maximum of 1,000,000,000.",
    });
  });

  it("compares and sets: quantity_conflict on expected_quantity unless the item has exactly it", () => {
    expect(thrown(() => applyMovements(stock({ a: 5 }), [{ itemId: "a", type: "receive", change: 1, expectedQuantity: 4 }]))).toEqual({
      code: "quantity_conflict",
      field: "expected_quantity",
      entry: 0,
      message: "The item's quantity is 5, not the expected 4.",
    });
    // null or absent: no comparison.
    expect(applyMovements(stock({ a: 5 }), [{ itemId: "a", type: "receive", change: 1, expectedQuantity: null }]).get("a")).toBe(6);
  });

  it("checks each movement against the stock the earlier ones left, naming the first that fails", () => {
    const movements: Movement[] = [
      { itemId: "a", type: "issue", change: -4 },
      { itemId: "b", type: "receive", change: 1 },
      { itemId: "a", type: "issue", change: -4 },
      { itemId: "a", type: "issue", change: -4 },
    ];
    expect(thrown(() => applyMovements(stock({ a: 10, b: 0 }), movements))).toMatchObject({
      code: "insufficient_stock",
      entry: 3,
      message: "Insufficient stock: the item has 2, and this would take it to -2.",
    });
    // A compare-and-set sees the earlier movements too.
    expect(
      applyMovements(stock({ a: 10 }), [
        { itemId: "a", type: "receive", change: 5 },
        { itemId: "a", type: "count", level: 0, expectedQuantity: 15 },
      ]).get("a"),
    ).toBe(0);
  });

  it("checks the compare-and-set before the bounds", () => {
    expect(thrown(() => applyMovements(stock({ a: 1 }), [{ itemId: "a", type: "issue", change: -5, expectedQuantity: 2 }])).code).toBe(
      "quantity_conflict",
    );
  });
});
