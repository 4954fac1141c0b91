import { ApiKeySchema, MAX_ACTIVE_KEYS, NewApiKeySchema } from "../../domain/api-keys.ts";
import { createAuthenticatedRoute, jsonContent as json } from "../../lib/openapi.ts";
import { paginated } from "../../lib/pagination.ts";
import {
  ApiKeyIdParamsSchema,
  CreateApiKeyBodySchema,
  ListApiKeysQuerySchema,
  RollApiKeyBodySchema,
} from "./api-keys.schemas.ts";

const tags = ["API keys"];
// Managing keys is for admin keys only: the `authorize` middleware refuses other roles first.
const atLimit = `your company already has ${MAX_ACTIVE_KEYS} active keys`;

export const listApiKeys = createAuthenticatedRoute({
  operationId: "listApiKeys",
  method: "get",
  path: "/v1/api_keys",
  tags,
  summary: "List API keys",
  description: "All of your company's keys, revoked and expired ones included, newest first. Admin keys only.",
  request: { query: ListApiKeysQuerySchema },
  responses: { 200: json(paginated(ApiKeySchema), "A page of keys (never their secrets).") },
});

export const createApiKey = createAuthenticatedRoute({
  operationId: "createApiKey",
  method: "post",
  path: "/v1/api_keys",
  tags,
  summary: "Create an API key",
  description: `Answers the key's \`secret\` this once. At most ${MAX_ACTIVE_KEYS} active keys per company. Admin keys only.`,
  request: { body: { ...json(CreateApiKeyBodySchema, "The new key."), required: true } },
  responses: { 201: json(NewApiKeySchema, "The created key, with its secret.") },
  errors: ["invalid_state"],
  errorNotes: { invalid_state: atLimit },
});

export const getApiKey = createAuthenticatedRoute({
  operationId: "getApiKey",
  method: "get",
  path: "/v1/api_keys/{id}",
  tags,
  summary: "Retrieve an API key",
  description: "The key without its secret. Admin keys only.",
  request: { params: ApiKeyIdParamsSchema },
  responses: { 200: json(ApiKeySchema, "The key.") },
});

export const revokeApiKey = createAuthenticatedRoute({
  operationId: "revokeApiKey",
  method: "delete",
  path: "/v1/api_keys/{id}",
  tags,
  summary: "Revoke an API key",
  description:
    "The key is refused from its next request on (everywhere within a second). Revoking a revoked key changes nothing. Admin keys only.",
  request: { params: ApiKeyIdParamsSchema },
  responses: { 204: { description: "Revoked; empty body." } },
  errors: ["invalid_state"],
  errorNotes: { invalid_state: "this is the company's last working admin key" },
});

export const rollApiKey = createAuthenticatedRoute({
  operationId: "rollApiKey",
  method: "post",
  path: "/v1/api_keys/{id}/roll",
  tags,
  summary: "Roll an API key",
  description:
    "Replaces a working key with a new one (new id and secret; same name, role, user and expiry). The old key is revoked at once, or keeps working for `expires_in_hours`. Admin keys only.",
  request: {
    params: ApiKeyIdParamsSchema,
    body: { ...json(RollApiKeyBodySchema, "The grace period; the body may be left out."), required: false },
  },
  responses: { 201: json(NewApiKeySchema, "The new key, with its secret.") },
  errors: ["invalid_state"],
  errorNotes: { invalid_state: `the key is revoked or expired, or (with a grace period) ${atLimit}` },
});
