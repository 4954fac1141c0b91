import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createCompany } from "../../helpers/factories.ts";
import { client, expectApiError } from "../../helpers/http.ts";
import { createEndpoint, endpointAuditRows, endpointRow } from "./webhook-endpoints.helpers.ts";

async function endpointCount(companyId: string): Promise<number> {
  const row = await env.DB.prepare("SELECT count(*) AS n FROM webhook_endpoints WHERE company_id = ?").bind(companyId).first<{ n: number }>();
  return row!.n;
}

const body = { url: "https://example.com/hook", events: ["*"] };

describe("concurrent creates never pass the plan's limit", () => {
  it("starter (1): of 10 concurrent creates exactly one succeeds, the others are 409 invalid_state", async () => {
    const co = await createCompany("starter");
    const api = client(co.apiKey);
    const answers = await Promise.all(Array.from({ length: 10 }, () => api.post("/v1/webhook_endpoints", body)));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    for (const answer of answers.filter((a) => a.status !== 201)) expectApiError(answer, 409, "invalid_state");
    expect(await endpointCount(co.companyId)).toBe(1);
    // Only the created one has an entry.
    const created = answers.find((a) => a.status === 201)!.body;
    expect((await endpointAuditRows(co.companyId)).map((e) => [e.action, e.resource_id])).toEqual([["create", created.id]]);
  });

  it("professional (10): with 7 made, of 12 concurrent creates exactly 3 succeed", async () => {
    const co = await createCompany("professional");
    const api = client(co.apiKey);
    for (let i = 0; i < 7; i++) await createEndpoint(api);
    const answers = await Promise.all(Array.from({ length: 12 }, () => api.post("/v1/webhook_endpoints", body)));
    expect(answers.map((a) => a.status).sort()).toEqual([...Array(3).fill(201), ...Array(9).fill(409)]);
    expect(await endpointCount(co.companyId)).toBe(10);
    expect((await endpointAuditRows(co.companyId)).filter((e) => e.action === "create")).toHaveLength(10);
  });
});

describe("concurrent changes of one endpoint", () => {
  it("10 concurrent PATCHes all apply, and their audit entries chain from one state to the next", async () => {
    const co = await createCompany();
    const api = client(co.apiKey);
    const created = await createEndpoint(api, { description: "start" });
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => api.patch(`/v1/webhook_endpoints/${created.id}`, { description: `d${i}` })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    const updates = (await endpointAuditRows(co.companyId)).filter((e) => e.action === "update");
    expect(updates).toHaveLength(10);
    let current = "start";
    for (const entry of updates) {
      expect(entry.changes.description.from).toBe(current);
      current = entry.changes.description.to;
    }
    expect((await endpointRow(created.id))!.description).toBe(current);
  });

  it("of 5 concurrent DELETEs one answers 204, the others 404, with one audit entry", async () => {
    const co = await createCompany();
    const api = client(co.apiKey);
    const created = await createEndpoint(api);
    const answers = await Promise.all(Array.from({ length: 5 }, () => api.delete(`/v1/webhook_endpoints/${created.id}`)));
    expect(answers.map((a) => a.status).sort()).toEqual([204, 404, 404, 404, 404]);
    for (const answer of answers.filter((a) => a.status === 404)) expectApiError(answer, 404, "not_found", "id");
    expect((await endpointAuditRows(co.companyId)).filter((e) => e.action === "delete")).toHaveLength(1);
  });

  it("concurrent rolls each answer a secret that was current in turn; the last one signs", async () => {
    const co = await createCompany();
    const api = client(co.apiKey);
    const created = await createEndpoint(api);
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => api.post(`/v1/webhook_endpoints/${created.id}/roll_secret`, { expires_in_hours: 1 })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(5).fill(200));
    const secrets = answers.map((a) => a.body.secret as string);
    expect(new Set(secrets).size).toBe(5);
    const row = (await endpointRow(created.id))!;
    expect(secrets).toContain(row.secret);
    // The previous secret is the one the last roll replaced: another answered secret.
    expect(secrets).toContain(row.previous_secret);
    expect((await endpointAuditRows(co.companyId)).filter((e) => e.action === "update")).toHaveLength(5);
  });
});
