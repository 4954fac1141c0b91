import { beforeAll, describe, expect, it } from "vitest";
import { expectDocumentedOperation, openApiDocument } from "../../helpers/openapi.ts";

const OPERATIONS = [
  ["get", "/v1/users", "listUsers", "200"],
  ["post", "/v1/users", "createUser", "201"],
  ["get", "/v1/users/{id}", "getUser", "200"],
  ["post", "/v1/users/{id}/invitation", "createUserInvitation", "201"],
] as const;

let doc: any;

beforeAll(async () => {
  doc = await openApiDocument();
});

describe("the OpenAPI document", () => {
  it.each(OPERATIONS)("lists %s %s as %s with bearer security and the error answers", (method, path, id, success) => {
    expectDocumentedOperation(doc, method, path, id, success);
  });

  it("documents the user object, the create body and the email conflict", () => {
    expect(Object.keys(doc.components.schemas.User.properties).sort()).toEqual(
      ["created_at", "email", "id", "name", "role", "updated_at"],
    );
    const create = doc.components.schemas.CreateUser;
    expect(create.required.sort()).toEqual(["email", "name", "role"]);
    expect(create.additionalProperties).toBe(false);
    expect(doc.paths["/v1/users"].post.responses["409"].description).toContain("email");
  });

  it("documents the invitation link of a created user and of a new invitation", () => {
    const [user, extra] = doc.components.schemas.CreatedUser.allOf;
    expect(user.$ref).toBe("#/components/schemas/User");
    expect(Object.keys(extra.properties).sort()).toEqual(["invitation_expires_at", "invitation_url"]);
    expect(extra.properties.invitation_url.type).toEqual(["string", "null"]);
    expect(doc.paths["/v1/users"].post.responses["201"].content["application/json"].schema.$ref).toBe("#/components/schemas/CreatedUser");
    expect(Object.keys(doc.components.schemas.Invitation.properties).sort()).toEqual(["expires_at", "invitation_url", "user_id"]);
    expect(doc.paths["/v1/users/{id}/invitation"].post.requestBody).toBeUndefined();
  });
});
