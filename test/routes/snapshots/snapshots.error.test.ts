import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { newId } from "../../../src/lib/ids.ts";
import { createCompany, type TestCompany } from "../../helpers/factories.ts";
import { callJson, client, expectApiError } from "../../helpers/http.ts";
import { createItem } from "../../helpers/items.ts";
import { MISSING_SNAPSHOT, rowCounts, takeSnapshot } from "../../helpers/snapshots.ts";

// Requests the snapshot routes refuse, and snapshots that cannot be downloaded or restored.

async function setup() {
  const company = await createCompany("enterprise");
  return { company, api: client(company.apiKey) };
}

/** A snapshot row in `status` (as a crashed or still running snapshot leaves it), without a blob. */
async function unfinishedSnapshot(co: TestCompany, status: "pending" | "failed"): Promise<string> {
  const id = newId("snap");
  const now = new Date().toISOString();
  await env.DB.prepare(
    `INSERT INTO snapshots (id, company_id, type, status, blob_key, error, created_at, completed_at, expires_at)
     VALUES (?, ?, 'manual', ?, ?, ?, ?, ?, ?)`,
  )
    .bind(id, co.companyId, status, `${co.companyId}/${id}.ndjson.gz`, status === "failed" ? "boom" : null, now, status === "failed" ? now : null, now)
    .run();
  return id;
}

describe("POST /v1/snapshots validation", () => {
  it.each([
    ["an unknown field", { note: "x", type: "automatic" }, "type"],
    ["a note of 501 characters", { note: "n".repeat(501) }, "note"],
    ["a numeric note", { note: 5 }, "note"],
  ])("rejects %s with 400 invalid_request naming the field", async (_, body, field) => {
    const { company, api } = await setup();
    expectApiError(await api.post("/v1/snapshots", body), 400, "invalid_request", field);
    expect((await rowCounts(company.companyId)).snapshots).toBe(0);
  });

  it("rejects malformed JSON (400) and a body not sent as JSON (415)", async () => {
    const { company } = await setup();
    const malformed = await callJson("POST", "/v1/snapshots", { key: company.apiKey, body: "{\"note\": " });
    expectApiError(malformed, 400, "invalid_json");
    const plain = await callJson("POST", "/v1/snapshots", {
      key: company.apiKey,
      body: "note=hello",
      headers: { "Content-Type": "text/plain" },
    });
    expectApiError(plain, 415, "unsupported_media_type");
    expect((await rowCounts(company.companyId)).snapshots).toBe(0);
  });

  it("a note of exactly 500 characters is fine", async () => {
    const { api } = await setup();
    expect((await takeSnapshot(api, "n".repeat(500))).note).toHaveLength(500);
  });
});

describe("lists and missing snapshots", () => {
  it.each([
    ["limit=0", "limit"],
    ["limit=101", "limit"],
    ["offset=-1", "offset"],
    ["sort=id", "sort"],
  ])("GET /v1/snapshots?%s is 400 invalid_request", async (query, field) => {
    const { api } = await setup();
    expectApiError(await api.get(`/v1/snapshots?${query}`), 400, "invalid_request", field);
  });

  it("a missing snapshot or restore is 404 on every route", async () => {
    const { api } = await setup();
    const snapshot = await takeSnapshot(api);
    for (const response of [
      await api.get(`/v1/snapshots/${MISSING_SNAPSHOT}`),
      await api.get(`/v1/snapshots/${MISSING_SNAPSHOT}/download`),
      await api.delete(`/v1/snapshots/${MISSING_SNAPSHOT}`),
      await api.post(`/v1/snapshots/${MISSING_SNAPSHOT}/restore`),
    ]) {
      expectApiError(response, 404, "not_found", "id");
    }
    const missingRestore = await api.get(`/v1/snapshots/${snapshot.id}/restores/rst_Zz9Zz9Zz9Zz9Zz9Zz9Zz9Zz9`);
    expectApiError(missingRestore, 404, "not_found", "restore_id");
  });

  it("a known path with the wrong method is 405 with Allow", async () => {
    const { api } = await setup();
    const snapshot = await takeSnapshot(api);
    const response = await api.patch(`/v1/snapshots/${snapshot.id}`, { note: "edited" });
    expectApiError(response, 405, "method_not_allowed");
    expect(response.headers.get("Allow")).toContain("GET");
    expect(response.headers.get("Allow")).toContain("DELETE");
  });
});

describe("snapshots that are not complete", () => {
  it.each(["pending", "failed"] as const)("a %s snapshot cannot be downloaded or restored (409 invalid_state)", async (status) => {
    const { company, api } = await setup();
    await createItem(api);
    const id = await unfinishedSnapshot(company, status);
    const counts = await rowCounts(company.companyId);

    for (const response of [
      await api.get(`/v1/snapshots/${id}/download`),
      await api.post(`/v1/snapshots/${id}/restore`),
      await api.post(`/v1/snapshots/${id}/restore?dry_run=true`),
    ]) {
      expectApiError(response, 409, "invalid_state");
      expect(response.body.error.message).toContain(status);
    }
    // Nothing was counted or taken: no restore row, no pre_restore snapshot.
    expect(await rowCounts(company.companyId)).toEqual(counts);
    // It is listed as it is, and can be deleted.
    expect((await api.get(`/v1/snapshots/${id}`)).body).toMatchObject({ id, status, sha256: null, item_count: null });
    expect((await api.delete(`/v1/snapshots/${id}`)).status).toBe(204);
  });
});
