import { z } from "@hono/zod-openapi";
import { UserSchema } from "../../domain/users.ts";
import { PaginationQuerySchema } from "../../lib/pagination.ts";

export const CreateUserBodySchema = UserSchema.pick({ name: true, email: true, role: true })
  .strict()
  .openapi("CreateUser");

export const ListUsersQuerySchema = PaginationQuerySchema.strict();

export const UserIdParamsSchema = z.object({
  id: z.string().openapi({ param: { name: "id", in: "path" }, example: "user_7Gm2KqX9pL4sN8vR1tY6wZ3b" }),
});
