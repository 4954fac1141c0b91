import { afterAll, beforeAll, expect } from "vitest";
import type { TestCompany } from "../../helpers/factories.ts";
import { client } from "../../helpers/http.ts";
import { runCommonRouteTests, type Fixture } from "../../helpers/security.ts";
import { pendingDelivery, receiver, stopReceiver } from "../../helpers/webhooks.ts";

// Webhook deliveries are for admin keys only: member and read_only keys get 403 on every route,
// reads included; another company's delivery is a 404 like a missing one.

// A retry sends for real (through the local queue): to a receiver of the test, not the network.
beforeAll(() => void receiver());
afterAll(() => stopReceiver());

/** A pending delivery of the company (made by the outbox, not enqueued), as the API shows it. */
async function aDelivery(company: TestCompany): Promise<Fixture> {
  const { deliveryId, endpoint, event } = await pendingDelivery(company.companyId);
  const answer = await client(company.apiKey).get(`/v1/webhook_deliveries/${deliveryId}`);
  expect(answer.status).toBe(200);
  return { id: deliveryId, object: answer.body, endpointId: endpoint.id, eventId: event.id };
}

runCommonRouteTests({
  name: "webhook_deliveries",
  adminOnly: true,
  missingId: "wd_Zz9Zz9Zz9Zz9Zz9Zz9Zz9Zz9",
  create: aDelivery,
  routes: [
    { method: "GET", path: "/v1/webhook_deliveries", status: 200 },
    { name: "GET /v1/webhook_deliveries filtered", method: "GET", path: "/v1/webhook_deliveries?endpoint_id=:endpointId&event_id=:eventId", status: 200 },
    { method: "GET", path: "/v1/webhook_deliveries/:id", status: 200 },
    {
      method: "POST",
      path: "/v1/webhook_deliveries/:id/retry",
      status: 200,
      expectSuccess: (answer, fixture) => expect(answer.body).toMatchObject({ id: fixture.id, status: "pending", attempts: 0 }),
    },
  ],
});
