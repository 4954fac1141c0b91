import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { createDatabase } from "../../../src/db/client.ts";
import { enabledEndpointsForSigning, findEndpointForSigning } from "../../../src/db/webhook-endpoints.ts";
import { newId } from "../../../src/lib/ids.ts";
import { setClock } from "../../../src/lib/clock.ts";
import { createCompany } from "../../helpers/factories.ts";
import { client, REQUEST_ID } from "../../helpers/http.ts";
import { ids } from "../../helpers/items.ts";
import {
  createEndpoint,
  endpointAuditRows,
  endpointRow,
  expectEndpointShape,
  liveRequest,
  type WebhookEndpoint,
} from "./webhook-endpoints.helpers.ts";

const T = Date.parse("2031-03-01T12:00:00.000Z");
const HOUR = 60 * 60 * 1000;
const at = (ms: number) => setClock(() => ms);
const iso = (ms: number) => new Date(ms).toISOString();

afterEach(() => setClock(null));

async function admin(plan: "starter" | "professional" | "enterprise" = "enterprise") {
  const co = await createCompany(plan);
  return { co, api: client(co.apiKey) };
}

/** Adds a delivery of a made-up event to the endpoint, straight into D1. */
async function seedDelivery(companyId: string, endpointId: string, status: "pending" | "succeeded" | "failed") {
  const id = newId("wd");
  const now = new Date().toISOString();
  await env.DB.prepare(
    `INSERT INTO webhook_deliveries (id, company_id, endpoint_id, event_id, status, attempts, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, 0, ?, ?)`,
  )
    .bind(id, companyId, endpointId, newId("event"), status, now, now)
    .run();
  return id;
}

describe("POST /v1/webhook_endpoints", () => {
  it("creates an enabled endpoint and answers its whsec_ secret this once", async () => {
    at(T);
    const { co, api } = await admin();
    const response = await api.post("/v1/webhook_endpoints", {
      url: "https://hooks.example.com/inventory",
      events: ["item.low_stock", "order.*"],
      description: "ERP sync",
    });
    expect(response.status).toBe(201);
    expect(response.headers.get("Request-Id")).toMatch(REQUEST_ID);
    expectEndpointShape(response.body, true);
    const { secret, ...endpoint } = response.body;
    expect(endpoint).toEqual({
      id: expect.any(String),
      url: "https://hooks.example.com/inventory",
      events: ["item.low_stock", "order.*"],
      description: "ERP sync",
      status: "enabled",
      disabled_reason: null,
      created_at: iso(T),
      updated_at: iso(T),
    });

    // Stored as answered, with the secret it signs with.
    const row = await endpointRow(endpoint.id);
    expect(row).toMatchObject({
      company_id: co.companyId,
      url: endpoint.url,
      events: JSON.stringify(endpoint.events),
      secret,
      previous_secret: null,
      previous_secret_expires_at: null,
      failing_since: null,
    });

    // Never again: not in a GET, a list or the audit log.
    const get = await api.get(`/v1/webhook_endpoints/${endpoint.id}`);
    expect(get.status).toBe(200);
    expect(get.body).toEqual(endpoint);
    const list = await api.get("/v1/webhook_endpoints");
    expect(list.body.data).toEqual([endpoint]);
    const audit = await endpointAuditRows(co.companyId);
    expect(audit).toEqual([{ action: "create", resource_id: endpoint.id, changes: endpoint, request_id: response.headers.get("Request-Id") }]);
    const log = await api.get("/v1/audit_log?action=create");
    expect(log.body.data).toContainEqual(expect.objectContaining({ resource_type: "webhook_endpoint", resource_id: endpoint.id, changes: endpoint }));
    for (const body of [get.body, list.body, log.body]) expect(JSON.stringify(body)).not.toContain(secret.slice(6));
  });

  it("leaves description null when not sent, and accepts '*' and every single type", async () => {
    const { api } = await admin();
    const all = await createEndpoint(api, { events: ["*"] });
    expect(all.description).toBeNull();
    const types = ["item.created", "transaction.created", "snapshot_restore.failed", "import.*", "snapshot.*"];
    const some = await createEndpoint(api, { events: types, description: null });
    expect(some).toMatchObject({ events: types, description: null });
    expect(some.secret).not.toBe(all.secret);
  });

  it("with test keys (local development) takes http:// and loopback receivers", async () => {
    const { api } = await admin();
    for (const url of ["http://127.0.0.1:8787/hook", "http://localhost:3000/webhooks", "http://[::1]:9000/", "https://127.0.0.1/"]) {
      expect((await createEndpoint(api, { url })).url).toBe(url);
    }
  });

  it("with live keys (the deployed Worker) takes a public https:// URL", async () => {
    const { co, api } = await admin();
    const created = await liveRequest("POST", "/v1/webhook_endpoints", co.apiKey, { url: "https://example.com:8443/h?x=1", events: ["*"] });
    expect(created.status).toBe(201);
    expectEndpointShape(created.body, true);
    expect((await api.get("/v1/webhook_endpoints")).body.pagination.total).toBe(1);
  });
});

