import { CreatedUserSchema, InvitationSchema, UserSchema } from "../../domain/users.ts";
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
    "Adds a user to your company and answers their `invitation_url`, a one-time link (7 days) where they set their dashboard password. Give them API access with `POST /v1/api_keys` and their `user_id`. Admin keys only.",
  request: { body: { ...json(CreateUserBodySchema, "The new user."), required: true } },
  responses: { 201: json(CreatedUserSchema, "The created user, with their invitation link (shown this once).") },
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

export const createInvitation = createAuthenticatedRoute({
  operationId: "createUserInvitation",
  method: "post",
  path: "/v1/users/{id}/invitation",
  tags,
  summary: "Make a new invitation link",
  description:
    "A new one-time link (7 days) where the user sets their dashboard password, for a lost invitation or a forgotten password: using it ends the user's dashboard sessions. Earlier links keep working until used or expired. Admin keys only.",
  request: { params: UserIdParamsSchema },
  responses: { 201: json(InvitationSchema, "The link, shown this once.") },
});
