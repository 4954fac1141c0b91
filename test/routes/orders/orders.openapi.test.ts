import { beforeAll, describe, expect, it } from "vitest";
import { documentedCodes, expectDocumentedOperation, openApiDocument } from "../../helpers/openapi.ts";

const ORDER_OPERATIONS = [
  ["get", "/v1/orders", "listOrders", "200"],
  ["post", "/v1/orders", "createOrder", "201"],
  ["get", "/v1/orders/{id}", "getOrder", "200"],
  ["patch", "/v1/orders/{id}", "updateOrder", "200"],
  ["post", "/v1/orders/{id}/submit", "submitOrder", "200"],
  ["post", "/v1/orders/{id}/cancel", "cancelOrder", "200"],
  ["post", "/v1/orders/{id}/receive", "receiveOrder", "200"],
] as const;

let doc: any;

beforeAll(async () => {
  doc = await openApiDocument();
});

describe("the OpenAPI document covers purchase orders", () => {
  it.each(ORDER_OPERATIONS)("lists %s %s as %s with security, its success and the error answers", (method, path, id, success) => {
    const operation = expectDocumentedOperation(doc, method, path, id, success);
    expect(operation.tags).toEqual(["Purchase orders"]);
    expect(operation.responses[success].content["application/json"].schema).toEqual(
      id === "listOrders" ? expect.objectContaining({ type: "object" }) : { $ref: "#/components/schemas/Order" },
    );
  });

  it("documents 409 invalid_state on every state-changing action", () => {
    for (const [method, path] of [
      ["patch", "/v1/orders/{id}"],
      ["post", "/v1/orders/{id}/submit"],
      ["post", "/v1/orders/{id}/cancel"],
      ["post", "/v1/orders/{id}/receive"],
    ] as const) {
      const conflict = doc.paths[path][method].responses["409"];
      expect(conflict.description).toContain("invalid_state");
      expect(documentedCodes(doc.paths[path][method], "409")).toContain("invalid_state");
    }
  });

  it("documents strict request bodies from the validating schemas", () => {
    const create = doc.components.schemas.CreateOrder;
    expect(create.required.sort()).toEqual(["line_items", "supplier"]);
    expect(create.additionalProperties).toBe(false);
    expect(create.properties.line_items).toMatchObject({ minItems: 1, maxItems: 100 });
    expect(create.properties.status.enum).toEqual(["draft", "submitted"]);
    expect(create.properties.currency).toMatchObject({ default: "USD", pattern: "^[A-Z]{3}$" });
    expect(doc.components.schemas.OrderLineItemInput.additionalProperties).toBe(false);
    expect(doc.components.schemas.UpdateOrder.additionalProperties).toBe(false);
    expect(doc.components.schemas.UpdateOrder.required ?? []).toEqual([]);

    const receive = doc.paths["/v1/orders/{id}/receive"].post.requestBody;
    expect(receive.required).toBe(false);
    expect(receive.content["application/json"].schema).toEqual({ $ref: "#/components/schemas/ReceiveOrder" });
  });

  it("documents the order object with every field required (unset ones are null)", () => {
    const order = doc.components.schemas.Order;
    const fields = [
      "id", "number", "supplier", "status", "currency", "expected_at", "notes", "line_items", "total_cost",
      "created_at", "updated_at", "submitted_at", "received_at", "cancelled_at",
    ];
    expect(Object.keys(order.properties).sort()).toEqual([...fields].sort());
    expect(order.required.sort()).toEqual([...fields].sort());
    expect(order.properties.status.enum).toEqual(["draft", "submitted", "partially_received", "received", "cancelled"]);
  });

  it("documents the list filters", () => {
    const params = doc.paths["/v1/orders"].get.parameters.filter((p: any) => !p.$ref).map((p: any) => `${p.in}:${p.name}`);
    expect(params.sort()).toEqual(
      ["query:item_id", "query:limit", "query:offset", "query:starting_after", "query:ending_before", "query:status", "query:supplier"].sort(),
    );
  });
});
