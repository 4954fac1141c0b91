import { describe, expect, it } from "vitest";
import { createCompany, createKey, type TestCompany } from "../../helpers/factories.ts";
import { client, expectApiError } from "../../helpers/http.ts";
import { runCommonRouteTests, type Fixture } from "../../helpers/security.ts";
import { createEndpoint, endpointRow, expectEndpointShape, type WebhookEndpoint } from "./webhook-endpoints.helpers.ts";

type EndpointFixture = Fixture & { object: WebhookEndpoint; secret: string };

async function targetEndpoint(company: TestCompany): Promise<EndpointFixture> {
  const { secret, ...endpoint } = await createEndpoint(client(company.apiKey), { events: ["item.*"], description: "Target" });
  return { id: endpoint.id, object: endpoint, secret };
}

// Webhook endpoints are for admin keys only, reads included: member and read_only keys get 403.
runCommonRouteTests<EndpointFixture>({
  name: "webhook_endpoints",
  adminOnly: true,
  missingId: "we_Zz9Zz9Zz9Zz9Zz9Zz9Zz9Zz9",
  create: targetEndpoint,
  // Its secret and settings are as they were.
  expectIntact: async (endpoint) =>
    expect(await endpointRow(endpoint.id)).toMatchObject({ secret: endpoint.secret, url: endpoint.object.url, status: "enabled" }),
  routes: [
    { method: "GET", path: "/v1/webhook_endpoints", status: 200 },
    {
      method: "POST",
      path: "/v1/webhook_endpoints",
      body: () => ({ url: "https://example.com/other", events: ["*"] }),
      status: 201,
      expectSuccess: (answer) => expectEndpointShape(answer.body, true),
    },
    { method: "GET", path: "/v1/webhook_endpoints/:id", status: 200 },
    {
      method: "PATCH",
      path: "/v1/webhook_endpoints/:id",
      body: () => ({ description: "Changed" }),
      status: 200,
      expectSuccess: (answer) => {
        expectEndpointShape(answer.body, false);
        expect(answer.body.description).toBe("Changed");
      },
    },
    {
      method: "DELETE",
      path: "/v1/webhook_endpoints/:id",
      status: 204,
      expectSuccess: async (_, endpoint) => expect(await endpointRow(endpoint.id)).toBeNull(),
    },
    {
      method: "POST",
      path: "/v1/webhook_endpoints/:id/roll_secret",
      body: () => ({ expires_in_hours: 1 }),
      status: 200,
      expectSuccess: (answer, endpoint) => {
        expectEndpointShape(answer.body, true);
        expect(answer.body.secret).not.toBe(endpoint.secret);
      },
    },
  ],
});

describe("webhook endpoint secrets", () => {
  it("are in no answer but create's and roll's: GET, list, PATCH and the audit log never show them", async () => {
    const co = await createCompany();
    const api = client(co.apiKey);
    const created = await createEndpoint(api);
    const rolled = await api.post(`/v1/webhook_endpoints/${created.id}/roll_secret`, { expires_in_hours: 5 });
    const answers = [
      await api.get(`/v1/webhook_endpoints/${created.id}`),
      await api.get("/v1/webhook_endpoints"),
      await api.patch(`/v1/webhook_endpoints/${created.id}`, { description: "After roll" }),
      await api.get("/v1/audit_log"),
    ];
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      const text = JSON.stringify(answer.body);
      for (const secret of [created.secret, rolled.body.secret]) expect(text).not.toContain(secret.slice("whsec_".length));
      expect(text).not.toContain("whsec_");
      expect(text).not.toContain("previous_secret\"");
    }
  });

  it("entries about webhook endpoints are left out of other roles' audit log", async () => {
    const co = await createCompany();
    const created = await createEndpoint(client(co.apiKey));
    const member = client(await createKey(co, { role: "member" }));
    const log = await member.get("/v1/audit_log");
    expect(log.status).toBe(200);
    expect(JSON.stringify(log.body)).not.toContain(created.id);
    expectApiError(await member.get(`/v1/webhook_endpoints/${created.id}`), 403, "permission_denied");
  });
});
