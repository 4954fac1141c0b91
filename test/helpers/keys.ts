import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { expect } from "vitest";
import worker from "../../src/index.ts";
import { hashApiKey } from "../../src/lib/api-key-format.ts";
import { BASE } from "./http.ts";
import { ISO_UTC, type Api } from "./items.ts";

export const USER_ID = /^user_[0-9A-Za-z]{20,}$/;
export const API_KEY_ID = /^key_[0-9A-Za-z]{20,}$/;
export const TEST_SECRET = /^sk_test_[0-9A-Za-z]{38}$/;

const nullableTimestamp = () => expect.toBeOneOf([null, expect.stringMatching(ISO_UTC)]);

let counter = 0;

/** An email no other user of the test file has. */
export function uniqueEmail(prefix = "user"): string {
  counter += 1;
  return `${prefix}.${counter}@example.com`;
}

export interface User {
  id: string;
  name: string;
  email: string;
  role: "admin" | "member" | "read_only";
  created_at: string;
  updated_at: string;
}

export interface ApiKey {
  id: string;
  name: string;
  role: "admin" | "member" | "read_only";
  user_id: string;
  last4: string;
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
  revoked_at: string | null;
}

export type NewApiKey = ApiKey & { secret: string };

/** Creates a user through the API, asserts the 201 and returns the user. */
export async function createUser(api: Api, input: Partial<Pick<User, "name" | "email" | "role">> = {}): Promise<User> {
  const response = await api.post("/v1/users", { name: "Test User", email: uniqueEmail(), role: "member", ...input });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  // The create answer alone carries the invitation link; the user object is the rest.
  const { invitation_url: _url, invitation_expires_at: _expires, ...user } = response.body;
  return user as User;
}

/** Creates a key through the API, asserts the 201 and returns it with its secret. */
export async function createApiKey(
  api: Api,
  input: { name?: string; user_id?: string; role?: string; expires_at?: string | null } = {},
): Promise<NewApiKey> {
  const response = await api.post("/v1/api_keys", { name: "Test key", ...input });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body as NewApiKey;
}

/** Asserts exactly the user object's fields. */
export function expectUserShape(user: unknown): void {
  expect(user).toEqual({
    id: expect.stringMatching(USER_ID),
    name: expect.any(String),
    email: expect.any(String),
    role: expect.toBeOneOf(["admin", "member", "read_only"]),
    created_at: expect.stringMatching(ISO_UTC),
    updated_at: expect.stringMatching(ISO_UTC),
  });
}

/** Asserts exactly the key object's fields, with `secret` only when `withSecret`. */
export function expectApiKeyShape(key: unknown, withSecret = false): void {
  expect(key).toEqual({
    id: expect.stringMatching(API_KEY_ID),
    name: expect.any(String),
    role: expect.toBeOneOf(["admin", "member", "read_only"]),
    user_id: expect.stringMatching(USER_ID),
    last4: expect.stringMatching(/^[0-9A-Za-z]{4}$/),
    created_at: expect.stringMatching(ISO_UTC),
    last_used_at: nullableTimestamp(),
    expires_at: nullableTimestamp(),
    revoked_at: nullableTimestamp(),
    ...(withSecret ? { secret: expect.stringMatching(TEST_SECRET) } : {}),
  });
}

/** Asserts that a response's text holds neither the key's hash nor a hash field. */
export async function expectNoHash(response: { body: unknown }, secret: string): Promise<void> {
  const text = JSON.stringify(response.body);
  expect(text).not.toContain(await hashApiKey(secret));
  expect(text).not.toMatch(/key_?hash/i);
}

/** The key's row as stored, read straight from D1. */
export function keyRow(id: string) {
  return env.DB.prepare("SELECT * FROM api_keys WHERE id = ?").bind(id).first<Record<string, string | null>>();
}

export interface AuditRow {
  action: string;
  resource_type: string;
  resource_id: string;
  company_id: string;
  item_id: string | null;
  user_id: string | null;
  api_key_id: string | null;
  request_id: string | null;
  created_at: string;
  changes: Record<string, unknown>;
}

/** The audit entries of one resource, oldest first, read straight from D1. */
export async function auditRows(resourceId: string): Promise<AuditRow[]> {
  const { results } = await env.DB.prepare("SELECT * FROM audit_log WHERE resource_id = ? ORDER BY seq")
    .bind(resourceId)
    .all<Omit<AuditRow, "changes"> & { changes: string }>();
  return results.map((row) => ({ ...row, changes: JSON.parse(row.changes) as Record<string, unknown> }));
}

/**
 * GET with `key` through the Worker's fetch handler, then waits for the work it left running
 * after the response (`waitUntil`, such as the last_used_at write).
 */
export async function getAndWait(key: string, path = "/v1/items", overrides: Partial<Env> = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    new Request(`${BASE}${path}`, { headers: { Authorization: `Bearer ${key}` } }),
    { ...env, ...overrides },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

