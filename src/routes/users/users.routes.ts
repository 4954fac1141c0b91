import { UserSchema } from "../../domain/users.ts";
import { createAuthenticatedRoute, jsonContent as json } from "../../lib/openapi.ts";
import { paginated } from "../../lib/pagination.ts";
import { CreateUserBodySchema, ListUsersQuerySchema, UserIdParamsSchema } from "./users.schemas.ts";

const tags = ["Users"];
// Managing users is for admin keys only: the `authorize` middleware refuses other roles first.

export const listUsers = createAuthenticatedRoute({
  operationId: "listUsers",
  method: "get",
  path: "/v1/users",
  tags,
  summary: "List users",
  description: "Your company's users, newest first. Admin keys only.",
  request: { query: ListUsersQuerySchema },
  responses: { 200: json(paginated(UserSchema), "A page of users.") },
});

export const createUser = createAuthenticatedRoute({
  operationId: "createUser",
  method: "post",
  path: "/v1/users",
  tags,
  summary: "Create a user",
  description:
    "Adds a user to your company. Give them access with `POST /v1/api_keys` and their `user_id`. Admin keys only.",
  request: { body: { ...json(CreateUserBodySchema, "The new user."), required: true } },
  responses: { 201: json(UserSchema, "The created user.") },
  errors: ["invalid_state"],
  errorNotes: { invalid_state: "another user of your company has this email; field `email`" },
});

export const getUser = createAuthenticatedRoute({
  operationId: "getUser",
  method: "get",
  path: "/v1/users/{id}",
  tags,
  summary: "Retrieve a user",
  description: "Admin keys only.",
  request: { params: UserIdParamsSchema },
  responses: { 200: json(UserSchema, "The user.") },
});
