import { z } from "@hono/zod-openapi";
import { MAX_ROLL_GRACE_HOURS } from "../../db/api-keys.ts";
import { ROLES } from "../../db/schema.ts";
import { nowMs } from "../../lib/clock.ts";
import { PaginationQuerySchema } from "../../lib/pagination.ts";
import { text } from "../../lib/validation.ts";

const timestamp = (example: string) => z.string().nullable().openapi({ example });

export const ApiKeySchema = z
  .object({
    id: z.string().openapi({ example: "key_5Tn8WqL2xR7vK1mP4sZ9bC3d" }),
    name: text().min(1).max(100).openapi({ example: "Warehouse scanner" }),
    role: z.enum(ROLES).openapi({ description: "Never higher than the role of the key's user." }),
    user_id: z.string().openapi({ example: "user_7Gm2KqX9pL4sN8vR1tY6wZ3b" }),
    last4: z.string().openapi({ description: "The key's last four characters, to recognise it.", example: "x9Qa" }),
    created_at: z.string().openapi({ example: "2025-01-15T10:30:00.000Z" }),
    last_used_at: timestamp("2025-01-20T14:22:00.000Z").openapi({
      description: "When the key last authenticated a request, to the minute: written at most once a minute.",
    }),
    expires_at: timestamp("2026-01-15T00:00:00.000Z").openapi({
      description: "From this moment on the key is refused; null: it does not expire.",
    }),
    revoked_at: timestamp("2025-02-01T09:00:00.000Z"),
  })
  .openapi("ApiKey");

export const NewApiKeySchema = ApiKeySchema.extend({
  secret: z.string().openapi({
    description: "The key itself. Shown in this answer only, never again: store it now.",
    example: "sk_live_4eC39HqLyjWDarjtT1zdp7dcA1b2C3d4E5f6G7",
  }),
}).openapi("NewApiKey");

export const CreateApiKeyBodySchema = z
  .strictObject({
    name: ApiKeySchema.shape.name,
    user_id: text().min(1).max(64).optional().openapi({ description: "Defaults to the user of the calling key." }),
    role: z.enum(ROLES).optional().openapi({
      description: "Defaults to the user's role; may not be higher (admin > member > read_only).",
    }),
    expires_at: z.iso
      .datetime({ offset: true })
      .refine((value) => Date.parse(value) > nowMs(), "must be in the future.")
      .nullish()
      .openapi({ description: "ISO 8601 timestamp in the future; omitted or null: never expires.", example: "2026-01-15T00:00:00Z" }),
  })
  .openapi("CreateApiKey");

export const RollApiKeyBodySchema = z
  .strictObject({
    expires_in_hours: z
      .int()
      .min(0)
      .max(MAX_ROLL_GRACE_HOURS)
      .optional()
      .openapi({
        description: `How long the old key keeps working (0–${MAX_ROLL_GRACE_HOURS} hours). Default 0: it is revoked at once.`,
        example: 24,
      }),
  })
  .openapi("RollApiKey");

export const ListApiKeysQuerySchema = PaginationQuerySchema.strict();

export const ApiKeyIdParamsSchema = z.object({
  id: z.string().openapi({ param: { name: "id", in: "path" }, example: "key_5Tn8WqL2xR7vK1mP4sZ9bC3d" }),
});
