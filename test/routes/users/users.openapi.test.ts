import { beforeAll, describe, expect, it } from "vitest";
import { callJson } from "../../helpers/http.ts";

const OPERATIONS = [
  ["get", "/v1/users", "listUsers", "200"],
  ["post", "/v1/users", "createUser", "201"],
  ["get", "/v1/users/{id}", "getUser", "200"],
] as const;

let doc: any;

beforeAll(async () => {
  doc = (await callJson("GET", "/v1/openapi.json")).body;
});

describe("the OpenAPI document", () => {
  it.each(OPERATIONS)("lists %s %s as %s with bearer security and the error answers", (method, path, id, success) => {
    const operation = doc.paths[path]?.[method];
    expect(operation?.operationId).toBe(id);
    expect(operation.security).toEqual([{ bearerAuth: [] }]);
    expect(Object.keys(operation.responses).filter((s) => s.startsWith("2"))).toEqual([success]);
    for (const status of ["400", "401", "403", "404", "429", "500"]) {
      expect(operation.responses[status].content["application/json"].schema).toEqual({ $ref: "#/components/schemas/Error" });
    }
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
});
