import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createCompany } from "../../helpers/factories.ts";
import { callJson } from "../../helpers/http.ts";

describe("POST /v1/api_keys with an Idempotency-Key", () => {
  it("stores no plaintext secret: the replay answers secret null and creates no second key", async () => {
    const co = await createCompany("enterprise");
    const send = () =>
      callJson("POST", "/v1/api_keys", {
        key: co.apiKey,
        body: { name: "CI key", role: "read_only" },
        headers: { "Idempotency-Key": "create-ci-key" },
      });
    const first = await send();
    expect(first.status).toBe(201);
    expect(first.body.secret).toMatch(/^sk_test_[0-9A-Za-z]{38}$/);

    const stored = await env.DB.prepare("SELECT response_body FROM idempotency_keys WHERE company_id = ? AND key = ?")
      .bind(co.companyId, "create-ci-key")
      .first<{ response_body: string }>();
    expect(stored!.response_body).not.toContain(first.body.secret);

    const replay = await send();
    expect(replay.status).toBe(201);
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    expect(replay.body).toEqual({ ...first.body, secret: null });
    const keys = await env.DB.prepare("SELECT count(*) AS n FROM api_keys WHERE company_id = ?")
      .bind(co.companyId)
      .first<{ n: number }>();
    expect(keys!.n).toBe(2);
  });
});
