import { beforeAll, describe, expect, it } from "vitest";
import { expectDocumentedOperation, openApiDocument } from "../../helpers/openapi.ts";

const OPERATIONS = [
  ["get", "/v1/webhook_endpoints", "listWebhookEndpoints", "200"],
  ["post", "/v1/webhook_endpoints", "createWebhookEndpoint", "201"],
  ["get", "/v1/webhook_endpoints/{id}", "getWebhookEndpoint", "200"],
  ["patch", "/v1/webhook_endpoints/{id}", "updateWebhookEndpoint", "200"],
  ["delete", "/v1/webhook_endpoints/{id}", "deleteWebhookEndpoint", "204"],
  ["post", "/v1/webhook_endpoints/{id}/roll_secret", "rollWebhookSecret", "200"],
] as const;

let doc: any;

beforeAll(async () => {
  doc = await openApiDocument();
});

describe("the OpenAPI document", () => {
  it.each(OPERATIONS)("lists %s %s as %s with bearer security and the error answers", (method, path, id, success) => {
    expectDocumentedOperation(doc, method, path, id, success);
  });

  it("documents the plan limit's 409 on create", () => {
    expect(doc.paths["/v1/webhook_endpoints"].post.responses["409"].description).toContain("invalid_state");
  });

  it("shows the secret only in the answers of create and roll_secret", () => {
    const ref = (schema: string) => ({ $ref: `#/components/schemas/${schema}` });
    const content = (method: string, path: string, status: string) =>
      doc.paths[path][method].responses[status].content["application/json"].schema;
    expect(content("post", "/v1/webhook_endpoints", "201")).toEqual(ref("NewWebhookEndpoint"));
    expect(content("post", "/v1/webhook_endpoints/{id}/roll_secret", "200")).toEqual(ref("NewWebhookEndpoint"));
    expect(content("get", "/v1/webhook_endpoints/{id}", "200")).toEqual(ref("WebhookEndpoint"));
    expect(content("patch", "/v1/webhook_endpoints/{id}", "200")).toEqual(ref("WebhookEndpoint"));
    expect(doc.paths["/v1/webhook_endpoints/{id}"].delete.responses["204"].content).toBeUndefined();

    const endpoint = doc.components.schemas.WebhookEndpoint;
    expect(Object.keys(endpoint.properties).sort()).toEqual(
      ["created_at", "description", "disabled_reason", "events", "id", "status", "updated_at", "url"].sort(),
    );
    expect(doc.components.schemas.NewWebhookEndpoint.allOf).toEqual([
      ref("WebhookEndpoint"),
      expect.objectContaining({ properties: { secret: expect.objectContaining({ type: ["string", "null"] }) }, required: ["secret"] }),
    ]);
  });

  it("documents the request bodies from the validating schemas", () => {
    const create = doc.components.schemas.CreateWebhookEndpoint;
    expect(create.required.sort()).toEqual(["events", "url"]);
    expect(create.additionalProperties).toBe(false);
    expect(create.properties.url).toMatchObject({ type: "string", minLength: 1, maxLength: 2048 });
    expect(create.properties.events).toMatchObject({ type: "array", minItems: 1 });
    const update = doc.components.schemas.UpdateWebhookEndpoint;
    expect(update.additionalProperties).toBe(false);
    expect(Object.keys(update.properties).sort()).toEqual(["description", "events", "status", "url"]);
    expect(update.required).toBeUndefined();
    expect(doc.paths["/v1/webhook_endpoints/{id}/roll_secret"].post.requestBody.required).toBe(false);
    expect(doc.components.schemas.RollWebhookSecret.properties.expires_in_hours).toMatchObject({ minimum: 0, maximum: 168 });
  });
});
