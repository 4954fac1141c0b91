// Every free-text field refuses what is not valid text — lone UTF-16 surrogates and control
// characters (tab and newline allowed in notes) — with 400 naming the field, and stores nothing.
import { describe, expect, it } from "vitest";
import { createCompany } from "../helpers/factories.ts";
import { call, client, expectApiError } from "../helpers/http.ts";
import { createItem, uniqueSku, type Api } from "../helpers/items.ts";
import { uniqueEmail } from "../helpers/keys.ts";
import { companyState } from "../helpers/ledger.ts";
import { createOrder } from "../helpers/orders.ts";

interface Case {
  /** The request, with `bad` put into the named field. */
  request: (api: Api, bad: string) => Promise<{ path: string; method?: string; body: unknown }>;
  field: string;
  multiline?: boolean;
}

const item = (api: Api) => createItem(api, { quantity: 5 });

const cases: Record<string, Case> = {
  "item name": { field: "name", request: async (_, bad) => ({ path: "/v1/items", body: { name: bad, sku: uniqueSku() } }) },
  "item location": {
    field: "location",
    request: async (_, bad) => ({ path: "/v1/items", body: { name: "Box", sku: uniqueSku(), location: bad } }),
  },
  "item barcode": {
    field: "barcode",
    request: async (_, bad) => ({ path: "/v1/items", body: { name: "Box", sku: uniqueSku(), barcode: bad } }),
  },
  "item name on PATCH": {
    field: "name",
    request: async (api, bad) => ({ method: "PATCH", path: `/v1/items/${(await item(api)).id}`, body: { name: bad } }),
  },
  "transaction note": {
    field: "note",
    multiline: true,
    request: async (api, bad) => ({
      path: "/v1/transactions",
      body: { item_id: (await item(api)).id, type: "receive", quantity: 1, note: bad },
    }),
  },
  "transaction reference": {
    field: "reference",
    request: async (api, bad) => ({
      path: "/v1/transactions",
      body: { item_id: (await item(api)).id, type: "receive", quantity: 1, reference: bad },
    }),
  },
  "batch entry note": {
    field: "transactions[0].note",
    multiline: true,
    request: async (api, bad) => ({
      path: "/v1/transactions/batch",
      body: { transactions: [{ item_id: (await item(api)).id, type: "receive", quantity: 1, note: bad }] },
    }),
  },
  "order supplier": {
    field: "supplier",
    request: async (api, bad) => ({
      path: "/v1/orders",
      body: { supplier: bad, line_items: [{ item_id: (await item(api)).id, quantity_ordered: 1, unit_cost: 1 }] },
    }),
  },
  "order notes": {
    field: "notes",
    multiline: true,
    request: async (api, bad) => ({
      path: "/v1/orders",
      body: { supplier: "Acme", notes: bad, line_items: [{ item_id: (await item(api)).id, quantity_ordered: 1, unit_cost: 1 }] },
    }),
  },
  "order notes on PATCH": {
    field: "notes",
    multiline: true,
    request: async (api, bad) => {
      const order = await createOrder(api, { line_items: [{ item_id: (await item(api)).id, quantity_ordered: 1, unit_cost: 1 }] });
      return { method: "PATCH", path: `/v1/orders/${order.id}`, body: { notes: bad } };
    },
  },
  "snapshot note": { field: "note", multiline: true, request: async (_, bad) => ({ path: "/v1/snapshots", body: { note: bad } }) },
  "user name": {
    field: "name",
    request: async (_, bad) => ({ path: "/v1/users", body: { name: bad, email: uniqueEmail(), role: "member" } }),
  },
  "API key name": { field: "name", request: async (_, bad) => ({ path: "/v1/api_keys", body: { name: bad } }) },
};

const refused = {
  "a NUL character": "x\u0000y",
  "a lone high surrogate": "x\ud800z",
  "a lone low surrogate": "x\udc00z",
  "a DEL character": "x\u007fy",
  "an escape character": "x\u001by",
  "a carriage return": "x\ry",
};

describe.each(Object.entries(cases))("%s", (_, { request, field, multiline }) => {
  it.each(Object.entries(refused))("refuses %s with 400 naming the field, and changes nothing", async (_, bad) => {
    const company = await createCompany("enterprise");
    const api = client(company.apiKey);
    const { method = "POST", path, body } = await request(api, bad);
    const before = await companyState(company.companyId);
    const response = await call(method, path, { key: company.apiKey, body });
    const text = await response.text();
    expectApiError({ status: response.status, headers: response.headers, body: JSON.parse(text) }, 400, "invalid_request", field);
    expect(await companyState(company.companyId)).toEqual(before);
  });

  it(`${multiline ? "accepts" : "refuses"} tab and newline`, async () => {
    const company = await createCompany("enterprise");
    const api = client(company.apiKey);
    const { method = "POST", path, body } = await request(api, "line one\n\tline two");
    const response = await call(method, path, { key: company.apiKey, body });
    if (multiline) expect(response.status).toBeLessThan(300);
    else expect(response.status).toBe(400);
  });
});

describe("what is stored is exactly what the answer showed", () => {
  it("keeps emoji, accents and right-to-left text as sent", async () => {
    const api = client((await createCompany()).apiKey);
    const name = "📦 Überkarton — صندوق";
    const created = await createItem(api, { name, location: "Halle Süd 🅰" });
    expect(created.name).toBe(name);
    const read = await api.get(`/v1/items/${created.id}`);
    expect(read.body.name).toBe(name);
    expect(read.body.location).toBe("Halle Süd 🅰");
  });

  it("refuses control characters in a search or filter too", async () => {
    const api = client((await createCompany()).apiKey);
    expectApiError(await api.get("/v1/items?search=a%00b"), 400, "invalid_request", "search");
    expectApiError(await api.get(`/v1/items?location=${encodeURIComponent("a\u0001b")}`), 400, "invalid_request", "location");
  });
});
