import { expect } from "vitest";
import type { TestCompany } from "../../helpers/factories.ts";
import { client } from "../../helpers/http.ts";
import { createItem } from "../../helpers/items.ts";
import { runCommonRouteTests, type Fixture } from "../../helpers/security.ts";

/** The newest event of a new item (its item.created), as GET /v1/events/:id must answer it. */
async function itemEvent(company: TestCompany): Promise<Fixture> {
  const api = client(company.apiKey);
  await createItem(api, { quantity: 0 });
  const list = await api.get("/v1/events?type=item.created");
  expect(list.status).toBe(200);
  return { id: list.body.data[0].id, object: list.body.data[0] };
}

// Events are read by every role (they hold what the API shows each role of inventory and orders);
// another company's event is a 404, and lists never show another company's events.
runCommonRouteTests({
  name: "events",
  missingId: "event_Zz9Zz9Zz9Zz9Zz9Zz9Zz9Zz9",
  create: itemEvent,
  routes: [
    { method: "GET", path: "/v1/events", status: 200 },
    { method: "GET", path: "/v1/events?type=item.*", status: 200 },
    { method: "GET", path: "/v1/events/:id", status: 200 },
  ],
});
