// Webhook deliveries as the API shows them (API.md §14): one event to one endpoint, its state and
// its attempts, with the converters from the stored rows (src/db/webhook-deliveries.ts).
import { z } from "@hono/zod-openapi";
import { WEBHOOK_DELIVERY_STATUSES, type WebhookDeliveryAttemptRow, type WebhookDeliveryRow } from "../db/schema.ts";
import { DomainError } from "./errors.ts";

const timestamp = (description: string) =>
  z.string().nullable().openapi({ description, example: "2026-12-01T14:22:30.000Z" });

export const WebhookDeliverySchema = z
  .object({
    id: z.string().openapi({ example: "wd_3Hk8Lp2Qr6St0Uv4Wx8Yz2Ab" }),
    endpoint_id: z.string().openapi({ example: "we_8Kd2Lm4Np6Qr8St0Uv2Wx4Yz" }),
    event_id: z.string().openapi({ example: "event_4fZkQ2vX8mN4rT6wY1zB5cDe" }),
    event_type: z.string().nullable().openapi({
      description: "The event's type; null only once the event is no longer kept (its deliveries are deleted with it).",
      example: "item.low_stock",
    }),
    status: z.enum(WEBHOOK_DELIVERY_STATUSES).openapi({
      description:
        "`pending` until an attempt gets a 2xx (`succeeded`) or the retries of 3 days are spent (`failed`). Also `failed` when it could not be sent (the endpoint was disabled).",
    }),
    attempts: z.int().openapi({ description: "Attempts made so far.", example: 2 }),
    next_attempt_at: timestamp("When the next attempt is due (pending only); null otherwise."),
    last_attempt_at: timestamp("When the last attempt was made; null before the first."),
    last_status_code: z.int().nullable().openapi({
      description: "The HTTP status of the last attempt's answer; null when no answer came (timeout, connection error) or none was made.",
      example: 500,
    }),
    last_error: z.string().nullable().openapi({
      description: "Why the last attempt failed, for people (at most 500 characters); null after a success.",
      example: "The endpoint answered 500 Internal Server Error; only a 2xx answer is success.",
    }),
    created_at: z.string().openapi({ example: "2026-12-01T14:22:00.000Z" }),
    updated_at: z.string().openapi({ example: "2026-12-01T14:22:30.000Z" }),
  })
  .openapi("WebhookDelivery");

export const WebhookDeliveryAttemptSchema = z
  .object({
    attempt: z.int().openapi({ description: "1 for the first attempt.", example: 1 }),
    attempted_at: z.string().openapi({ example: "2026-12-01T14:22:00.000Z" }),
    status_code: z.int().nullable().openapi({ description: "null when no HTTP answer came.", example: 500 }),
    error: z.string().nullable().openapi({ description: "null when the attempt succeeded." }),
    duration_ms: z.int().openapi({ description: "From sending the request to its answer (or to giving up).", example: 142 }),
  })
  .openapi("WebhookDeliveryAttempt");

/** One delivery as `GET /v1/webhook_deliveries/:id` and a retry answer it: with its attempts. */
export const WebhookDeliveryWithAttemptsSchema = WebhookDeliverySchema.extend({
  attempt_history: z.array(WebhookDeliveryAttemptSchema).openapi({
    description: "Its attempts, oldest first (the latest 100). An attempt whose consumer died before recording it is counted in `attempts` but not listed.",
  }),
}).openapi("WebhookDeliveryWithAttempts");

export type WebhookDelivery = z.infer<typeof WebhookDeliverySchema>;
export type WebhookDeliveryAttempt = z.infer<typeof WebhookDeliveryAttemptSchema>;

export function toWebhookDelivery(row: WebhookDeliveryRow & { eventType: string | null }): WebhookDelivery {
  return {
    id: row.id,
    endpoint_id: row.endpointId,
    event_id: row.eventId,
    event_type: row.eventType,
    status: row.status,
    attempts: row.attempts,
    next_attempt_at: row.status === "pending" ? row.nextAttemptAt : null,
    last_attempt_at: row.lastAttemptAt,
    last_status_code: row.lastStatusCode,
    last_error: row.lastError,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

export function toWebhookDeliveryAttempt(row: WebhookDeliveryAttemptRow): WebhookDeliveryAttempt {
  return {
    attempt: row.attempt,
    attempted_at: row.attemptedAt,
    status_code: row.statusCode,
    error: row.error,
    duration_ms: row.durationMs,
  };
}

const RETRY_REFUSALS = {
  endpoint_deleted: "Its endpoint was deleted: a delivery can only be retried to an existing endpoint.",
  endpoint_disabled: "Its endpoint is disabled: enable it (PATCH status 'enabled') before retrying.",
  event_gone: "Its event is no longer kept (events are kept 30 days).",
} as const;

/** Why a delivery cannot be retried, as the domain error (`409 invalid_state`). */
export function cannotRetry(reason: keyof typeof RETRY_REFUSALS): DomainError {
  return new DomainError("invalid_state", `This delivery cannot be sent again. ${RETRY_REFUSALS[reason]}`);
}
