import { expect } from "vitest";
import type { TestCompany } from "../../helpers/factories.ts";
import { client } from "../../helpers/http.ts";
import { createItem } from "../../helpers/items.ts";
import { postTransaction, type Transaction } from "../../helpers/ledger.ts";
import { runCommonRouteTests, type Fixture } from "../../helpers/security.ts";

type TransactionFixture = Fixture & { object: Transaction; itemId: string };

/** An item with stock 10 and an issue of 1 from it, made with the company's admin key. */
async function issued(company: TestCompany): Promise<TransactionFixture> {
  const api = client(company.apiKey);
  const item = await createItem(api, { quantity: 10 });
  const response = await postTransaction(api, { item_id: item.id, type: "issue", quantity: 1 });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return { id: response.body.id, object: response.body, itemId: item.id };
}

const receiveOne = (txn: TransactionFixture) => ({ item_id: txn.itemId, type: "receive", quantity: 1 });

runCommonRouteTests<TransactionFixture>({
  name: "transactions",
  missingId: "txn_Zz9Zz9Zz9Zz9Zz9Zz9Zz9Zz9",
  create: issued,
  routes: [
    { method: "GET", path: "/v1/transactions", status: 200 },
    { method: "GET", path: "/v1/transactions?item_id=:itemId", status: 200 },
    {
      method: "POST",
      path: "/v1/transactions",
      body: receiveOne,
      status: 201,
      expectSuccess: (answer, txn, company) =>
        expect(answer.body).toMatchObject({ item_id: txn.itemId, quantity_before: 9, quantity_after: 10, user_id: company.userId }),
    },
    {
      method: "POST",
      path: "/v1/transactions/batch",
      body: (txn) => ({ transactions: [receiveOne(txn), { ...receiveOne(txn), quantity: 2 }] }),
      status: 201,
      expectSuccess: (answer) =>
        expect(answer.body.data.map((t: Transaction) => [t.quantity_before, t.quantity_after])).toEqual([
          [9, 10],
          [10, 12],
        ]),
    },
    { method: "GET", path: "/v1/transactions/:id", status: 200 },
  ],
});
