import { describe, expect, it } from "vitest";
import { planItem, type CurrentItem } from "../../src/domain/item-plan.ts";

const live: CurrentItem = {
  id: "item_000000000000000000000001",
  name: "Widget",
  sku: "W-1",
  quantity: 4,
  location: "Dock",
  barcode: null,
  reorder_point: 5,
  created_at: "2025-01-01T00:00:00.000Z",
  updated_at: "2025-01-02T00:00:00.000Z",
  trashed: false,
};

describe("planItem", () => {
  it("creates an item that has no row, with the target as its changes", () => {
    const target = { id: live.id, name: "Widget", sku: "W-1", quantity: 4 };
    expect(planItem(target, undefined)).toEqual({ action: "create", changes: target });
  });

  it("does nothing to a live item already equal to the target", () => {
    expect(planItem({ name: "Widget", sku: "W-1", quantity: 4, location: "Dock", barcode: null, reorder_point: 5 }, live)).toBeNull();
  });

  it("updates what differs, quantity included, listing each field's from and to", () => {
    expect(planItem({ name: "Widget v2", sku: "W-1", quantity: 9, location: null }, live)).toEqual({
      action: "update",
      changes: { name: { from: "Widget", to: "Widget v2" }, location: { from: "Dock", to: null }, quantity: { from: 4, to: 9 } },
    });
  });

  it("leaves a field the target does not give as it is", () => {
    expect(planItem({ sku: "W-2" }, live)).toEqual({ action: "update", changes: { sku: { from: "W-1", to: "W-2" } } });
    expect(planItem({}, live)).toBeNull();
  });

  it("brings a trashed item back, even when nothing else differs", () => {
    expect(planItem({ name: "Widget" }, { ...live, trashed: true })).toEqual({ action: "restore", changes: {} });
    expect(planItem({ quantity: 0 }, { ...live, trashed: true })).toEqual({
      action: "restore",
      changes: { quantity: { from: 4, to: 0 } },
    });
  });
});
