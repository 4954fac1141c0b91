// Imports belong to one company: another company's import id is a 404 on every route, its file and
// its errors cannot be read, and read-only keys cannot import (nothing is even stored).
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createCompany, createKey } from "../../helpers/factories.ts";
import { call, client, expectApiError } from "../../helpers/http.ts";
import { getCsv, postCsv, storedKeys } from "../../helpers/imports.ts";
import { liveItems } from "../../helpers/snapshots.ts";

describe("imports across companies", () => {
  it("another company's import id is 404 on GET and on its errors, and is left out of lists", async () => {
    const ours = await createCompany();
    const theirs = await createCompany();
    const imported = await postCsv(theirs.apiKey, "sku,name,quantity\nT-1,Theirs,1\nT-2,,x\n", "on_error=skip");
    expect(imported.body.errors_count).toBe(2);
    expectApiError(await client(ours.apiKey).get(`/v1/imports/${imported.body.id}`), 404, "not_found", "id");
    const errors = await call("GET", `/v1/imports/${imported.body.id}/errors`, { key: ours.apiKey });
    expect(errors.status).toBe(404);
    expect(await errors.json()).toMatchObject({ error: { code: "not_found" } });
    expect((await client(ours.apiKey).get("/v1/imports")).body).toEqual({
      data: [],
      pagination: { total: 0, limit: 50, offset: 0, has_more: false },
    });
    expectApiError(await client(ours.apiKey).get(`/v1/imports?starting_after=${imported.body.id}`), 400, "invalid_request", "starting_after");
    // Their errors are stored under their company's prefix (the file itself is deleted once the
    // import is over), and only their errors route reads them.
    expect(await storedKeys(`imports/${theirs.companyId}/`)).toEqual([`imports/${theirs.companyId}/${imported.body.id}.errors.csv`]);
    expect(await storedKeys(`imports/${ours.companyId}/`)).toEqual([]);
    expect((await getCsv(theirs.apiKey, `/v1/imports/${imported.body.id}/errors`)).text.split("\r\n")[1]).toMatch(/^3,name,/);
    expect(await liveItems(ours.companyId)).toEqual([]);
  });

  it("an import matches SKUs of its own company only", async () => {
    const ours = await createCompany();
    const theirs = await createCompany();
    await client(theirs.apiKey).post("/v1/items", { sku: "SAME-1", name: "Theirs", quantity: 9 });
    const res = await postCsv(ours.apiKey, "sku,name,quantity\nSAME-1,Ours,1\n");
    expect(res.body).toMatchObject({ status: "complete", items_created: 1, items_updated: 0 });
    expect((await liveItems(theirs.companyId)).map((i) => [i.name, i.quantity])).toEqual([["Theirs", 9]]);
  });
});

describe("roles", () => {
  it("a read_only key may list and read imports but not make one, and nothing is stored", async () => {
    const co = await createCompany();
    const readOnly = await createKey(co, { role: "read_only" });
    expectApiError(await postCsv(readOnly, "sku,name\nR-1,Read\n"), 403, "permission_denied");
    expect(await storedKeys(`imports/${co.companyId}/`)).toEqual([]);
    const made = await postCsv(co.apiKey, "sku,name\nR-1,Read\n");
    expect((await client(readOnly).get(`/v1/imports/${made.body.id}`)).body).toEqual(made.body);
    expect((await client(readOnly).get("/v1/imports")).body.data).toEqual([made.body]);
  });

  it("a member key may import", async () => {
    const co = await createCompany();
    const member = await createKey(co, { role: "member" });
    expect((await postCsv(member, "sku,name\nM-1,Member\n")).body.status).toBe("complete");
  });

  it("401 without a key, and nothing is stored", async () => {
    const co = await createCompany();
    const response = await call("POST", "/v1/imports", { headers: { "Content-Type": "text/csv" }, body: "sku\n" });
    expect(response.status).toBe(401);
    expect(await storedKeys(`imports/${co.companyId}/`)).toEqual([]);
    expect((await env.SNAPSHOTS.list({ prefix: "imports/" })).objects.every((o) => !o.key.includes("undefined"))).toBe(true);
  });
});

describe("Idempotency-Key on POST /v1/imports", () => {
  it("a retry with the same file gets the stored answer and imports nothing again", async () => {
    const co = await createCompany();
    const csv = "sku,name,quantity\nI-1,Once,3\n";
    const first = await postCsv(co.apiKey, csv, "", { "Idempotency-Key": "import-1" });
    const again = await postCsv(co.apiKey, csv, "", { "Idempotency-Key": "import-1" });
    expect(again.status).toBe(first.status);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
    expect((await client(co.apiKey).get("/v1/imports")).body.pagination.total).toBe(1);
    expect((await liveItems(co.companyId)).map((i) => i.quantity)).toEqual([3]);
    // Neither upload was kept: the replay's was never used, the first one's import is over.
    expect(await storedKeys(`imports/${co.companyId}/`)).toEqual([]);
  });

  it("the same key with another file is 422, with other query parameters too", async () => {
    const co = await createCompany();
    await postCsv(co.apiKey, "sku,name\nI-2,A\n", "", { "Idempotency-Key": "import-2" });
    expectApiError(await postCsv(co.apiKey, "sku,name\nI-2,B\n", "", { "Idempotency-Key": "import-2" }), 422, "idempotency_key_reused", "Idempotency-Key");
    expectApiError(await postCsv(co.apiKey, "sku,name\nI-2,A\n", "dry_run=true", { "Idempotency-Key": "import-2" }), 422, "idempotency_key_reused", "Idempotency-Key");
  });
});
