// Rules of snapshots that need no storage.
import type { SnapshotRow } from "../db/schema.ts";
import { DomainError } from "./errors.ts";

/** Only a complete snapshot has a blob to download or to restore from. */
export function assertComplete(snapshot: Pick<SnapshotRow, "status">, use: "downloaded" | "restored"): void {
  if (snapshot.status !== "complete") {
    throw new DomainError("invalid_state", `This snapshot is ${snapshot.status}; only complete snapshots can be ${use}.`);
  }
}
