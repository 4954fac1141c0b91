import { describe, expect, it } from "vitest";
import {
  CreateItemBodySchema,
  itemChanges,
  ItemSchema,
  purgeAt,
  toItem,
  toTrashedItem,
  trashCutoff,
  TRASH_DAYS,
  UpdateItemBodySchema,
  type PublicItem,
} from "../../src/domain/items.ts";
import type { ItemRow } from "../../src/db/schema.ts";
import { DAY_MS } from "../../src/lib/clock.ts";

const row: ItemRow = {
  seq: 7,
  id: "item_000000000000000000000001",
  companyId: "co_000000000000000000000001",
  name: "Widget",
  sku: "W-1",
  skuKey: "w-1",
  quantity: 4,
  location: "Dock",
  locationKey: "dock",
  barcode: null,
  reorderPoint: 5,
  version: 3,
  lowStock: 1,
  createdAt: "2025-01-15T10:30:00.000Z",
  updatedAt: "2025-01-20T14:22:00.000Z",
  deletedAt: null,
};

const item: PublicItem = {
  id: "item_000000000000000000000001",
  name: "Widget",
  sku: "W-1",
  quantity: 4,
  location: "Dock",
  barcode: null,
  reorder_point: 5,
  created_at: "2025-01-15T10:30:00.000Z",
  updated_at: "2025-01-20T14:22:00.000Z",
};

describe("toItem", () => {
  it("shows exactly the public fields of a row, none of the internal ones", () => {
    expect(toItem(row)).toEqual(item);
    expect(ItemSchema.parse(toItem(row))).toEqual(item);
  });
});

describe("itemChanges", () => {
  it("lists only the fields whose value changes, from and to", () => {
    expect(itemChanges(item, { name: "Widget", sku: "W-2", location: null, quantity: 4 })).toEqual({
      sku: { from: "W-1", to: "W-2" },
      location: { from: "Dock", to: null },
    });
  });

  it("is empty when every value sent equals the current one, or nothing is sent", () => {
    expect(itemChanges(item, { name: "Widget", barcode: null, reorder_point: 5 })).toEqual({});
    expect(itemChanges(item, {})).toEqual({});
  });

  it("includes a quantity change, and a value cleared to null", () => {
    expect(itemChanges(item, { quantity: 0, reorder_point: null })).toEqual({
      reorder_point: { from: 5, to: null },
      quantity: { from: 4, to: 0 },
    });
  });
});

describe("new items and changes", () => {
  it("a new item needs name and SKU and starts at quantity 0", () => {
    expect(CreateItemBodySchema.parse({ name: "A", sku: "A-1" })).toEqual({ name: "A", sku: "A-1", quantity: 0 });
    expect(CreateItemBodySchema.safeParse({ name: "A" }).success).toBe(false);
  });

  it("changes take any field, none required, and no unknown ones", () => {
    expect(UpdateItemBodySchema.parse({})).toEqual({});
    expect(UpdateItemBodySchema.parse({ quantity: 3, barcode: null })).toEqual({ quantity: 3, barcode: null });
    expect(UpdateItemBodySchema.safeParse({ company_id: "co_x" }).success).toBe(false);
  });
});

describe("the trash", () => {
  it("purges an item TRASH_DAYS (30) after it was deleted", () => {
    expect(TRASH_DAYS).toBe(30);
    expect(purgeAt("2025-02-01T09:00:00.000Z")).toBe("2025-03-03T09:00:00.000Z");
  });

  it("counts an item deleted at or before the cut-off as past its purge date", () => {
    const now = Date.parse("2025-03-03T09:00:00.000Z");
    expect(trashCutoff(now)).toBe("2025-02-01T09:00:00.000Z");
    expect(trashCutoff(now + DAY_MS)).toBe("2025-02-02T09:00:00.000Z");
  });

  it("shows a trashed item with when it was deleted and when it is purged", () => {
    const trashed = { ...row, deletedAt: "2025-02-01T09:00:00.000Z" };
    expect(toTrashedItem(trashed)).toEqual({
      ...item,
      deleted_at: "2025-02-01T09:00:00.000Z",
      purge_at: "2025-03-03T09:00:00.000Z",
    });
  });
});
