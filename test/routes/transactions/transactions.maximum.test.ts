// No change may take an item's quantity past 1,000,000,000, however it is made: 409 invalid_state
// naming the quantity, and nothing changes.
import { describe, expect, it } from "vitest";
import { createCompany } from "../../helpers/factories.ts";
import { client, expectApiError } from "../../helpers/http.ts";
import { createItem } from "../../helpers/items.ts";
import { companyState, postBatch, postTransaction } from "../../helpers/ledger.ts";
import { createOrder } from "../../helpers/orders.ts";

const MAX = 1_000_000_000;

async function setup(quantity: number) {
  const company = await createCompany();
  const api = client(company.apiKey);
  const item = await createItem(api, { quantity });
  return { company, api, item, before: await companyState(company.companyId) };
}

describe("stock above the maximum", () => {
  it.each([
    ["receive", { type: "receive", quantity: 2 }],
    ["adjust", { type: "adjust", quantity: 2, reason: "found" }],
  ])("a %s past 1,000,000,000 is 409 invalid_state naming quantity, and changes nothing", async (_, body) => {
    const { company, api, item, before } = await setup(MAX - 1);
    const response = await postTransaction(api, { item_id: item.id, ...body });
    expectApiError(response, 409, "invalid_state", "quantity");
    expect(response.body.error.message).toContain("1,000,000,000");
    expect(await companyState(company.companyId)).toEqual(before);
  });

  it("a receive up to exactly the maximum is allowed", async () => {
    const { api, item } = await setup(MAX - 2);
    const response = await postTransaction(api, { item_id: item.id, type: "receive", quantity: 2 });
    expect(response.status).toBe(201);
    expect(response.body.quantity_after).toBe(MAX);
    expect((await api.get(`/v1/items/${item.id}`)).body.quantity).toBe(MAX);
  });

  it("two receives of 600,000,000 (observed: 2,000,000,000 in all) stop at the first", async () => {
    const { api, item } = await setup(0);
    const receive = { item_id: item.id, type: "receive", quantity: 600_000_000 };
    expect((await postTransaction(api, receive)).status).toBe(201);
    expectApiError(await postTransaction(api, receive), 409, "invalid_state", "quantity");
    expect((await api.get(`/v1/items/${item.id}`)).body.quantity).toBe(600_000_000);
  });

  it("in a batch, names the entry that would pass it and applies nothing", async () => {
    const { company, api, item, before } = await setup(MAX - 10);
    const response = await postBatch(api, [
      { item_id: item.id, type: "receive", quantity: 5 },
      { item_id: item.id, type: "receive", quantity: 6 },
    ]);
    expectApiError(response, 409, "invalid_state", "transactions[1].quantity");
    expect(await companyState(company.companyId)).toEqual(before);
  });

  it("an order receipt past the maximum is 409 invalid_state naming quantity, and receives nothing", async () => {
    const { company, api, item } = await setup(MAX - 3);
    const order = await createOrder(api, {
      supplier: "Acme",
      status: "submitted",
      line_items: [{ item_id: item.id, quantity_ordered: 5, unit_cost: 100 }],
    });
    const before = await companyState(company.companyId);
    const response = await api.post(`/v1/orders/${order.id}/receive`, {});
    expectApiError(response, 409, "invalid_state", "quantity");
    expect(await companyState(company.companyId)).toEqual(before);
    expect((await api.get(`/v1/orders/${order.id}`)).body.status).toBe("submitted");
  });
});
