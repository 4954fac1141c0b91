import { describe, expect, it } from "vitest";
import { createCompany, createKey } from "../../helpers/factories.ts";
import { callJson, client } from "../../helpers/http.ts";
import { expectApiError, ids, type Api } from "../../helpers/items.ts";
import { MISSING_ORDER, orderForTwoItems, orderIn } from "../../helpers/orders.ts";

type Response = { status: number; headers: Headers; body: any };

/** The error body with the ids and the request id taken out, to compare two 404s. */
function shapeOf(response: Response, id: string) {
  const { request_id: _, message, ...rest } = response.body.error;
  return { status: response.status, ...rest, message: String(message).replaceAll(id, "<id>") };
}

describe("another company's orders look exactly like missing ones", () => {
  const requests: [string, (api: Api, id: string, lineId: string) => Promise<Response>][] = [
    ["GET", (api, id) => api.get(`/v1/orders/${id}`)],
    ["PATCH", (api, id) => api.patch(`/v1/orders/${id}`, { notes: "hijacked" })],
    ["submit", (api, id) => api.post(`/v1/orders/${id}/submit`)],
    ["cancel", (api, id) => api.post(`/v1/orders/${id}/cancel`)],
    ["receive everything", (api, id) => api.post(`/v1/orders/${id}/receive`)],
    ["receive a line", (api, id, lineId) => api.post(`/v1/orders/${id}/receive`, { line_items: [{ id: lineId, quantity: 1 }] })],
  ];

  it.each(requests)("%s answers the same 404 and changes nothing", async (_, request) => {
    const owner = client((await createCompany("enterprise")).apiKey);
    const intruder = client((await createCompany("enterprise")).apiKey);
    const { order, widget } = await orderIn(owner, "submitted");
    const lineId = order.line_items[0]!.id;

    const foreign = await request(intruder, order.id, lineId);
    const missing = await request(intruder, MISSING_ORDER, lineId);
    expectApiError(foreign, 404, "not_found", "id");
    expectApiError(missing, 404, "not_found", "id");
    expect(shapeOf(foreign, order.id)).toEqual(shapeOf(missing, MISSING_ORDER));

    expect((await owner.get(`/v1/orders/${order.id}`)).body).toEqual(order);
    expect((await owner.get(`/v1/items/${widget.id}`)).body.quantity).toBe(5);
  });

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

describe("roles", () => {
  it("a read_only key may read orders", async () => {
    const company = await createCompany("enterprise");
    const { order } = await orderForTwoItems(client(company.apiKey));
    const reader = client(await createKey(company, { role: "read_only" }));
    const one = await reader.get(`/v1/orders/${order.id}`);
    expect(one.status).toBe(200);
    expect(one.body).toEqual(order);
    expect(ids(await reader.get("/v1/orders"))).toEqual([order.id]);
  });

  it("a read_only key gets 403 permission_denied for every write, and nothing changes", async () => {
    const company = await createCompany("enterprise");
    const admin = client(company.apiKey);
    const { order, widget } = await orderForTwoItems(admin);
    const reader = client(await createKey(company, { role: "read_only" }));
    const writes = [
      reader.post("/v1/orders", { supplier: "X", line_items: [{ item_id: widget.id, quantity_ordered: 1, unit_cost: 1 }] }),
      reader.patch(`/v1/orders/${order.id}`, { notes: "no" }),
      reader.post(`/v1/orders/${order.id}/submit`),
      reader.post(`/v1/orders/${order.id}/cancel`),
      reader.post(`/v1/orders/${order.id}/receive`),
    ];
    for (const response of await Promise.all(writes)) expectApiError(response, 403, "permission_denied", null);
    expect((await admin.get("/v1/orders")).body.data).toEqual([order]);
  });

  it("a member key may create, submit and receive", async () => {
    const company = await createCompany("enterprise");
    const member = client(await createKey(company, { role: "member" }));
    const { order } = await orderForTwoItems(member);
    expect((await member.post(`/v1/orders/${order.id}/submit`)).status).toBe(200);
    const received = await member.post(`/v1/orders/${order.id}/receive`);
    expect(received.status).toBe(200);
    expect(received.body.status).toBe("received");
  });
});

describe("authentication", () => {
  it.each([
    ["GET", "/v1/orders"],
    ["POST", "/v1/orders"],
    ["GET", `/v1/orders/${MISSING_ORDER}`],
    ["PATCH", `/v1/orders/${MISSING_ORDER}`],
    ["POST", `/v1/orders/${MISSING_ORDER}/submit`],
    ["POST", `/v1/orders/${MISSING_ORDER}/cancel`],
    ["POST", `/v1/orders/${MISSING_ORDER}/receive`],
  ])("%s %s without a key is 401", async (method, path) => {
    const response = await callJson(method, path, { body: method === "GET" ? undefined : {} });
    expectApiError(response, 401, "authentication_required", null);
    expect(response.headers.get("WWW-Authenticate")).toBe("Bearer");
  });

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
