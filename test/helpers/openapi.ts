import { expect } from "vitest";
import { STATUS_BY_CODE, type ErrorCode } from "../../src/lib/errors.ts";
import { callJson } from "./http.ts";

/** The error statuses every authenticated operation can answer. */
export const ERROR_STATUSES = ["400", "401", "429", "500"] as const;

/** GET /v1/openapi.json, asserting a 200. */
export async function openApiDocument(): Promise<any> {
  const result = await callJson("GET", "/v1/openapi.json");
  expect(result.status).toBe(200);
  return result.body;
}

/**
 * The error codes an operation documents for a status, asserting the contract's error body
 * (code, message, field, request_id, all required) with `code` an enum of that status's codes.
 */
export function documentedCodes(operation: any, status: string): ErrorCode[] {
  const response = operation.responses[status];
  expect(response, status).toBeDefined();
  const schema = response.content["application/json"].schema;
  expect(schema.required).toEqual(["error"]);
  const inner = schema.properties.error;
  expect(Object.keys(inner.properties).sort()).toEqual(["code", "field", "message", "request_id"]);
  expect([...inner.required].sort()).toEqual(["code", "field", "message", "request_id"]);
  const codes = inner.properties.code.enum as ErrorCode[];
  expect(codes.length).toBeGreaterThan(0);
  for (const code of codes) expect(STATUS_BY_CODE[code], `${code} under ${status}`).toBe(Number(status));
  expect(response.headers["Request-Id"]).toEqual({ $ref: "#/components/headers/Request-Id" });
  return codes;
}

/**
 * The operation is in the document under `operationId`, takes the bearer key, answers an error
 * body per status naming its codes for every error every route can give, and has one success
 * status (`success` if given). Answers the operation for further checks.
 */
export function expectDocumentedOperation(doc: any, method: string, path: string, operationId: string, success?: string) {
  const operation = doc.paths[path]?.[method];
  expect(operation, `${method.toUpperCase()} ${path}`).toBeDefined();
  expect(operation.operationId).toBe(operationId);
  expect(operation.security).toEqual([{ bearerAuth: [] }]);
  for (const status of Object.keys(operation.responses).filter((s) => Number(s) >= 400)) {
    documentedCodes(operation, status);
    expect(operation.responses[status].description.length).toBeGreaterThan(0);
  }
  for (const status of ERROR_STATUSES) expect(operation.responses[status], `${operationId} ${status}`).toBeDefined();
  const successes = Object.keys(operation.responses).filter((status) => status.startsWith("2"));
  if (success === undefined) expect(successes).toHaveLength(1);
  else expect(successes).toEqual([success]);
  return operation;
}
