import { z } from "@hono/zod-openapi";
import { ROLES } from "../../db/schema.ts";
import { ApiKeySchema, MAX_ROLL_GRACE_HOURS, MIN_ROLL_GRACE_HOURS } from "../../domain/api-keys.ts";
import { nowMs } from "../../lib/clock.ts";
import { PaginationQuerySchema } from "../../lib/pagination.ts";
import { text } from "../../lib/validation.ts";

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
      .openapi({ description: "ISO 8601 timestamp in the future; omitted or null: never expires.", example: "2027-12-31T00:00:00Z" }),
  })
  .openapi("CreateApiKey");

export const RollApiKeyBodySchema = z
  .strictObject({
    expires_in_hours: z
      .int()
      .min(MIN_ROLL_GRACE_HOURS)
      .max(MAX_ROLL_GRACE_HOURS)
      .optional()
      .openapi({
        description: `How long the old key keeps working (${MIN_ROLL_GRACE_HOURS}–${MAX_ROLL_GRACE_HOURS} hours). Default 0: it is revoked at once.`,
        example: 24,
      }),
  })
  .openapi("RollApiKey");

export const ListApiKeysQuerySchema = PaginationQuerySchema.strict();

export const ApiKeyIdParamsSchema = z.object({
  id: z.string().openapi({ param: { name: "id", in: "path" }, example: "key_5Tn8WqL2xR7vK1mP4sZ9bC3d" }),
});
