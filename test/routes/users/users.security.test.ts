import { describe, expect, it } from "vitest";
import { createCompany, createKey } from "../../helpers/factories.ts";
import { client } from "../../helpers/http.ts";
import { expectApiError, ids } from "../../helpers/items.ts";
import { createUser, uniqueEmail } from "../../helpers/keys.ts";

const MISSING = "user_Zz9Zz9Zz9Zz9Zz9Zz9Zz9Zz9";

describe("roles", () => {
  const routes = [
    ["GET", "/v1/users", undefined],
    ["POST", "/v1/users", { name: "Nope", email: "nope@example.com", role: "admin" }],
    ["GET", "/v1/users/:id", undefined],
  ] as const;

  it.each(routes)("admin keys may %s %s", async (method, path) => {
    const co = await createCompany();
    const api = client(await createKey(co, { role: "admin" }));
    const result =
      method === "GET"
        ? await api.get(path.replace(":id", co.userId))
        : await api.post(path, { name: "Yes", email: uniqueEmail(), role: "admin" });
    expect(result.status).toBe(method === "POST" ? 201 : 200);
    if (path === "/v1/users") {
      if (method === "GET") expect(ids(result)).toEqual([co.userId]);
      else expect(result.body).toMatchObject({ name: "Yes", role: "admin" });
    } else {
      expect(result.body).toMatchObject({ id: co.userId, role: "admin", email: "admin@example.com" });
    }
  });

  it.each([
    ...routes.map(([method, path, body]) => ["member", method, path, body] as const),
    ...routes.map(([method, path, body]) => ["read_only", method, path, body] as const),
  ])("%s keys may not %s %s (403 permission_denied) and change nothing", async (role, method, path, body) => {
    const co = await createCompany();
    const api = client(await createKey(co, { role }));
    const url = path.replace(":id", co.userId);
    const result = method === "GET" ? await api.get(url) : await api.post(url, body);
    expectApiError(result, 403, "permission_denied");
    const users = await client(co.apiKey).get("/v1/users");
    expect(ids(users)).toEqual([co.userId]);
  });

  it("refuses a member before looking at the body", async () => {
    const co = await createCompany();
    const member = client(await createKey(co, { role: "member" }));
    expectApiError(await member.post("/v1/users", { bogus: true }), 403, "permission_denied");
  });
});

describe("another company's users look exactly like missing ones", () => {
  it("answers the same 404 for GET and never lists them", async () => {
    const owner = await createCompany();
    const intruder = client((await createCompany()).apiKey);
    const user = await createUser(client(owner.apiKey), { name: "Hidden" });

    const foreign = await intruder.get(`/v1/users/${user.id}`);
    const missing = await intruder.get(`/v1/users/${MISSING}`);
    expectApiError(foreign, 404, "not_found", "id");
    expectApiError(missing, 404, "not_found", "id");
    expect(foreign.body.error.message.replace(user.id, "<id>")).toBe(missing.body.error.message.replace(MISSING, "<id>"));

    const list = await intruder.get("/v1/users");
    expect(list.body.pagination.total).toBe(1);
    expect(ids(list)).not.toContain(user.id);
    expect(ids(list)).not.toContain(owner.userId);
  });
});
