import { describe, expect, it } from "vitest";
import { createCompany, type TestCompany } from "../../helpers/factories.ts";
import { callJson, client, expectApiError } from "../../helpers/http.ts";
import { ids } from "../../helpers/items.ts";
import { MISSING_ORDER, orderForTwoItems, orderIn, type Order } from "../../helpers/orders.ts";
import { runCommonRouteTests, type Fixture } from "../../helpers/security.ts";

type OrderFixture = Fixture & { object: Order; widgetId: string; lineId: string };

/** An order in `status`, of two items (stock 5 and 0), made with the company's admin key. */
const orderAs = (status: Order["status"]) => async (company: TestCompany): Promise<OrderFixture> => {
  const { order, widget } = await orderIn(client(company.apiKey), status);
  return { id: order.id, object: order, widgetId: widget.id, lineId: order.line_items[0]!.id };
};

const expectStatus = (status: Order["status"]) => (answer: { body: any }) => expect(answer.body.status).toBe(status);

runCommonRouteTests<OrderFixture>({
  name: "orders",
  missingId: MISSING_ORDER,
  create: orderAs("draft"),
  routes: [
    { method: "GET", path: "/v1/orders", status: 200 },
    {
      method: "POST",
      path: "/v1/orders",
      body: (order) => ({ supplier: "X", line_items: [{ item_id: order.widgetId, quantity_ordered: 1, unit_cost: 1 }] }),
      status: 201,
      expectSuccess: expectStatus("draft"),
    },
    { method: "GET", path: "/v1/orders/:id", status: 200 },
    {
      method: "PATCH",
      path: "/v1/orders/:id",
      body: () => ({ notes: "changed" }),
      status: 200,
      expectSuccess: (answer, order) => expect(answer.body).toMatchObject({ id: order.id, notes: "changed" }),
    },
    { method: "POST", path: "/v1/orders/:id/submit", status: 200, expectSuccess: expectStatus("submitted") },
    { method: "POST", path: "/v1/orders/:id/cancel", status: 200, expectSuccess: expectStatus("cancelled") },
    {
      name: "POST /v1/orders/:id/receive (everything)",
      method: "POST",
      path: "/v1/orders/:id/receive",
      create: orderAs("submitted"),
      status: 200,
      expectSuccess: expectStatus("received"),
    },
    {
      name: "POST /v1/orders/:id/receive (one line)",
      method: "POST",
      path: "/v1/orders/:id/receive",
      create: orderAs("submitted"),
      body: (order) => ({ line_items: [{ id: order.lineId, quantity: 1 }] }),
      status: 200,
      expectSuccess: expectStatus("partially_received"),
    },
  ],
});

describe("another company's orders", () => {
  it("lists and filters only the key's company's orders", async () => {
    const owner = client((await createCompany("enterprise")).apiKey);
    const intruder = client((await createCompany("enterprise")).apiKey);
    const { order, widget } = await orderForTwoItems(owner);
    expect(ids(await owner.get("/v1/orders"))).toEqual([order.id]);
    expect((await intruder.get("/v1/orders")).body).toEqual({
      data: [],
      pagination: { total: 0, limit: 50, offset: 0, has_more: false },
    });
    expect(ids(await intruder.get(`/v1/orders?item_id=${widget.id}`))).toEqual([]);
    expect(ids(await intruder.get("/v1/orders?supplier=Acme%20Supplies"))).toEqual([]);
  });

  it("cannot put another company's item on an order, even by editing a draft", async () => {
    const owner = client((await createCompany("enterprise")).apiKey);
    const intruder = client((await createCompany("enterprise")).apiKey);
    const { widget } = await orderForTwoItems(owner);
    const { order: theirs } = await orderForTwoItems(intruder);
    const response = await intruder.patch(`/v1/orders/${theirs.id}`, {
      line_items: [{ item_id: widget.id, quantity_ordered: 1, unit_cost: 1 }],
    });
    expectApiError(response, 404, "not_found", "line_items[0].item_id");
    expect((await intruder.get(`/v1/orders/${theirs.id}`)).body).toEqual(theirs);
  });
});

describe("methods", () => {
  it("answers 405 with Allow for a wrong method on an order path", async () => {
    const company = await createCompany("enterprise");
    const response = await callJson("DELETE", `/v1/orders/${MISSING_ORDER}`, { key: company.apiKey });
    expectApiError(response, 405, "method_not_allowed", null);
    expect(response.headers.get("Allow")?.split(", ").sort()).toEqual(["GET", "PATCH"]);
    const receive = await callJson("GET", `/v1/orders/${MISSING_ORDER}/receive`, { key: company.apiKey });
    expectApiError(receive, 405, "method_not_allowed", null);
    expect(receive.headers.get("Allow")).toBe("POST");
  });
});
