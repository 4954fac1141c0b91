import { exports } from "cloudflare:workers";
import { expect } from "vitest";

export const BASE = "https://api.test";

export interface CallOptions {
  key?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Calls the Worker's own fetch handler as a client would. */
export function call(method: string, path: string, options: CallOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key) headers.Authorization = `Bearer ${options.key}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
    headers["Content-Type"] ??= "application/json";
  }
  return exports.default.fetch(new Request(`${BASE}${path}`, { method, headers, body }));
}

/** `call`, then the parsed JSON body (null for an empty body). */
export async function callJson<T = any>(method: string, path: string, options: CallOptions = {}) {
  const response = await call(method, path, options);
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : null) as T };
}

/** A client bound to one key. */
export function client(key: string) {
  return {
    get: (path: string) => callJson("GET", path, { key }),
    post: (path: string, body?: unknown) => callJson("POST", path, { key, body }),
    patch: (path: string, body: unknown) => callJson("PATCH", path, { key, body }),
    delete: (path: string) => callJson("DELETE", path, { key }),
  };
}

export const REQUEST_ID = /^req_[0-9A-Za-z]{20,}$/;
/**
 * Asserts the contract's error body: status, code, field, a message for people and the
 * `Request-Id` header repeated in the body.
 */
export function expectApiError(
  response: { status: number; headers: Headers; body: any },
  status: number,
  code: string,
  field: string | null = null,
): void {
  const requestId = response.headers.get("Request-Id");
  expect(requestId).toMatch(REQUEST_ID);
  expect(response.body).toEqual({
    error: { code, message: expect.any(String), field, request_id: requestId },
  });
  expect(response.status).toBe(status);
  const message: string = response.body.error.message;
  expect(message.length).toBeGreaterThan(0);
  // Ids are random base62 and may spell "sql" in any case: look at the message without them.
  const withoutIds = message.replace(/\b[a-z]+_[0-9A-Za-z]{20,}\b/g, "<id>");
  expect(withoutIds).not.toMatch(/SQL|constraint|stack|\bat .*\.ts:\d+/i);
  if (field !== null && code === "invalid_request") expect(message).toContain(field);
}
