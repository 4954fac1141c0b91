import { describe, expect, it } from "vitest";
import { createCompany } from "../../helpers/factories.ts";
import { client, expectApiError } from "../../helpers/http.ts";
import { ids } from "../../helpers/items.ts";
import { auditRows, createUser, expectUserShape, uniqueEmail } from "../../helpers/keys.ts";

async function admin() {
  const co = await createCompany();
  return { co, api: client(co.apiKey) };
}

describe("POST /v1/users", () => {
  it("creates a user and answers it with 201", async () => {
    const { api } = await admin();
    const email = uniqueEmail("ada");
    const created = await api.post("/v1/users", { name: "Ada Lovelace", email, role: "member" });
    expect(created.status).toBe(201);
    const { invitation_url, invitation_expires_at, ...user } = created.body;
    expectUserShape(user);
    expect(user).toMatchObject({ name: "Ada Lovelace", email, role: "member" });
    expect(user.updated_at).toBe(user.created_at);
    expect(invitation_url).toMatch(/^https:\/\/api\.test\/dashboard\/set-password\/[0-9A-Za-z]{43}$/);
    expect(Date.parse(invitation_expires_at) - Date.parse(user.created_at)).toBe(7 * 24 * 3600 * 1000);

    const fetched = await api.get(`/v1/users/${user.id}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body).toEqual(user);
  });

  it("writes a create audit entry with the user object", async () => {
    const { co, api } = await admin();
    const user = await createUser(api, { name: "Grace Hopper", role: "read_only" });
    const rows = await auditRows(user.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      action: "create",
      resource_type: "user",
      resource_id: user.id,
      company_id: co.companyId,
      user_id: co.userId,
      api_key_id: co.apiKeyId,
      item_id: null,
      created_at: user.created_at,
    });
    expect(rows[0]!.changes).toEqual(user);

    const log = await api.get(`/v1/audit_log?user_id=${co.userId}`);
    expect(log.status).toBe(200);
    expect(log.body.data).toContainEqual(
      expect.objectContaining({ action: "create", resource_type: "user", resource_id: user.id, changes: user }),
    );
  });

  it("keeps the email as sent but refuses the same email in another case with 409", async () => {
    const { api } = await admin();
    const user = await createUser(api, { email: "Mixed.Case@Example.com" });
    expect(user.email).toBe("Mixed.Case@Example.com");

    for (const email of ["Mixed.Case@Example.com", "mixed.case@example.com", "MIXED.CASE@EXAMPLE.COM"]) {
      const again = await api.post("/v1/users", { name: "Copy", email, role: "member" });
      expectApiError(again, 409, "invalid_state", "email");
      expect(again.body.error.message).toContain("email");
    }
    const list = await api.get("/v1/users");
    expect(list.body.data.filter((u: any) => u.email.toLowerCase() === "mixed.case@example.com")).toHaveLength(1);
    expect(await auditRows(user.id)).toHaveLength(1);
  });

  it("lets only one of concurrent requests with the same email (in different cases) through", async () => {
    const { api } = await admin();
    const emails = ["race@example.com", "Race@example.com", "RACE@example.com", "race@EXAMPLE.com", "rAce@example.com"];
    const results = await Promise.all(emails.map((email) => api.post("/v1/users", { name: "Racer", email, role: "member" })));
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409]);
    for (const conflict of results.filter((r) => r.status === 409)) expectApiError(conflict, 409, "invalid_state", "email");
    const list = await api.get("/v1/users");
    expect(list.body.data.filter((u: any) => u.email.toLowerCase() === "race@example.com")).toHaveLength(1);
  });

  it("allows the same email in another company", async () => {
    const { api } = await admin();
    const { api: otherApi } = await admin();
    const email = uniqueEmail("shared");
    await createUser(api, { email });
    const other = await createUser(otherApi, { email });
    expect(other.email).toBe(email);
  });
});

describe("GET /v1/users", () => {
  it("lists the company's users newest first, with pagination", async () => {
    const { co, api } = await admin();
    const a = await createUser(api, { name: "A" });
    const b = await createUser(api, { name: "B" });
    const c = await createUser(api, { name: "C" });

    const all = await api.get("/v1/users");
    expect(all.status).toBe(200);
    for (const user of all.body.data) expectUserShape(user);
    expect(all.body.pagination).toEqual({ total: 4, limit: 50, offset: 0, has_more: false });
    // The provisioned admin is the oldest.
    expect(ids(all).at(-1)).toBe(co.userId);
    expect(new Set(ids(all).slice(0, 3))).toEqual(new Set([a.id, b.id, c.id]));
    const createdAt = all.body.data.map((u: any) => u.created_at);
    expect([...createdAt].sort().reverse()).toEqual(createdAt);

    const page = await api.get("/v1/users?limit=2&offset=1");
    expect(page.status).toBe(200);
    expect(ids(page)).toEqual(ids(all).slice(1, 3));
    expect(page.body.pagination).toEqual({ total: 4, limit: 2, offset: 1, has_more: true });
  });

  it("refuses bad pagination and unknown parameters naming them", async () => {
    const { api } = await admin();
    expectApiError(await api.get("/v1/users?limit=0"), 400, "invalid_request", "limit");
    expectApiError(await api.get("/v1/users?offset=-1"), 400, "invalid_request", "offset");
    expectApiError(await api.get("/v1/users?role=admin"), 400, "invalid_request", "role");
  });
});

describe("validation", () => {
  const valid = { name: "Valid Name", email: "valid@example.com", role: "member" };

  it.each([
    ["name", { ...valid, name: "" }],
    ["name", { ...valid, name: "x".repeat(201) }],
    ["name", { email: "n@example.com", role: "member" }],
    ["email", { ...valid, email: "not-an-email" }],
    ["email", { ...valid, email: undefined }],
    ["email", { ...valid, email: 42 }],
    ["role", { ...valid, role: "owner" }],
    ["role", { ...valid, role: undefined }],
    ["company_id", { ...valid, company_id: "co_someoneelse" }],
    ["id", { ...valid, id: "user_chosen" }],
    ["created_at", { ...valid, created_at: "2020-01-01T00:00:00Z" }],
  ])("names the field %s", async (field, body) => {
    const { api } = await admin();
    const result = await api.post("/v1/users", body);
    expectApiError(result, 400, "invalid_request", field);
    const list = await api.get("/v1/users");
    expect(list.body.pagination.total).toBe(1);
  });

  it("explains a bad email for people", async () => {
    const { api } = await admin();
    const result = await api.post("/v1/users", { ...valid, email: "nope" });
    expect(result.body.error.message).toBe("The 'email' field must be an email address such as ada@example.com.");
  });

  it("answers 404 for an unknown user id", async () => {
    const { api } = await admin();
    expectApiError(await api.get("/v1/users/user_000000000000000000000000"), 404, "not_found", "id");
  });
});
