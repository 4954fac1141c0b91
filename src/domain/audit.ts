// An audit log entry as clients see it, with its converter from the stored row. Entries are
// written by the database layer (src/db/audit.ts) in the batch of the change they record.
import { z } from "@hono/zod-openapi";
import { AUDIT_ACTIONS, AUDIT_RESOURCE_TYPES, type AuditRow } from "../db/schema.ts";

export const AuditEntrySchema = z
  .object({
    id: z.string().openapi({ example: "evt_4kP9sQ2wE7rT1yU6iO3pA8sD" }),
    action: z.enum(AUDIT_ACTIONS),
    resource_type: z.enum(AUDIT_RESOURCE_TYPES),
    resource_id: z.string(),
    item_id: z.string().nullable(),
    user_id: z.string().nullable(),
    api_key_id: z.string().nullable(),
    changes: z.record(z.string(), z.unknown()).openapi({
      description: "`{field: {from, to}}` for updates; the whole object for creates, deletes and restores.",
      example: { quantity: { from: 248, to: 245 } },
    }),
    transaction_id: z.string().nullable(),
    request_id: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi("AuditEntry");

export type AuditEntry = z.infer<typeof AuditEntrySchema>;

/** The public object of an audit log row. */
export function toAuditEntry(row: AuditRow): AuditEntry {
  return {
    id: row.id,
    action: row.action,
    resource_type: row.resourceType,
    resource_id: row.resourceId,
    item_id: row.itemId,
    user_id: row.userId,
    api_key_id: row.apiKeyId,
    changes: row.changes as Record<string, unknown>,
    transaction_id: row.transactionId,
    request_id: row.requestId,
    created_at: row.createdAt,
  };
}