describe("GET /v1/webhook_endpoints", () => {
  it("lists newest first with offset and cursor pagination, never a secret", async () => {
    const { api } = await admin();
    const made: WebhookEndpoint[] = [];
    for (let i = 0; i < 5; i++) {
      at(T + i * 1000);
      const { secret: _, ...endpoint } = await createEndpoint(api, { description: `#${i}` });
      made.push(endpoint);
    }
    // A disabled one is listed too.
    expect((await api.patch(`/v1/webhook_endpoints/${made[0]!.id}`, { status: "disabled" })).status).toBe(200);
    const newest = [...made].reverse().map((e) => e.id);

    const all = await api.get("/v1/webhook_endpoints");
    expect(ids(all)).toEqual(newest);
    expect(all.body.pagination).toEqual({ total: 5, limit: 50, offset: 0, has_more: false });
    for (const endpoint of all.body.data) expectEndpointShape(endpoint, false);

    const page = await api.get("/v1/webhook_endpoints?limit=2&offset=2");
    expect(ids(page)).toEqual(newest.slice(2, 4));
    expect(page.body.pagination).toEqual({ total: 5, limit: 2, offset: 2, has_more: true });

    const after = await api.get(`/v1/webhook_endpoints?limit=2&starting_after=${newest[1]}`);
    expect(ids(after)).toEqual(newest.slice(2, 4));
    expect(after.body.pagination).toEqual({ total: 5, limit: 2, offset: null, has_more: true });
    const last = await api.get(`/v1/webhook_endpoints?limit=2&starting_after=${newest[3]}`);
    expect(ids(last)).toEqual(newest.slice(4));
    expect(last.body.pagination.has_more).toBe(false);

    const before = await api.get(`/v1/webhook_endpoints?limit=2&ending_before=${newest[4]}`);
    expect(ids(before)).toEqual(newest.slice(2, 4));
    expect(before.body.pagination).toEqual({ total: 5, limit: 2, offset: null, has_more: true });
  });
});

