import { z } from "@hono/zod-openapi";
import { ROLES } from "../../db/schema.ts";
import { PaginationQuerySchema } from "../../lib/pagination.ts";
import { email, text } from "../../lib/validation.ts";

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

export const CreateUserBodySchema = UserSchema.pick({ name: true, email: true, role: true })
  .strict()
  .openapi("CreateUser");

export const ListUsersQuerySchema = PaginationQuerySchema.strict();

export const UserIdParamsSchema = z.object({
  id: z.string().openapi({ param: { name: "id", in: "path" }, example: "user_7Gm2KqX9pL4sN8vR1tY6wZ3b" }),
});
