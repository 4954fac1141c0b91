// Users apart from storage: what a user object shows, and the conflict of a taken email address.
import { z } from "@hono/zod-openapi";
import type { users } from "../db/schema.ts";
import { ROLES } from "../db/schema.ts";
import { email, text } from "../lib/validation.ts";
import { DomainError } from "./errors.ts";

export const UserSchema = z
  .object({
    id: z.string().openapi({ example: "user_7Gm2KqX9pL4sN8vR1tY6wZ3b" }),
    name: text().min(1).max(200).openapi({ example: "Ada Lovelace" }),
    email: email().openapi({ description: "Unique within your company, case-insensitively.", example: "ada@example.com" }),
    role: z.enum(ROLES).openapi({
      description: "`admin`: everything; `member`: everything but users and keys; `read_only`: only GET.",
    }),
    created_at: z.string().openapi({ example: "2025-01-15T10:30:00.000Z" }),
    updated_at: z.string().openapi({ example: "2025-01-15T10:30:00.000Z" }),
  })
  .openapi("User");

export type User = z.infer<typeof UserSchema>;

const invitationUrl = z.string().openapi({
  description:
    "A one-time link where the user sets their dashboard password. Works once, for 7 days; shown in this answer only.",
  example: "https://api.modulus-software.com/dashboard/set-password/4eC39HqLyjWDarjtT1zdp7dcA1b2C3d4E5f6G7h8I9j",
});

/** A new user as answered once, by create: the user and their invitation link. */
export const CreatedUserSchema = UserSchema.extend({
  invitation_url: invitationUrl.nullable(),
  invitation_expires_at: z.string().openapi({ example: "2025-01-22T10:30:00.000Z" }),
}).openapi("CreatedUser");

/** A new invitation link for an existing user (the old ones keep working until they expire). */
export const InvitationSchema = z
  .object({
    user_id: UserSchema.shape.id,
    invitation_url: invitationUrl.nullable(),
    expires_at: z.string().openapi({ example: "2025-01-22T10:30:00.000Z" }),
  })
  .openapi("Invitation");

type UserRow = typeof users.$inferSelect;

/** The user object of a row: API responses and audit entries. */
export function toUser(row: Pick<UserRow, "id" | "name" | "email" | "role" | "createdAt" | "updatedAt">): User {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    role: row.role,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

/** Emails are unique within a company, compared case-insensitively (Unicode case folding). */
export function emailTaken(): DomainError {
  return new DomainError("invalid_state", "Another user of your company already has this email address.", {
    field: "email",
  });
}