describe("PATCH /v1/webhook_endpoints/:id", () => {
  it("changes the fields sent, with an audit entry of what changed", async () => {
    at(T);
    const { co, api } = await admin();
    const { secret, ...created } = await createEndpoint(api, { events: ["item.*"], description: "Old" });
    at(T + HOUR);
    const response = await api.patch(`/v1/webhook_endpoints/${created.id}`, {
      url: "https://new.example.com/hook",
      events: ["order.received", "item.low_stock"],
      description: null,
    });
    expect(response.status).toBe(200);
    const updated = {
      ...created,
      url: "https://new.example.com/hook",
      events: ["order.received", "item.low_stock"],
      description: null,
      updated_at: iso(T + HOUR),
    };
    expect(response.body).toEqual(updated);
    expect((await api.get(`/v1/webhook_endpoints/${created.id}`)).body).toEqual(updated);
    expect((await endpointRow(created.id))!.secret).toBe(secret);
    const audit = await endpointAuditRows(co.companyId);
    expect(audit.map((entry) => [entry.action, entry.changes])).toEqual([
      ["create", created],
      [
        "update",
        {
          url: { from: "https://example.com/hook", to: "https://new.example.com/hook" },
          events: { from: ["item.*"], to: ["order.received", "item.low_stock"] },
          description: { from: "Old", to: null },
        },
      ],
    ]);
  });

  it("writes nothing for a body that changes nothing", async () => {
    at(T);
    const { co, api } = await admin();
    const { secret: _, ...created } = await createEndpoint(api, { description: "Same" });
    at(T + HOUR);
    for (const body of [{}, { description: "Same" }, { status: "enabled" }, { events: ["*"] }]) {
      const response = await api.patch(`/v1/webhook_endpoints/${created.id}`, body);
      expect(response.status).toBe(200);
      expect(response.body).toEqual(created);
    }
    expect((await endpointAuditRows(co.companyId)).map((e) => e.action)).toEqual(["create"]);
  });

  it("disables by request (no reason), and re-enabling an automatically disabled endpoint clears its reason and failures", async () => {
    at(T);
    const { co, api } = await admin();
    const created = await createEndpoint(api);
    const disabled = await api.patch(`/v1/webhook_endpoints/${created.id}`, { status: "disabled" });
    expect(disabled.body).toMatchObject({ status: "disabled", disabled_reason: null });

    // As delivery does after 3 days of failures.
    await env.DB.prepare("UPDATE webhook_endpoints SET disabled_reason = ?, failing_since = ? WHERE id = ?")
      .bind("Every delivery failed for 3 days.", iso(T - 3 * 24 * HOUR), created.id)
      .run();
    expect((await api.get(`/v1/webhook_endpoints/${created.id}`)).body).toMatchObject({
      status: "disabled",
      disabled_reason: "Every delivery failed for 3 days.",
    });

    at(T + HOUR);
    const enabled = await api.patch(`/v1/webhook_endpoints/${created.id}`, { status: "enabled" });
    expect(enabled.status).toBe(200);
    expect(enabled.body).toMatchObject({ status: "enabled", disabled_reason: null, updated_at: iso(T + HOUR) });
    expect(await endpointRow(created.id)).toMatchObject({ status: "enabled", disabled_reason: null, failing_since: null });
    const audit = await endpointAuditRows(co.companyId);
    expect(audit.at(-1)!.changes).toEqual({
      status: { from: "disabled", to: "enabled" },
      disabled_reason: { from: "Every delivery failed for 3 days.", to: null },
    });
  });
});

describe("DELETE /v1/webhook_endpoints/:id", () => {
  it("deletes the endpoint and its pending deliveries, keeps the record of the others, with an audit entry", async () => {
    const { co, api } = await admin();
    const { secret: _, ...endpoint } = await createEndpoint(api);
    const other = await createEndpoint(api);
    const pending = await seedDelivery(co.companyId, endpoint.id, "pending");
    const succeeded = await seedDelivery(co.companyId, endpoint.id, "succeeded");
    const failed = await seedDelivery(co.companyId, endpoint.id, "failed");
    const othersPending = await seedDelivery(co.companyId, other.id, "pending");

    const response = await api.delete(`/v1/webhook_endpoints/${endpoint.id}`);
    expect(response.status).toBe(204);
    expect(response.body).toBeNull();
    expect((await api.get(`/v1/webhook_endpoints/${endpoint.id}`)).status).toBe(404);
    expect(ids(await api.get("/v1/webhook_endpoints"))).toEqual([other.id]);
    expect(await endpointRow(endpoint.id)).toBeNull();

    const { results } = await env.DB.prepare("SELECT id FROM webhook_deliveries WHERE company_id = ? ORDER BY id")
      .bind(co.companyId)
      .all<{ id: string }>();
    expect(results.map((r) => r.id)).toEqual([succeeded, failed, othersPending].sort());
    expect(results.map((r) => r.id)).not.toContain(pending);
    const audit = await endpointAuditRows(co.companyId);
    expect(audit.at(-1)).toMatchObject({ action: "delete", resource_id: endpoint.id, changes: endpoint });
    expect(JSON.stringify(audit)).not.toContain("whsec_");
  });
});

