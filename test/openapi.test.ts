import { beforeAll, describe, expect, it } from "vitest";
import { call, callJson } from "./helpers/http.ts";
import { expectDocumentedOperation, openApiDocument } from "./helpers/openapi.ts";

const ITEM_OPERATIONS = [
  ["get", "/v1/items", "listItems"],
  ["post", "/v1/items", "createItem"],
  ["get", "/v1/items/{id}", "getItem"],
  ["patch", "/v1/items/{id}", "updateItem"],
  ["delete", "/v1/items/{id}", "deleteItem"],
  ["post", "/v1/items/{id}/restore", "restoreItem"],
  ["get", "/v1/trash", "listTrash"],
  ["get", "/v1/items/export", "exportItems"],
] as const;


let doc: any;

beforeAll(async () => {
  doc = await openApiDocument();
});

describe("GET /v1/openapi.json", () => {
  it("is served as JSON without authentication", async () => {
    const result = await callJson("GET", "/v1/openapi.json");
    expect(result.status).toBe(200);
    expect(result.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(result.headers.get("Request-Id")).toMatch(/^req_[0-9A-Za-z]{20,}$/);
    expect(result.body.openapi).toBe("3.1.0");
  });

  it("ignores a bad Authorization header", async () => {
    const result = await callJson("GET", "/v1/openapi.json", { headers: { Authorization: "Bearer nope" } });
    expect(result.status).toBe(200);
    expect(result.body.openapi).toBe("3.1.0");
  });

  it("describes the API and its bearer authentication", () => {
    expect(doc.info).toMatchObject({ title: "Inventory Manager API", version: expect.any(String) });
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
  });

  it.each(ITEM_OPERATIONS)("lists %s %s as %s with security and the error answers", (method, path, id) => {
    expectDocumentedOperation(doc, method, path, id);
  });

  it("has unique operation ids and no undocumented item paths", () => {
    const operations = Object.values<any>(doc.paths).flatMap((ops) => Object.values<any>(ops));
    const ids = operations.map((o) => o.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    const itemPaths = Object.keys(doc.paths).filter((p) => p.startsWith("/v1/items") || p === "/v1/trash");
    expect(itemPaths.sort()).toEqual([...new Set(ITEM_OPERATIONS.map(([, path]) => path))].sort());
  });

  it("declares the Error schema as the contract's error body", () => {
    const error = doc.components.schemas.Error;
    expect(error.required).toEqual(["error"]);
    const inner = error.properties.error;
    expect(Object.keys(inner.properties).sort()).toEqual(["code", "field", "message", "request_id"]);
    expect(inner.required.sort()).toEqual(["code", "field", "message", "request_id"]);
    expect(inner.properties.code.enum).toEqual(
      expect.arrayContaining([
        "invalid_request",
        "invalid_json",
        "authentication_required",
        "invalid_api_key",
        "permission_denied",
        "not_found",
        "method_not_allowed",
        "payload_too_large",
        "unsupported_media_type",
        "rate_limit_exceeded",
        "internal_error",
      ]),
    );
  });

  it("documents the request bodies and parameters from the validating schemas", () => {
    const create = doc.paths["/v1/items"].post;
    expect(create.requestBody.required).toBe(true);
    expect(create.requestBody.content["application/json"].schema).toEqual({
      $ref: "#/components/schemas/CreateItem",
    });
    const createSchema = doc.components.schemas.CreateItem;
    expect(createSchema.required.sort()).toEqual(["name", "sku"]);
    expect(createSchema.additionalProperties).toBe(false);
    expect(createSchema.properties.name).toMatchObject({ minLength: 1, maxLength: 200 });

    const listParams = doc.paths["/v1/items"].get.parameters.map((p: any) => `${p.in}:${p.name}`);
    expect(listParams.sort()).toEqual(
      ["query:limit", "query:offset", "query:starting_after", "query:ending_before", "query:search", "query:location", "query:low_stock"].sort(),
    );
    const getParams = doc.paths["/v1/items/{id}"].get.parameters;
    expect(getParams).toEqual([expect.objectContaining({ in: "path", name: "id", required: true })]);
  });

  it("documents the 201 of create and the empty 204 of delete", () => {
    expect(doc.paths["/v1/items"].post.responses["201"].content["application/json"].schema).toEqual({
      $ref: "#/components/schemas/Item",
    });
    expect(doc.paths["/v1/items/{id}"].delete.responses["204"].content).toBeUndefined();
  });

  it("marks /health as needing no authentication", () => {
    expect(doc.paths["/health"].get.security).toEqual([]);
  });
});

describe("GET /docs", () => {
  it("answers an HTML reference page that loads the OpenAPI document", async () => {
    const response = await call("GET", "/docs");
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toMatch(/<html/i);
    expect(html).toContain("Inventory Manager API");
    expect(html).toContain("/v1/openapi.json");
  });
});
