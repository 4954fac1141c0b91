import { expect } from "vitest";
import { callJson } from "./http.ts";

export const ERROR_REF = "#/components/schemas/Error";
export const ERROR_STATUSES = ["400", "401", "403", "404", "429", "500"] as const;

/** GET /v1/openapi.json, asserting a 200. */
export async function openApiDocument(): Promise<any> {
  const result = await callJson("GET", "/v1/openapi.json");
  expect(result.status).toBe(200);
  return result.body;
}

/**
 * The operation is in the document under `operationId`, takes the bearer key, answers the shared
 * error schema for every error every route can give, and has one success status (`success` if
 * given). Answers the operation for further checks.
 */
export function expectDocumentedOperation(doc: any, method: string, path: string, operationId: string, success?: string) {
  const operation = doc.paths[path]?.[method];
  expect(operation, `${method.toUpperCase()} ${path}`).toBeDefined();
  expect(operation.operationId).toBe(operationId);
  expect(operation.security).toEqual([{ bearerAuth: [] }]);
  for (const status of ERROR_STATUSES) {
    expect(operation.responses[status], `${operationId} ${status}`).toBeDefined();
    expect(operation.responses[status].content["application/json"].schema).toEqual({ $ref: ERROR_REF });
    expect(operation.responses[status].description.length).toBeGreaterThan(0);
  }
  const successes = Object.keys(operation.responses).filter((status) => status.startsWith("2"));
  if (success === undefined) expect(successes).toHaveLength(1);
  else expect(successes).toEqual([success]);
  return operation;
}
