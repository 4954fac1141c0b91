import { z } from "@hono/zod-openapi";
import { RESTORE_STATUSES, SNAPSHOT_STATUSES, SNAPSHOT_TYPES } from "../../db/schema.ts";
import { PaginationQuerySchema } from "../../lib/pagination.ts";
import { queryBoolean } from "../../lib/query-params.ts";
import { text } from "../../lib/validation.ts";

export const SnapshotSchema = z
  .object({
    id: z.string().openapi({ example: "snap_9Jk2Lm4Np6Qr8St1Uv3Wx5Yz" }),
    type: z.enum(SNAPSHOT_TYPES),
    status: z.enum(SNAPSHOT_STATUSES),
    item_count: z.int().nullable(),
    size_bytes: z.int().nullable(),
    sha256: z.string().nullable().openapi({ description: "SHA-256 (hex) of the gzip NDJSON blob." }),
    note: z.string().nullable(),
    created_by: z.string().nullable().openapi({ description: "The user; null for automatic snapshots." }),
    created_at: z.string(),
    completed_at: z.string().nullable(),
    expires_at: z.string(),
  })
  .openapi("Snapshot");

export const CreateSnapshotBodySchema = z
  .strictObject({ note: text({ multiline: true }).max(500).nullish() })
  .openapi("CreateSnapshot");

export const ListSnapshotsQuerySchema = PaginationQuerySchema.strict();

export const SnapshotIdParamsSchema = z.object({
  id: z.string().openapi({ param: { name: "id", in: "path" }, example: "snap_9Jk2Lm4Np6Qr8St1Uv3Wx5Yz" }),
});

export const RestoreParamsSchema = SnapshotIdParamsSchema.extend({
  restore_id: z.string().openapi({ param: { name: "restore_id", in: "path" }, example: "rst_2Bc4De6Fg8Hi1Jk3Lm5No7Pq" }),
});

export const RestoreQuerySchema = z.strictObject({
  dry_run: queryBoolean("`true`: answer what would change, changing nothing."),
});

export const RestoreSchema = z
  .object({
    id: z.string().openapi({ example: "rst_2Bc4De6Fg8Hi1Jk3Lm5No7Pq" }),
    dry_run: z.literal(false).openapi({ description: "Always false for a restore: tells it from a dry run's preview." }),
    snapshot_id: z.string(),
    pre_restore_snapshot_id: z.string().nullable(),
    status: z.enum(RESTORE_STATUSES),
    phase: z.enum(["trash", "apply"]).openapi({ description: "`trash`: live items the snapshot lacks go to the trash; `apply`: the snapshot's items are written." }),
    items_total: z.int(),
    items_processed: z.int(),
    items_updated: z.int(),
    items_restored: z.int(),
    items_created: z.int(),
    items_trashed: z.int(),
    error: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
    completed_at: z.string().nullable(),
  })
  .openapi("SnapshotRestore");

export const RestorePreviewSchema = z
  .object({
    dry_run: z.literal(true),
    snapshot_id: z.string(),
    items_to_update: z.int(),
    items_to_restore: z.int().openapi({ description: "Trashed items that would come back." }),
    items_to_create: z.int().openapi({ description: "Items purged since, that would be created again." }),
    items_to_trash: z.int().openapi({ description: "Live items created since, that would go to the trash." }),
    quantity_changes: z.int(),
    sample: z.array(
      z.object({
        item_id: z.string(),
        action: z.enum(["update", "restore", "create", "trash"]),
        changes: z.record(z.string(), z.unknown()),
      }),
    ),
  })
  .openapi("SnapshotRestorePreview");
