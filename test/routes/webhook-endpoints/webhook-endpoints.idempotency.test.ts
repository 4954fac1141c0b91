import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createCompany } from "../../helpers/factories.ts";
import { callJson } from "../../helpers/http.ts";
import { endpointRow, WEBHOOK_SECRET } from "./webhook-endpoints.helpers.ts";

async function storedResponse(companyId: string, key: string) {
  const row = await env.DB.prepare("SELECT response_body FROM idempotency_keys WHERE company_id = ? AND key = ?")
    .bind(companyId, key)
    .first<{ response_body: string }>();
  return row!.response_body;
}

// As for API keys: the stored copy of an answer never holds a secret, so a replay answers `secret: null`.
describe("webhook endpoints with an Idempotency-Key", () => {
  it("create: the replay answers the endpoint with secret null and creates no second one", async () => {
    const co = await createCompany();
    const send = () =>
      callJson("POST", "/v1/webhook_endpoints", {
        key: co.apiKey,
        body: { url: "https://example.com/hook", events: ["item.*"] },
        headers: { "Idempotency-Key": "create-hook" },
      });
    const first = await send();
    expect(first.status).toBe(201);
    expect(first.body.secret).toMatch(WEBHOOK_SECRET);
    expect(await storedResponse(co.companyId, "create-hook")).not.toContain(first.body.secret.slice(6));

    const replay = await send();
    expect(replay.status).toBe(201);
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    expect(replay.body).toEqual({ ...first.body, secret: null });
    const count = await env.DB.prepare("SELECT count(*) AS n FROM webhook_endpoints WHERE company_id = ?").bind(co.companyId).first<{ n: number }>();
    expect(count!.n).toBe(1);

    // The same key with another body is refused.
    const reused = await callJson("POST", "/v1/webhook_endpoints", {
      key: co.apiKey,
      body: { url: "https://example.com/other", events: ["*"] },
      headers: { "Idempotency-Key": "create-hook" },
    });
    expect(reused.status).toBe(422);
    expect(reused.body.error.code).toBe("idempotency_key_reused");
  });

  it("roll_secret: the replay rolls nothing and answers secret null", async () => {
    const co = await createCompany();
    const created = await callJson("POST", "/v1/webhook_endpoints", { key: co.apiKey, body: { url: "https://example.com/hook", events: ["*"] } });
    const send = () =>
      callJson("POST", `/v1/webhook_endpoints/${created.body.id}/roll_secret`, {
        key: co.apiKey,
        body: { expires_in_hours: 2 },
        headers: { "Idempotency-Key": "roll-hook" },
      });
    const first = await send();
    expect(first.status).toBe(200);
    expect(first.body.secret).toMatch(WEBHOOK_SECRET);
    const replay = await send();
    expect(replay.status).toBe(200);
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    expect(replay.body).toEqual({ ...first.body, secret: null });
    expect(await endpointRow(created.body.id)).toMatchObject({ secret: first.body.secret, previous_secret: created.body.secret });
  });

  it("a refused create (the plan's limit) is stored: its retry answers the same 409", async () => {
    const co = await createCompany("starter");
    const post = (key?: string) =>
      callJson("POST", "/v1/webhook_endpoints", {
        key: co.apiKey,
        body: { url: "https://example.com/hook", events: ["*"] },
        headers: key ? { "Idempotency-Key": key } : {},
      });
    expect((await post()).status).toBe(201);
    const refused = await post("over-limit");
    expect(refused.status).toBe(409);
    const retry = await post("over-limit");
    expect(retry.status).toBe(409);
    expect(retry.headers.get("Idempotent-Replayed")).toBe("true");
    expect(retry.body).toEqual(refused.body);
  });
});
