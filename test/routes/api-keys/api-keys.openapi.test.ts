import { beforeAll, describe, expect, it } from "vitest";
import { expectDocumentedOperation, openApiDocument } from "../../helpers/openapi.ts";

const OPERATIONS = [
  ["get", "/v1/api_keys", "listApiKeys", "200"],
  ["post", "/v1/api_keys", "createApiKey", "201"],
  ["get", "/v1/api_keys/{id}", "getApiKey", "200"],
  ["delete", "/v1/api_keys/{id}", "revokeApiKey", "204"],
  ["post", "/v1/api_keys/{id}/roll", "rollApiKey", "201"],
] as const;

let doc: any;

beforeAll(async () => {
  doc = await openApiDocument();
});

describe("the OpenAPI document", () => {
  it.each(OPERATIONS)("lists %s %s as %s with bearer security and the error answers", (method, path, id, success) => {
    expectDocumentedOperation(doc, method, path, id, success);
  });

  it("documents the 409s of create, revoke and roll", () => {
    const conflicts = [["post", "/v1/api_keys"], ["delete", "/v1/api_keys/{id}"], ["post", "/v1/api_keys/{id}/roll"]] as const;
    for (const [method, path] of conflicts) {
      expect(doc.paths[path][method].responses["409"].description).toContain("invalid_state");
    }
  });

  it("shows the secret only in the answers of create and roll, and the hash nowhere", () => {
    const ref = (schema: string) => ({ $ref: `#/components/schemas/${schema}` });
    const content = (method: string, path: string, status: string) =>
      doc.paths[path][method].responses[status].content["application/json"].schema;
    expect(content("post", "/v1/api_keys", "201")).toEqual(ref("NewApiKey"));
    expect(content("post", "/v1/api_keys/{id}/roll", "201")).toEqual(ref("NewApiKey"));
    expect(content("get", "/v1/api_keys/{id}", "200")).toEqual(ref("ApiKey"));
    expect(doc.paths["/v1/api_keys/{id}"].delete.responses["204"].content).toBeUndefined();

    const key = doc.components.schemas.ApiKey;
    expect(Object.keys(key.properties).sort()).toEqual(
      ["created_at", "expires_at", "id", "last4", "last_used_at", "name", "revoked_at", "role", "user_id"].sort(),
    );
    // The key object plus a required `secret` (null in an idempotent replay).
    expect(doc.components.schemas.NewApiKey.allOf).toEqual([
      ref("ApiKey"),
      expect.objectContaining({ properties: { secret: expect.objectContaining({ type: ["string", "null"] }) }, required: ["secret"] }),
    ]);
    expect(JSON.stringify(doc)).not.toMatch(/key_?hash/i);
  });

  it("documents the request bodies from the validating schemas", () => {
    const create = doc.components.schemas.CreateApiKey;
    expect(create.required).toEqual(["name"]);
    expect(create.additionalProperties).toBe(false);
    expect(Object.keys(create.properties).sort()).toEqual(["expires_at", "name", "role", "user_id"]);
    const roll = doc.paths["/v1/api_keys/{id}/roll"].post.requestBody;
    expect(roll.required).toBe(false);
    expect(doc.components.schemas.RollApiKey.properties.expires_in_hours).toMatchObject({ minimum: 0, maximum: 168 });
  });
});
