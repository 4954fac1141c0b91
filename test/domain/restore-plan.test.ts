import { describe, expect, it } from "vitest";
import { addSnapshotKeys, emptySnapshotKeys, parkedState } from "../../src/domain/restore-plan.ts";

/** The keys of a snapshot holding A (SKU-A, BC-A) and B (SKU-B, no barcode). */
function keysOfAB() {
  const keys = emptySnapshotKeys();
  addSnapshotKeys(keys, { id: "a", sku: "SKU-A", barcode: "BC-A" });
  addSnapshotKeys(keys, { id: "b", sku: "SKU-B", barcode: null });
  return keys;
}

describe("snapshot keys", () => {
  it("record the ids, SKUs in lower case and barcodes, skipping null barcodes", () => {
    const keys = keysOfAB();
    expect([...keys.ids]).toEqual(["a", "b"]);
    expect(Object.fromEntries(keys.skuOwners)).toEqual({ "sku-a": "a", "sku-b": "b" });
    expect(Object.fromEntries(keys.barcodeOwners)).toEqual({ "BC-A": "a" });
  });
});

describe("parkedState", () => {
  it("parks a SKU (in any case) and a barcode the snapshot gives to another of its items", () => {
    expect(parkedState({ id: "b", seq: 12, sku: "sku-a", barcode: "BC-A" }, keysOfAB())).toEqual({
      sku: "~restoring-12",
      barcode: null,
    });
    expect(parkedState({ id: "b", seq: 12, sku: "SKU-B", barcode: "BC-A" }, keysOfAB())).toEqual({ barcode: null });
  });

  it("keeps what the item holds itself, or what no snapshot item needs", () => {
    expect(parkedState({ id: "a", seq: 1, sku: "SKU-A", barcode: "BC-A" }, keysOfAB())).toBeNull();
    expect(parkedState({ id: "a", seq: 1, sku: "SKU-NEW", barcode: "BC-NEW" }, keysOfAB())).toBeNull();
    expect(parkedState({ id: "a", seq: 1, sku: "SKU-A", barcode: null }, keysOfAB())).toBeNull();
  });
});
