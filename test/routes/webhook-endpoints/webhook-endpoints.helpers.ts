import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { expect } from "vitest";
import { app } from "../../../src/app.ts";
import { BASE } from "../../helpers/http.ts";
import { ISO_UTC, type Api } from "../../helpers/items.ts";

export const ENDPOINT_ID = /^we_[0-9A-Za-z]{20,}$/;
export const WEBHOOK_SECRET = /^whsec_[A-Za-z0-9+/]{43}=$/;

export interface WebhookEndpoint {
  id: string;
  url: string;
  events: string[];
  description: string | null;
  status: "enabled" | "disabled";
  disabled_reason: string | null;
  created_at: string;
  updated_at: string;
}

export type NewWebhookEndpoint = WebhookEndpoint & { secret: string };

/** Creates an endpoint through the API, asserts the 201 and returns it with its secret. */
export async function createEndpoint(
  api: Api,
  input: { url?: string; events?: string[]; description?: string | null } = {},
): Promise<NewWebhookEndpoint> {
  const response = await api.post("/v1/webhook_endpoints", { url: "https://example.com/hook", events: ["*"], ...input });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body as NewWebhookEndpoint;
}

/** Exactly the public object's fields; with the secret only where `withSecret`. */
export function expectEndpointShape(body: unknown, withSecret: boolean): void {
  expect(body).toEqual({
    id: expect.stringMatching(ENDPOINT_ID),
    url: expect.any(String),
    events: expect.any(Array),
    description: expect.toBeOneOf([null, expect.any(String)]),
    status: expect.toBeOneOf(["enabled", "disabled"]),
    disabled_reason: expect.toBeOneOf([null, expect.any(String)]),
    created_at: expect.stringMatching(ISO_UTC),
    updated_at: expect.stringMatching(ISO_UTC),
    ...(withSecret ? { secret: expect.stringMatching(WEBHOOK_SECRET) } : {}),
  });
}

/** The endpoint's stored row (secrets included), straight from D1. */
export function endpointRow(id: string) {
  return env.DB.prepare("SELECT * FROM webhook_endpoints WHERE id = ?").bind(id).first<Record<string, any>>();
}

/** The company's audit entries about webhook endpoints, oldest first, straight from D1. */
export async function endpointAuditRows(companyId: string) {
  const { results } = await env.DB.prepare(
    "SELECT action, resource_id, changes, request_id FROM audit_log WHERE company_id = ? AND resource_type = 'webhook_endpoint' ORDER BY seq",
  )
    .bind(companyId)
    .all<{ action: string; resource_id: string; changes: string; request_id: string }>();
  return results.map((row) => ({ ...row, changes: JSON.parse(row.changes) }));
}

/** A request through the Worker as deployed (`API_KEY_MODE` live: the URL rules of live keys). */
export async function liveRequest(method: string, path: string, key: string, body?: unknown) {
  const ctx = createExecutionContext();
  const response = await app.fetch(
    new Request(`${BASE}${path}`, {
      method,
      headers: { Authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
    { ...env, API_KEY_MODE: "live" },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null };
}
