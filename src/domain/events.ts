// Events (API.md §14): the types a customer can subscribe to, how an endpoint's patterns match
// them, and the public event object. Events are written beside each change by `src/db/events.ts`.
import { z } from "@hono/zod-openapi";

export const EVENT_TYPES = [
  "item.created",
  "item.updated",
  "item.deleted",
  "item.restored",
  "item.low_stock",
  "item.out_of_stock",
  "item.back_in_stock",
  "transaction.created",
  "order.created",
  "order.updated",
  "order.submitted",
  "order.partially_received",
  "order.received",
  "order.cancelled",
  "snapshot.completed",
  "snapshot.failed",
  "snapshot_restore.completed",
  "snapshot_restore.failed",
  "import.completed",
  "import.failed",
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/** The kinds of object an event carries, each with its converter (`src/db/events.ts`). */
export const EVENT_OBJECT_TYPES = ["item", "transaction", "order", "snapshot", "snapshot_restore", "import"] as const;
export type EventObjectType = (typeof EVENT_OBJECT_TYPES)[number];

/** The resource prefixes of the types (`item`, `order`, …): `item.*` is a valid pattern. */
const PREFIXES = [...new Set(EVENT_TYPES.map((type) => type.slice(0, type.indexOf("."))))];

/**
 * What an endpoint may subscribe to, and `GET /v1/events?type=` may filter by: one type, a
 * resource's types (`order.*`) or every type (`*`).
 */
export function isEventTypePattern(pattern: string): boolean {
  if (pattern === "*") return true;
  if (pattern.endsWith(".*")) return PREFIXES.includes(pattern.slice(0, -2));
  return (EVENT_TYPES as readonly string[]).includes(pattern);
}

/** Whether `type` is one of the pattern's (the same rule as the dispatcher's SQL). */
export function matchesEventPattern(pattern: string, type: string): boolean {
  if (pattern === "*") return true;
  if (pattern.endsWith(".*")) return type.startsWith(pattern.slice(0, -1));
  return pattern === type;
}

export const EventTypePatternSchema = z
  .string()
  .refine(isEventTypePattern, {
    message: `Must be an event type (${EVENT_TYPES.join(", ")}), a resource's types such as 'order.*', or '*'.`,
  })
  .openapi({ example: "item.low_stock" });

export const EventSchema = z
  .object({
    id: z.string().openapi({ example: "event_4fZkQ2vX8mN4rT6wY1zB5cDe" }),
    type: z.enum(EVENT_TYPES),
    sequence: z.int().openapi({ description: "Grows with each event of the company: order by it." }),
    created_at: z.string().openapi({ example: "2026-12-01T14:22:00.000Z" }),
    data: z.object({
      object: z.record(z.string(), z.unknown()).openapi({ description: "The resource as the API showed it right after the change." }),
      previous_attributes: z
        .record(z.string(), z.unknown())
        .nullable()
        .openapi({ description: "For updates, the changed fields' former values; null otherwise." }),
    }),
    request_id: z.string().nullable(),
    user_id: z.string().nullable(),
    api_key_id: z.string().nullable(),
  })
  .openapi("Event");

export type Event = z.infer<typeof EventSchema>;
