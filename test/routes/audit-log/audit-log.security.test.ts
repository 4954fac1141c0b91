import { expect } from "vitest";
import type { TestCompany } from "../../helpers/factories.ts";
import { client } from "../../helpers/http.ts";
import { createItem } from "../../helpers/items.ts";
import { postTransaction } from "../../helpers/ledger.ts";
import { runCommonRouteTests, type Fixture } from "../../helpers/security.ts";

type EntryFixture = Fixture & { itemId: string; userId: string };

/**
 * The newest audit entry of an item that was created and then issued from, with the company's
 * admin key: an item's entries are shown to every role.
 */
async function itemEntry(company: TestCompany): Promise<EntryFixture> {
  const api = client(company.apiKey);
  const item = await createItem(api, { quantity: 4 });
  expect((await postTransaction(api, { item_id: item.id, type: "issue", quantity: 1 })).status).toBe(201);
  const log = await api.get(`/v1/audit_log?item_id=${item.id}`);
  expect(log.body.data).toHaveLength(2);
  return { id: log.body.data[0].id, itemId: item.id, userId: company.userId };
}

runCommonRouteTests<EntryFixture>({
  name: "audit_log",
  missingId: "evt_Zz9Zz9Zz9Zz9Zz9Zz9Zz9Zz9",
  create: itemEntry,
  routes: [
    { method: "GET", path: "/v1/audit_log", status: 200 },
    { method: "GET", path: "/v1/audit_log?item_id=:itemId", status: 200 },
    { method: "GET", path: "/v1/audit_log?user_id=:userId", status: 200 },
    { method: "GET", path: "/v1/audit_log?action=update", status: 200 },
  ],
});