describe("POST /v1/webhook_endpoints/:id/roll_secret", () => {
  it("without a grace period: a new secret, the old one stops signing at once", async () => {
    at(T);
    const { co, api } = await admin();
    const created = await createEndpoint(api);
    at(T + HOUR);
    const response = await api.post(`/v1/webhook_endpoints/${created.id}/roll_secret`);
    expect(response.status).toBe(200);
    expectEndpointShape(response.body, true);
    const { secret, ...endpoint } = response.body;
    expect(secret).not.toBe(created.secret);
    const { secret: _, ...before } = created;
    expect(endpoint).toEqual({ ...before, updated_at: iso(T + HOUR) });
    expect(await endpointRow(created.id)).toMatchObject({ secret, previous_secret: null, previous_secret_expires_at: null });
    expect((await api.get(`/v1/webhook_endpoints/${created.id}`)).body).toEqual(endpoint);

    const db = createDatabase(env.DB);
    expect((await findEndpointForSigning(db, co.companyId, created.id))!.secrets).toEqual([secret]);
  });

  it("with a grace period: both secrets sign until it ends; the audit entry holds neither", async () => {
    at(T);
    const { co, api } = await admin();
    const created = await createEndpoint(api, { url: "https://a.example.com/", events: ["item.*"] });
    const rolled = await api.post(`/v1/webhook_endpoints/${created.id}/roll_secret`, { expires_in_hours: 24 });
    expect(rolled.status).toBe(200);
    const end = T + 24 * HOUR;
    expect(await endpointRow(created.id)).toMatchObject({
      secret: rolled.body.secret,
      previous_secret: created.secret,
      previous_secret_expires_at: iso(end),
    });

    const db = createDatabase(env.DB);
    const signing = {
      id: created.id,
      companyId: co.companyId,
      url: "https://a.example.com/",
      events: ["item.*"],
      status: "enabled",
    };
    expect(await findEndpointForSigning(db, co.companyId, created.id, iso(end - 1))).toEqual({
      ...signing,
      secrets: [rolled.body.secret, created.secret],
    });
    expect(await findEndpointForSigning(db, co.companyId, created.id, iso(end))).toEqual({ ...signing, secrets: [rolled.body.secret] });
    // The clock decides by default.
    at(end - 1);
    expect((await findEndpointForSigning(db, co.companyId, created.id))!.secrets).toHaveLength(2);
    at(end);
    expect((await findEndpointForSigning(db, co.companyId, created.id))!.secrets).toHaveLength(1);

    const audit = await endpointAuditRows(co.companyId);
    expect(audit.at(-1)).toMatchObject({
      action: "update",
      changes: {
        secret: { from: "[redacted]", to: "[redacted]" },
        previous_secret_expires_at: { from: null, to: iso(end) },
      },
    });
    const text = JSON.stringify(audit) + JSON.stringify((await api.get("/v1/audit_log")).body);
    expect(text).not.toContain(created.secret.slice(6));
    expect(text).not.toContain(rolled.body.secret.slice(6));
  });

  it("a second roll within the grace period keeps only the secret it replaced", async () => {
    at(T);
    const { api } = await admin();
    const created = await createEndpoint(api);
    const first = await api.post(`/v1/webhook_endpoints/${created.id}/roll_secret`, { expires_in_hours: 168 });
    at(T + HOUR);
    const second = await api.post(`/v1/webhook_endpoints/${created.id}/roll_secret`, { expires_in_hours: 1 });
    expect(second.status).toBe(200);
    expect(await endpointRow(created.id)).toMatchObject({
      secret: second.body.secret,
      previous_secret: first.body.secret,
      previous_secret_expires_at: iso(T + 2 * HOUR),
    });
  });
});

describe("the signing look-ups for delivery", () => {
  it("answer the company's enabled endpoints, oldest first, with their valid secrets; nothing of another company", async () => {
    at(T);
    const { co, api } = await admin();
    const first = await createEndpoint(api, { events: ["order.*"] });
    at(T + 1000);
    const second = await createEndpoint(api, { url: "http://127.0.0.1:9999/", events: ["*"] });
    at(T + 2000);
    const off = await createEndpoint(api);
    await api.patch(`/v1/webhook_endpoints/${off.id}`, { status: "disabled" });
    const rolled = await api.post(`/v1/webhook_endpoints/${second.id}/roll_secret`, { expires_in_hours: 2 });
    const other = await admin();
    await createEndpoint(other.api);

    const db = createDatabase(env.DB);
    expect(await enabledEndpointsForSigning(db, co.companyId)).toEqual([
      { id: first.id, companyId: co.companyId, url: first.url, events: ["order.*"], status: "enabled", secrets: [first.secret] },
      {
        id: second.id,
        companyId: co.companyId,
        url: "http://127.0.0.1:9999/",
        events: ["*"],
        status: "enabled",
        secrets: [rolled.body.secret, second.secret],
      },
    ]);
    // One endpoint, whatever its status; another company's is not found.
    expect(await findEndpointForSigning(db, co.companyId, off.id)).toMatchObject({ status: "disabled", secrets: [off.secret] });
    expect(await findEndpointForSigning(db, other.co.companyId, first.id)).toBeUndefined();
  });
});
