// The OpenAPI document's `webhooks` section (API.md §14, §17): one entry per event type, its
// payload the Event object with `type` fixed and `data.object` the resource the type carries.
import { type OpenAPIHono, z } from "@hono/zod-openapi";
import { EVENT_TYPES, EventSchema, type EventType } from "../domain/events.ts";
import { ImportSchema } from "../domain/imports.ts";
import { ItemSchema, TrashedItemSchema } from "../domain/items.ts";
import { OrderSchema } from "../domain/orders.ts";
import { TransactionSchema } from "../domain/transactions.ts";
import { RestoreSchema, SnapshotSchema } from "../routes/snapshots/snapshots.schemas.ts";

/** The object each event type carries in `data.object` (src/events/to-event.ts converts it). */
function objectOf(type: EventType): z.ZodType {
  if (type === "item.deleted") return TrashedItemSchema;
  if (type.startsWith("item.")) return ItemSchema;
  if (type.startsWith("transaction.")) return TransactionSchema;
  if (type.startsWith("order.")) return OrderSchema;
  if (type.startsWith("snapshot_restore.")) return RestoreSchema;
  if (type.startsWith("snapshot.")) return SnapshotSchema;
  return ImportSchema;
}

const SIGNATURE_HEADERS = z.object({
  "webhook-id": z.string().openapi({ description: "The event id: deduplicate on it.", example: "event_4fZkQ2vX8mN4rT6wY1zB5cDe" }),
  "webhook-timestamp": z.string().regex(/^\d+$/).openapi({ description: "Unix seconds of this attempt.", example: "1796135460" }),
  "webhook-signature": z.string().openapi({
    description:
      'Standard Webhooks: `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">` keyed by the base64-decoded part of the endpoint secret after `whsec_`; two, separated by a space, during a roll\'s grace period.',
    example: "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=",
  }),
});

export function registerEventWebhooks(registry: OpenAPIHono["openAPIRegistry"]) {
  for (const type of EVENT_TYPES) {
    const payload = EventSchema.extend({
      type: z.literal(type),
      data: EventSchema.shape.data.extend({ object: objectOf(type) }),
    });
    registry.registerWebhook({
      method: "post",
      path: type,
      operationId: `${type.replace(/[._](\w)/g, (_, c: string) => c.toUpperCase())}Event`,
      tags: ["Webhooks"],
      summary: `${type} event`,
      description: `Sent to every enabled endpoint subscribed to \`${type}\` (or its resource's \`.*\`, or \`*\`), signed with the Standard Webhooks headers. A 2xx within 10 seconds is success; anything else is retried with backoff for 3 days.`,
      security: [],
      request: {
        headers: SIGNATURE_HEADERS,
        body: { required: true, content: { "application/json": { schema: payload } }, description: "The event." },
      },
      responses: {
        200: { description: "Received (any 2xx)." },
      },
    });
  }
}
