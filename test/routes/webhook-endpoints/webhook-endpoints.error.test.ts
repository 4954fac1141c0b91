import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createCompany } from "../../helpers/factories.ts";
import { client, expectApiError } from "../../helpers/http.ts";
import { createEndpoint, endpointAuditRows, endpointRow, liveRequest } from "./webhook-endpoints.helpers.ts";

async function admin(plan: "starter" | "professional" | "enterprise" = "enterprise") {
  const co = await createCompany(plan);
  return { co, api: client(co.apiKey) };
}

async function endpointCount(companyId: string): Promise<number> {
  const row = await env.DB.prepare("SELECT count(*) AS n FROM webhook_endpoints WHERE company_id = ?").bind(companyId).first<{ n: number }>();
  return row!.n;
}

const valid = { url: "https://example.com/hook", events: ["*"] };

describe("validation of POST /v1/webhook_endpoints names the field", () => {
  it.each([
    ["url", { events: ["*"] }],
    ["url", { ...valid, url: "" }],
    ["url", { ...valid, url: 7 }],
    ["url", { ...valid, url: null }],
    ["url", { ...valid, url: `https://example.com/${"a".repeat(2030)}` }],
    ["url", { ...valid, url: "https://example.com/\u0000" }],
    ["url", { ...valid, url: "not a url" }],
    ["events", { url: valid.url }],
    ["events", { ...valid, events: [] }],
    ["events", { ...valid, events: "*" }],
    ["events", { ...valid, events: null }],
    ["events[0]", { ...valid, events: ["item.exploded"] }],
    ["events[1]", { ...valid, events: ["item.created", "items.*"] }],
    ["events[1]", { ...valid, events: ["item.created", 5] }],
    ["events[0]", { ...valid, events: ["ITEM.CREATED"] }],
    ["events[0]", { ...valid, events: ["item.*.*"] }],
    ["events[0]", { ...valid, events: ["**"] }],
    ["events[2]", { ...valid, events: ["item.created", "order.*", "item.created"] }],
    ["events[1]", { ...valid, events: ["*", "*"] }],
    ["description", { ...valid, description: "x".repeat(501) }],
    ["description", { ...valid, description: "line\nbreak" }],
    ["description", { ...valid, description: "a\uD800b" }],
    ["description", { ...valid, description: 5 }],
    ["status", { ...valid, status: "disabled" }],
    ["secret", { ...valid, secret: "whsec_chosen" }],
    ["id", { ...valid, id: "we_mine" }],
    ["company_id", { ...valid, company_id: "co_other" }],
  ])("%s: %j", async (field, body) => {
    const { co, api } = await admin();
    expectApiError(await api.post("/v1/webhook_endpoints", body), 400, "invalid_request", field);
    expect(await endpointCount(co.companyId)).toBe(0);
  });

  it("names the repeated pattern", async () => {
    const { api } = await admin();
    const response = await api.post("/v1/webhook_endpoints", { ...valid, events: ["order.*", "order.*"] });
    expectApiError(response, 400, "invalid_request", "events[1]");
    expect(response.body.error.message).toBe("The 'events[1]' field must not repeat 'order.*'.");
  });

  it("takes a description of exactly 500 characters", async () => {
    const { api } = await admin();
    expect((await createEndpoint(api, { description: "é".repeat(500) })).description).toHaveLength(500);
  });
});

// What live keys (the deployed Worker) refuse: every rule, through the API.
const LIVE_REFUSED = [
  "http://example.com/hook",
  "ftp://example.com/hook",
  "file:///etc/passwd",
  "javascript:alert(1)",
  "https://user:pass@example.com/hook",
  "https://user@example.com/hook",
  "https://localhost/hook",
  "https://localhost:8443/hook",
  "https://api.localhost/hook",
  "https://intranet/hook",
  "https://printer.local/hook",
  "https://metadata.google.internal/computeMetadata/v1/",
  "https://127.0.0.1/hook",
  "https://127.255.255.254/hook",
  "https://2130706433/hook",
  "https://0x7f.1/hook",
  "https://0177.0.0.1/hook",
  "https://10.1.2.3/hook",
  "https://172.16.0.1/hook",
  "https://172.31.0.1/hook",
  "https://192.168.0.1/hook",
  "https://100.64.0.1/hook",
  "https://169.254.169.254/latest/meta-data/",
  "https://0.0.0.0/hook",
  "https://[::]/hook",
  "https://[::1]/hook",
  "https://[fc00::1]/hook",
  "https://[fd00::1]/hook",
  "https://[fe80::1]/hook",
  "https://[::ffff:127.0.0.1]/hook",
  "https://[::ffff:10.0.0.1]/hook",
  "https://[::ffff:169.254.169.254]/hook",
];

