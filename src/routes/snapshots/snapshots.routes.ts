import { z } from "@hono/zod-openapi";
import { createAuthenticatedRoute, jsonContent as json } from "../../lib/openapi.ts";
import { paginated } from "../../lib/pagination.ts";
import {
  CreateSnapshotBodySchema,
  ListSnapshotsQuerySchema,
  RestoreParamsSchema,
  RestorePreviewSchema,
  RestoreQuerySchema,
  RestoreSchema,
  SnapshotIdParamsSchema,
  SnapshotSchema,
} from "./snapshots.schemas.ts";

const tags = ["Snapshots"];

export const createSnapshot = createAuthenticatedRoute({
  operationId: "createSnapshot",
  method: "post",
  path: "/v1/snapshots",
  tags,
  summary: "Take a snapshot",
  description: "A point-in-time copy of all live items, stored as gzip NDJSON. Counts against the plan's manual snapshots per UTC day (`429 plan_limit_exceeded`).",
  request: { body: { ...json(CreateSnapshotBodySchema, "An optional note."), required: false } },
  responses: { 201: json(SnapshotSchema, "The complete snapshot.") },
  errors: ["plan_limit_exceeded"],
  errorNotes: { plan_limit_exceeded: "the plan's manual snapshots for the UTC day are used up" },
});

export const listSnapshots = createAuthenticatedRoute({
  operationId: "listSnapshots",
  method: "get",
  path: "/v1/snapshots",
  tags,
  summary: "List snapshots",
  request: { query: ListSnapshotsQuerySchema },
  responses: { 200: json(paginated(SnapshotSchema), "A page of snapshots.") },
});

export const getSnapshot = createAuthenticatedRoute({
  operationId: "getSnapshot",
  method: "get",
  path: "/v1/snapshots/{id}",
  tags,
  summary: "Retrieve a snapshot",
  request: { params: SnapshotIdParamsSchema },
  responses: { 200: json(SnapshotSchema, "The snapshot.") },
});

export const downloadSnapshot = createAuthenticatedRoute({
  operationId: "downloadSnapshot",
  method: "get",
  path: "/v1/snapshots/{id}/download",
  tags,
  summary: "Download a snapshot's blob",
  description: "gzip-compressed NDJSON: a header line, then one item a line. Its SHA-256 is the snapshot's `sha256`.",
  request: { params: SnapshotIdParamsSchema },
  responses: {
    200: {
      description: "The blob.",
      content: { "application/gzip": { schema: z.string().openapi({ format: "binary" }) } },
    },
  },
  errors: ["invalid_state", "service_unavailable"],
  errorNotes: {
    invalid_state: "the snapshot is not complete",
    service_unavailable: "the blob could not be read; safe to retry",
  },
});

export const deleteSnapshot = createAuthenticatedRoute({
  operationId: "deleteSnapshot",
  method: "delete",
  path: "/v1/snapshots/{id}",
  tags,
  summary: "Delete a snapshot",
  request: { params: SnapshotIdParamsSchema },
  responses: { 204: { description: "Deleted (row and blob); empty body." } },
});

export const restoreSnapshot = createAuthenticatedRoute({
  operationId: "restoreSnapshot",
  method: "post",
  path: "/v1/snapshots/{id}/restore",
  tags,
  summary: "Restore a snapshot",
  description:
    "Takes a `pre_restore` snapshot, verifies the blob's checksum, then makes the live items equal to the snapshot. Small restores finish in the request (200); larger ones continue in the background (202) — follow them with GET /v1/snapshots/{id}/restores/{restore_id}. `?dry_run=true` answers what would change and changes nothing.",
  request: { params: SnapshotIdParamsSchema, query: RestoreQuerySchema },
  responses: {
    200: json(z.discriminatedUnion("dry_run", [RestoreSchema, RestorePreviewSchema]), "The finished restore, or the dry run's preview."),
    202: json(RestoreSchema, "The restore, still running."),
  },
  errors: ["plan_limit_exceeded", "invalid_state", "service_unavailable"],
  errorNotes: {
    plan_limit_exceeded: "the plan's restores for the UTC day are used up; dry runs do not count",
    invalid_state: "the snapshot is not complete, or its blob fails its checksum",
    service_unavailable: "the restore could not be started; safe to retry",
  },
});

export const getRestore = createAuthenticatedRoute({
  operationId: "getSnapshotRestore",
  method: "get",
  path: "/v1/snapshots/{id}/restores/{restore_id}",
  tags,
  summary: "Follow a restore",
  request: { params: RestoreParamsSchema },
  responses: { 200: json(RestoreSchema, "The restore and its progress.") },
});
