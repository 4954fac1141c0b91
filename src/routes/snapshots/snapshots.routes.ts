import { createRoute, z } from "@hono/zod-openapi";
import { conflictResponse, errorContent, openApiErrorResponses } from "../../lib/errors.ts";
import { bearerSecurity, jsonContent } from "../../lib/openapi.ts";
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
const security = bearerSecurity;
const notRestorable = conflictResponse("`invalid_state`: the snapshot is not complete, or its blob fails its checksum.");

export const createSnapshot = createRoute({
  operationId: "createSnapshot",
  method: "post",
  path: "/v1/snapshots",
  tags,
  security,
  summary: "Take a snapshot",
  description: "A point-in-time copy of all live items, stored as gzip NDJSON. Counts against the plan's manual snapshots per UTC day (`429 plan_limit_exceeded`).",
  request: { body: { ...jsonContent(CreateSnapshotBodySchema, "An optional note."), required: false } },
  responses: { 201: jsonContent(SnapshotSchema, "The complete snapshot."), ...openApiErrorResponses },
});

export const listSnapshots = createRoute({
  operationId: "listSnapshots",
  method: "get",
  path: "/v1/snapshots",
  tags,
  security,
  summary: "List snapshots",
  request: { query: ListSnapshotsQuerySchema },
  responses: { 200: jsonContent(paginated(SnapshotSchema), "A page of snapshots."), ...openApiErrorResponses },
});

export const getSnapshot = createRoute({
  operationId: "getSnapshot",
  method: "get",
  path: "/v1/snapshots/{id}",
  tags,
  security,
  summary: "Retrieve a snapshot",
  request: { params: SnapshotIdParamsSchema },
  responses: { 200: jsonContent(SnapshotSchema, "The snapshot."), ...openApiErrorResponses },
});

export const downloadSnapshot = createRoute({
  operationId: "downloadSnapshot",
  method: "get",
  path: "/v1/snapshots/{id}/download",
  tags,
  security,
  summary: "Download a snapshot's blob",
  description: "gzip-compressed NDJSON: a header line, then one item a line. Its SHA-256 is the snapshot's `sha256`.",
  request: { params: SnapshotIdParamsSchema },
  responses: {
    200: {
      description: "The blob.",
      content: { "application/gzip": { schema: z.string().openapi({ format: "binary" }) } },
    },
    ...openApiErrorResponses,
    ...conflictResponse("`invalid_state`: the snapshot is not complete."),
  },
});

export const deleteSnapshot = createRoute({
  operationId: "deleteSnapshot",
  method: "delete",
  path: "/v1/snapshots/{id}",
  tags,
  security,
  summary: "Delete a snapshot",
  request: { params: SnapshotIdParamsSchema },
  responses: { 204: { description: "Deleted (row and blob); empty body." }, ...openApiErrorResponses },
});

export const restoreSnapshot = createRoute({
  operationId: "restoreSnapshot",
  method: "post",
  path: "/v1/snapshots/{id}/restore",
  tags,
  security,
  summary: "Restore a snapshot",
  description:
    "Takes a `pre_restore` snapshot, verifies the blob's checksum, then makes the live items equal to the snapshot. Small restores finish in the request (200); larger ones continue in the background (202) — follow them with GET /v1/snapshots/{id}/restores/{restore_id}. `?dry_run=true` answers what would change and changes nothing.",
  request: { params: SnapshotIdParamsSchema, query: RestoreQuerySchema },
  responses: {
    200: jsonContent(z.union([RestoreSchema, RestorePreviewSchema]), "The finished restore, or the dry run's preview."),
    202: jsonContent(RestoreSchema, "The restore, still running."),
    ...openApiErrorResponses,
    ...notRestorable,
    503: errorContent("The restore could not be started; safe to retry."),
  },
});

export const getRestore = createRoute({
  operationId: "getSnapshotRestore",
  method: "get",
  path: "/v1/snapshots/{id}/restores/{restore_id}",
  tags,
  security,
  summary: "Follow a restore",
  request: { params: RestoreParamsSchema },
  responses: { 200: jsonContent(RestoreSchema, "The restore and its progress."), ...openApiErrorResponses },
});