describe("URL rules with live keys", () => {
  it.each(LIVE_REFUSED)("refuses %s: 400 invalid_request naming url, and creates nothing", async (url) => {
    const { co } = await admin();
    const response = await liveRequest("POST", "/v1/webhook_endpoints", co.apiKey, { url, events: ["*"] });
    expectApiError(response, 400, "invalid_request", "url");
    expect(response.body.error.message).toMatch(/^The 'url' field must/);
    expect(await endpointCount(co.companyId)).toBe(0);
  });

  it("refuses the same URLs on PATCH, and the endpoint keeps its URL", async () => {
    const { co, api } = await admin();
    const created = await createEndpoint(api);
    for (const url of ["http://example.com/", "https://127.0.0.1/", "https://[::ffff:7f00:1]/", "https://10.0.0.1/"]) {
      const response = await liveRequest("PATCH", `/v1/webhook_endpoints/${created.id}`, co.apiKey, { url });
      expectApiError(response, 400, "invalid_request", "url");
    }
    expect((await endpointRow(created.id))!.url).toBe(created.url);
    expect((await endpointAuditRows(co.companyId)).map((e) => e.action)).toEqual(["create"]);
  });
});

describe("URL rules with test keys", () => {
  it.each([
    "ftp://example.com/hook",
    "https://user:pass@127.0.0.1/hook",
    "http://10.0.0.1/hook",
    "http://192.168.1.20:3000/hook",
    "http://169.254.169.254/",
    "http://[fe80::1]/",
    "http://0.0.0.0:8787/",
    "http://intranet:8787/",
  ])("still refuses %s: only loopback is the local exception", async (url) => {
    const { co, api } = await admin();
    expectApiError(await api.post("/v1/webhook_endpoints", { url, events: ["*"] }), 400, "invalid_request", "url");
    expect(await endpointCount(co.companyId)).toBe(0);
  });
});

describe("the plan's limit of endpoints", () => {
  it("starter: one endpoint; a second is 409 invalid_state until the first is deleted", async () => {
    const { co, api } = await admin("starter");
    const first = await createEndpoint(api);
    const refused = await api.post("/v1/webhook_endpoints", valid);
    expectApiError(refused, 409, "invalid_state");
    expect(refused.body.error.message).toBe("Your company already has 1 webhook endpoint, the most its plan allows. Delete one first.");
    // A disabled endpoint still counts.
    await api.patch(`/v1/webhook_endpoints/${first.id}`, { status: "disabled" });
    expectApiError(await api.post("/v1/webhook_endpoints", valid), 409, "invalid_state");
    expect(await endpointCount(co.companyId)).toBe(1);
    expect((await endpointAuditRows(co.companyId)).filter((e) => e.action === "create")).toHaveLength(1);

    expect((await api.delete(`/v1/webhook_endpoints/${first.id}`)).status).toBe(204);
    await createEndpoint(api);
  });

  it("professional: ten endpoints", async () => {
    const { co, api } = await admin("professional");
    for (let i = 0; i < 10; i++) await createEndpoint(api, { description: `#${i}` });
    const refused = await api.post("/v1/webhook_endpoints", valid);
    expectApiError(refused, 409, "invalid_state");
    expect(refused.body.error.message).toContain("10 webhook endpoints");
    expect(await endpointCount(co.companyId)).toBe(10);
  });

  it("counts per company: another company's endpoints do not count", async () => {
    const a = await admin("starter");
    const b = await admin("starter");
    await createEndpoint(a.api);
    await createEndpoint(b.api);
  });
});

