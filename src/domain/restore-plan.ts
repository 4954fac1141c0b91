// The rule a restore follows before it writes the snapshot's items: SKUs and barcodes that the
// snapshot gives to another of its items are given up first (parked). Pure: no storage.
import type { ItemChanges } from "./items.ts";

/** What a snapshot holds, by key: its item ids, and which of its items each SKU and barcode belongs to. */
export interface SnapshotKeys {
  ids: Set<string>;
  /** By SKU in lower case, as SKUs are unique without regard to case. */
  skuOwners: Map<string, string>;
  barcodeOwners: Map<string, string>;
}

export function emptySnapshotKeys(): SnapshotKeys {
  return { ids: new Set(), skuOwners: new Map(), barcodeOwners: new Map() };
}

export function addSnapshotKeys(keys: SnapshotKeys, item: { id: string; sku: string; barcode: string | null }): void {
  keys.ids.add(item.id);
  keys.skuOwners.set(item.sku.toLowerCase(), item.id);
  if (item.barcode !== null) keys.barcodeOwners.set(item.barcode, item.id);
}

/**
 * What a live item of the snapshot gives up because the snapshot gives it to another of its items
 * (two items swapped SKUs, or one took over another's), so that the snapshot's items can then be
 * written in any order: its SKU becomes `~restoring-<seq>` (unique, and never a real SKU: SKUs never
 * contain `~`), its barcode null. Null when it holds nothing another needs.
 */
export function parkedState(
  item: { id: string; seq: number; sku: string; barcode: string | null },
  keys: SnapshotKeys,
): ItemChanges | null {
  const heldForAnother = (owners: Map<string, string>, key: string | null) =>
    key !== null && (owners.get(key) ?? item.id) !== item.id;
  const parked: ItemChanges = {};
  if (heldForAnother(keys.skuOwners, item.sku.toLowerCase())) parked.sku = `~restoring-${item.seq}`;
  if (heldForAnother(keys.barcodeOwners, item.barcode)) parked.barcode = null;
  return Object.keys(parked).length > 0 ? parked : null;
}
