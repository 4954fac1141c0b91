import { createRoute } from "@hono/zod-openapi";
import { conflictResponse, openApiErrorResponses } from "../../lib/errors.ts";
import { bearerSecurity, jsonContent } from "../../lib/openapi.ts";
import { paginated } from "../../lib/pagination.ts";
import { CreateUserBodySchema, ListUsersQuerySchema, UserIdParamsSchema, UserSchema } from "./users.schemas.ts";

const tags = ["Users"];
const security = bearerSecurity;
const json = jsonContent;
// Managing users is for admin keys only: the `authorize` middleware refuses other roles first.

export const listUsers = createRoute({
  operationId: "listUsers",
  method: "get",
  path: "/v1/users",
  tags,
  security,
  summary: "List users",
  description: "Your company's users, newest first. Admin keys only.",
  request: { query: ListUsersQuerySchema },
  responses: { 200: json(paginated(UserSchema), "A page of users."), ...openApiErrorResponses },
});

export const createUser = createRoute({
  operationId: "createUser",
  method: "post",
  path: "/v1/users",
  tags,
  security,
  summary: "Create a user",
  description:
    "Adds a user to your company. Give them access with `POST /v1/api_keys` and their `user_id`. Admin keys only.",
  request: { body: { ...json(CreateUserBodySchema, "The new user."), required: true } },
  responses: {
    201: json(UserSchema, "The created user."),
    ...openApiErrorResponses,
    ...conflictResponse("`invalid_state` (field `email`): another user of your company has this email."),
  },
});

export const getUser = createRoute({
  operationId: "getUser",
  method: "get",
  path: "/v1/users/{id}",
  tags,
  security,
  summary: "Retrieve a user",
  description: "Admin keys only.",
  request: { params: UserIdParamsSchema },
  responses: { 200: json(UserSchema, "The user."), ...openApiErrorResponses },
});
