import { z } from "@hono/zod-openapi";
import {
  CreateWebhookEndpointBodySchema,
  NewWebhookEndpointSchema,
  RollWebhookSecretBodySchema,
  UpdateWebhookEndpointBodySchema,
  WebhookEndpointSchema,
} from "../../domain/webhook-endpoints.ts";
import { createAuthenticatedRoute, jsonContent as json } from "../../lib/openapi.ts";
import { paginated, PaginationQuerySchema } from "../../lib/pagination.ts";

const tags = ["Webhook endpoints"];
// Every webhook route is for admin keys only: the `authorize` middleware refuses other roles first.

const ListWebhookEndpointsQuerySchema = PaginationQuerySchema.strict();

const WebhookEndpointIdParamsSchema = z.object({
  id: z.string().openapi({ param: { name: "id", in: "path" }, example: "we_8Kd2Lm4Np6Qr8St0Uv2Wx4Yz" }),
});

const urlRules =
  "`url` must be `https://` with a public host; test keys (`sk_test_`) may also use `http://` and loopback hosts.";

export const listWebhookEndpoints = createAuthenticatedRoute({
  operationId: "listWebhookEndpoints",
  method: "get",
  path: "/v1/webhook_endpoints",
  tags,
  summary: "List webhook endpoints",
  description: "All of your company's endpoints, disabled ones included, newest first. Admin keys only.",
  request: { query: ListWebhookEndpointsQuerySchema },
  responses: { 200: json(paginated(WebhookEndpointSchema), "A page of endpoints (never their secrets).") },
});

export const createWebhookEndpoint = createAuthenticatedRoute({
  operationId: "createWebhookEndpoint",
  method: "post",
  path: "/v1/webhook_endpoints",
  tags,
  summary: "Create a webhook endpoint",
  description: `Answers the endpoint's signing \`secret\` this once. ${urlRules} At most your plan's number of endpoints. Admin keys only.`,
  request: { body: { ...json(CreateWebhookEndpointBodySchema, "The new endpoint."), required: true } },
  responses: { 201: json(NewWebhookEndpointSchema, "The created endpoint, with its secret.") },
  errors: ["invalid_state"],
  errorNotes: { invalid_state: "your company has as many endpoints as its plan allows" },
});

export const getWebhookEndpoint = createAuthenticatedRoute({
  operationId: "getWebhookEndpoint",
  method: "get",
  path: "/v1/webhook_endpoints/{id}",
  tags,
  summary: "Retrieve a webhook endpoint",
  description: "The endpoint without its secret. Admin keys only.",
  request: { params: WebhookEndpointIdParamsSchema },
  responses: { 200: json(WebhookEndpointSchema, "The endpoint.") },
});

export const updateWebhookEndpoint = createAuthenticatedRoute({
  operationId: "updateWebhookEndpoint",
  method: "patch",
  path: "/v1/webhook_endpoints/{id}",
  tags,
  summary: "Update a webhook endpoint",
  description: `Changes the fields sent. ${urlRules} \`status: enabled\` re-enables a disabled endpoint and clears \`disabled_reason\`. Admin keys only.`,
  request: {
    params: WebhookEndpointIdParamsSchema,
    body: { ...json(UpdateWebhookEndpointBodySchema, "The fields to change."), required: true },
  },
  responses: { 200: json(WebhookEndpointSchema, "The endpoint as it now is.") },
});

export const deleteWebhookEndpoint = createAuthenticatedRoute({
  operationId: "deleteWebhookEndpoint",
  method: "delete",
  path: "/v1/webhook_endpoints/{id}",
  tags,
  summary: "Delete a webhook endpoint",
  description:
    "Deletes the endpoint and drops its pending deliveries; the record of succeeded and failed ones stays. Admin keys only.",
  request: { params: WebhookEndpointIdParamsSchema },
  responses: { 204: { description: "Deleted; empty body." } },
});

export const rollWebhookSecret = createAuthenticatedRoute({
  operationId: "rollWebhookSecret",
  method: "post",
  path: "/v1/webhook_endpoints/{id}/roll_secret",
  tags,
  summary: "Roll a webhook endpoint's secret",
  description:
    "Gives the endpoint a new signing secret, answered this once. The old one stops signing at once, or keeps signing beside the new one for `expires_in_hours` (deliveries then carry two signatures). Admin keys only.",
  request: {
    params: WebhookEndpointIdParamsSchema,
    body: { ...json(RollWebhookSecretBodySchema, "The grace period; the body may be left out."), required: false },
  },
  responses: { 200: json(NewWebhookEndpointSchema, "The endpoint, with its new secret.") },
});
