// What setting an item to a target state does: the rule shared by everything that sets items to
// given states in bulk (a snapshot restore, an import). Pure: no storage.
import { itemChanges, type ItemChanges, type PublicItem } from "./items.ts";

/**
 * One item to set: which (`id` of an existing item, live or trashed, or of a purged one to create
 * again; absent: a new item) and the state to give it, a field left undefined staying as it is.
 * `created_at` is kept by an item created again.
 */
export type ItemTarget = ItemChanges & { id?: string; created_at?: string };

/** An item as it is now, and whether it is in the trash. */
export type CurrentItem = PublicItem & { trashed: boolean };

/**
 * `create`: there is no item (a new one, or one purged since); `restore`: the item is in the
 * trash and comes back; `update`: a live item has fields that differ.
 */
export type ItemAction = "create" | "update" | "restore";

export interface ItemPlan {
  action: ItemAction;
  /** `{field: {from, to}}` of what differs; for a create, the target itself. */
  changes: Record<string, unknown>;
}

/**
 * What setting an item to `target` does: create it (no `current`), bring it back from the trash
 * (with whatever differs), update what differs, or nothing (null) for a live item already equal.
 */
export function planItem(target: ItemTarget, current: CurrentItem | undefined): ItemPlan | null {
  if (!current) return { action: "create", changes: target };
  const changes = itemChanges(current, target);
  if (current.trashed) return { action: "restore", changes };
  return Object.keys(changes).length > 0 ? { action: "update", changes } : null;
}