describe("PATCH /v1/webhook_endpoints/:id errors", () => {
  it.each([
    ["url", { url: "" }],
    ["url", { url: null }],
    ["events", { events: [] }],
    ["events", { events: null }],
    ["events[0]", { events: ["nope"] }],
    ["events[1]", { events: ["item.created", "item.created"] }],
    ["description", { description: "x".repeat(501) }],
    ["status", { status: "paused" }],
    ["status", { status: null }],
    ["disabled_reason", { disabled_reason: "mine" }],
    ["secret", { secret: "whsec_x" }],
    ["created_at", { created_at: "2020-01-01T00:00:00Z" }],
  ])("%s: %j — 400, and nothing changes", async (field, body) => {
    const { co, api } = await admin();
    const created = await createEndpoint(api);
    const before = await endpointRow(created.id);
    expectApiError(await api.patch(`/v1/webhook_endpoints/${created.id}`, body), 400, "invalid_request", field);
    expect(await endpointRow(created.id)).toEqual(before);
    expect((await endpointAuditRows(co.companyId)).map((e) => e.action)).toEqual(["create"]);
  });

  it("an unknown endpoint is 404 naming id, on every route", async () => {
    const { api } = await admin();
    const id = "we_Zz9Zz9Zz9Zz9Zz9Zz9Zz9Zz9";
    expectApiError(await api.get(`/v1/webhook_endpoints/${id}`), 404, "not_found", "id");
    expectApiError(await api.patch(`/v1/webhook_endpoints/${id}`, { description: "x" }), 404, "not_found", "id");
    expectApiError(await api.delete(`/v1/webhook_endpoints/${id}`), 404, "not_found", "id");
    expectApiError(await api.post(`/v1/webhook_endpoints/${id}/roll_secret`), 404, "not_found", "id");
  });

  it("a deleted endpoint is 404 afterwards, and a second delete too", async () => {
    const { api } = await admin();
    const created = await createEndpoint(api);
    expect((await api.delete(`/v1/webhook_endpoints/${created.id}`)).status).toBe(204);
    expectApiError(await api.delete(`/v1/webhook_endpoints/${created.id}`), 404, "not_found", "id");
    expectApiError(await api.patch(`/v1/webhook_endpoints/${created.id}`, { status: "enabled" }), 404, "not_found", "id");
  });
});

describe("roll_secret errors", () => {
  it.each([[-1], [169], [1.5], ["24"], [null]])("expires_in_hours %j: 400, and the secret stays", async (hours) => {
    const { api } = await admin();
    const created = await createEndpoint(api);
    const response = await api.post(`/v1/webhook_endpoints/${created.id}/roll_secret`, { expires_in_hours: hours });
    expectApiError(response, 400, "invalid_request", "expires_in_hours");
    expect((await endpointRow(created.id))!.secret).toBe(created.secret);
  });

  it("an unknown field is 400 naming it", async () => {
    const { api } = await admin();
    const created = await createEndpoint(api);
    expectApiError(await api.post(`/v1/webhook_endpoints/${created.id}/roll_secret`, { secret: "whsec_x" }), 400, "invalid_request", "secret");
  });
});

describe("GET /v1/webhook_endpoints errors", () => {
  it.each([
    ["limit", "limit=0"],
    ["limit", "limit=101"],
    ["offset", "offset=-1"],
    ["starting_after", "offset=1&starting_after=we_x"],
    ["starting_after", "starting_after=we_Zz9Zz9Zz9Zz9Zz9Zz9Zz9Zz9"],
    ["ending_before", "ending_before=key_Zz9Zz9Zz9Zz9Zz9Zz9Zz9Zz9"],
    ["status", "status=enabled"],
  ])("%s: ?%s", async (field, query) => {
    const { api } = await admin();
    await createEndpoint(api);
    expectApiError(await api.get(`/v1/webhook_endpoints?${query}`), 400, "invalid_request", field);
  });

  it("another company's endpoint is no cursor", async () => {
    const { api } = await admin();
    const other = await admin();
    const theirs = await createEndpoint(other.api);
    expectApiError(await api.get(`/v1/webhook_endpoints?starting_after=${theirs.id}`), 400, "invalid_request", "starting_after");
  });
});
