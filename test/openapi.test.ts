import { beforeAll, describe, expect, it } from "vitest";
import { callJson } from "./helpers/http.ts";
import { documentedCodes, expectDocumentedOperation, openApiDocument } from "./helpers/openapi.ts";
import { EVENT_TYPES } from "../src/domain/events.ts";

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

  it("declares per status the error codes an operation can answer, and only those", () => {
    const create = doc.paths["/v1/items"].post;
    expect(documentedCodes(create, "400").sort()).toEqual(["invalid_json", "invalid_request"]);
    expect(documentedCodes(create, "409").sort()).toEqual(["barcode_taken", "idempotency_key_in_use", "sku_taken"]);
    expect(documentedCodes(create, "422")).toEqual(["idempotency_key_reused"]);
    expect(documentedCodes(create, "403")).toEqual(["permission_denied"]);
    expect(documentedCodes(create, "413")).toEqual(["payload_too_large"]);
    expect(documentedCodes(create, "415")).toEqual(["unsupported_media_type"]);
    expect(documentedCodes(create, "429").sort()).toEqual(["daily_quota_exceeded", "rate_limit_exceeded"]);
    // Any key may read items, and a list names no object: no 403, no 404, no body errors.
    const list = doc.paths["/v1/items"].get;
    expect(Object.keys(list.responses).sort()).toEqual(["200", "400", "401", "429", "500"]);
    expect(documentedCodes(list, "400")).toEqual(["invalid_request"]);
    // Admin-only reads can be refused.
    expect(documentedCodes(doc.paths["/v1/api_keys"].get, "403")).toEqual(["permission_denied"]);
    expect(documentedCodes(doc.paths["/v1/snapshots"].post, "429").sort()).toEqual([
      "daily_quota_exceeded",
      "plan_limit_exceeded",
      "rate_limit_exceeded",
    ]);
  });

  it("documents the request and response headers of every operation", () => {
    const header = (name: string) => ({ $ref: `#/components/headers/${name}` });
    expect(doc.components.parameters.IdempotencyKey).toMatchObject({ name: "Idempotency-Key", in: "header" });
    expect(doc.components.parameters.ConsistencyToken).toMatchObject({ name: "Consistency-Token", in: "header" });
    for (const [path, operations] of Object.entries<any>(doc.paths)) {
      for (const [method, operation] of Object.entries<any>(operations)) {
        if (path === "/health") continue;
        const refs = operation.parameters.filter((p: any) => p.$ref).map((p: any) => p.$ref);
        const expected = ["#/components/parameters/ConsistencyToken"];
        if (method === "post") expected.push("#/components/parameters/IdempotencyKey");
        expect(refs, `${method} ${path}`).toEqual(expected);
        for (const [status, response] of Object.entries<any>(operation.responses)) {
          const context = `${method} ${path} ${status}`;
          expect(response.headers["Request-Id"], context).toEqual(header("Request-Id"));
          expect(response.headers["Consistency-Token"], context).toEqual(header("Consistency-Token"));
          if (status === "401") {
            expect(response.headers["WWW-Authenticate"], context).toEqual(header("WWW-Authenticate"));
            expect(response.headers["X-RateLimit-Limit"], context).toBeUndefined();
          } else {
            for (const name of ["X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "RateLimit-Policy", "RateLimit"]) {
              expect(response.headers[name], context).toEqual(header(name));
            }
          }
          if (status === "429") expect(response.headers["Retry-After"], context).toEqual(header("Retry-After-Required"));
          if (method === "post" && status.startsWith("2")) {
            expect(response.headers["Idempotent-Replayed"], context).toEqual(header("Idempotent-Replayed"));
          }
        }
      }
    }
  });

  it("types response timestamps as date-time and since/until as a date or a date-time", () => {
    const item = doc.components.schemas.Item.properties;
    expect(item.created_at.format).toBe("date-time");
    expect(doc.components.schemas.Order.properties.expected_at.format).toBe("date");
    expect(doc.components.schemas.Order.properties.submitted_at).toMatchObject({ type: ["string", "null"], format: "date-time" });
    const since = doc.paths["/v1/transactions"].get.parameters.find((p: any) => p.name === "since");
    expect(since.schema.anyOf).toEqual([
      expect.objectContaining({ type: "string", format: "date-time" }),
      expect.objectContaining({ type: "string", format: "date" }),
    ]);
  });

  it("has exact nullability for what a replay does not repeat, and a discriminated restore", () => {
    const secret = doc.components.schemas.NewApiKey.allOf[1].properties.secret;
    expect(secret.type).toEqual(["string", "null"]);
    const endpointSecret = doc.components.schemas.NewWebhookEndpoint.allOf[1].properties.secret;
    expect(endpointSecret.type).toEqual(["string", "null"]);
    const restore = doc.paths["/v1/snapshots/{id}/restore"].post.responses["200"].content["application/json"].schema;
    expect(restore.oneOf).toEqual([
      { $ref: "#/components/schemas/SnapshotRestore" },
      { $ref: "#/components/schemas/SnapshotRestorePreview" },
    ]);
    expect(doc.components.schemas.SnapshotRestore.properties.dry_run).toMatchObject({ type: "boolean", enum: [false] });
    expect(doc.components.schemas.SnapshotRestorePreview.properties.dry_run).toMatchObject({ type: "boolean", enum: [true] });
    const dryRun = doc.paths["/v1/snapshots/{id}/restore"].post.parameters.find((p: any) => p.name === "dry_run");
    expect(dryRun.schema.type).toBe("boolean");
  });

  it("describes every event type in the webhooks section, and servers for production and npm run dev", () => {
    expect(Object.keys(doc.webhooks).sort()).toEqual([...EVENT_TYPES].sort());
    const payload = doc.webhooks["item.deleted"].post.requestBody.content["application/json"].schema;
    expect(payload.allOf[0]).toEqual({ $ref: "#/components/schemas/Event" });
    const deleted = payload.allOf[1];
    expect(deleted.properties.type.enum).toEqual(["item.deleted"]);
    expect(deleted.properties.data.properties.object).toEqual({ $ref: "#/components/schemas/TrashedItem" });
    expect(doc.servers.map((s: any) => s.url)).toEqual(["https://api.modulus-software.com", "http://127.0.0.1:8787"]);
    expect(doc.info.license.url).toMatch(/^https:\/\//);
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

    const listParams = doc.paths["/v1/items"].get.parameters.filter((p: any) => !p.$ref).map((p: any) => `${p.in}:${p.name}`);
    expect(listParams.sort()).toEqual(
      ["query:limit", "query:offset", "query:starting_after", "query:ending_before", "query:search", "query:location", "query:low_stock"].sort(),
    );
    const getParams = doc.paths["/v1/items/{id}"].get.parameters.filter((p: any) => !p.$ref);
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
