import { describe, expect, it } from "vitest";
import { createCompany, type TestCompany } from "../../helpers/factories.ts";
import { client } from "../../helpers/http.ts";
import { ids } from "../../helpers/items.ts";
import { createUser, uniqueEmail, type User } from "../../helpers/keys.ts";
import { runCommonRouteTests, type Fixture } from "../../helpers/security.ts";

const MISSING = "user_Zz9Zz9Zz9Zz9Zz9Zz9Zz9Zz9";

type UserFixture = Fixture & { object: User };

async function hiddenUser(company: TestCompany): Promise<UserFixture> {
  const user = await createUser(client(company.apiKey), { name: "Hidden" });
  return { id: user.id, object: user };
}

// Users are managed by admin keys only: member and read_only keys get 403 on every route.
runCommonRouteTests<UserFixture>({
  name: "users",
  adminOnly: true,
  missingId: MISSING,
  create: hiddenUser,
  routes: [
    {
      method: "GET",
      path: "/v1/users",
      status: 200,
      expectSuccess: (answer, user, company) => expect(ids(answer).sort()).toEqual([company.userId, user.id].sort()),
    },
    {
      method: "POST",
      path: "/v1/users",
      body: () => ({ name: "Yes", email: uniqueEmail(), role: "admin" }),
      status: 201,
      expectSuccess: (answer) => expect(answer.body).toMatchObject({ name: "Yes", role: "admin" }),
    },
    { method: "GET", path: "/v1/users/:id", status: 200 },
  ],
});

describe("admin keys", () => {
  it("read their own user as it was provisioned", async () => {
    const co = await createCompany();
    const result = await client(co.apiKey).get(`/v1/users/${co.userId}`);
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ id: co.userId, role: "admin", email: "admin@example.com" });
  });
});

describe("another company's users", () => {
  it("are never listed", async () => {
    const owner = await createCompany();
    const intruderCo = await createCompany();
    const user = await createUser(client(owner.apiKey), { name: "Hidden" });
    const list = await client(intruderCo.apiKey).get("/v1/users");
    expect(list.body.pagination.total).toBe(1);
    expect(ids(list)).toEqual([intruderCo.userId]);
    expect(ids(list)).not.toContain(user.id);
    expect(ids(list)).not.toContain(owner.userId);
  });
});
