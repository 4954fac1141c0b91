// The API's own D1 statements, for workers that run them with no application code around them
// (scripts/bench/d1-statements.ts, and the calibration Worker's "own statements" floors): GET
// item's query and a stock movement's batch, as SQL text and parameters. A parameter "@txn" is a
// ledger row's id (shared by a call's statements), "@id" a fresh id, "@item" one of the seeded
// items at random; a worker replaces them on every call (see `bindTemplate`).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { unstable_splitSqlQuery } from "wrangler";
import { createDatabase, type BoundStatement } from "../../src/db/client.ts";
import { liveItemStatement } from "../../src/db/items.ts";
import { provisionCompany } from "../../src/db/provisioning.ts";
import { movementStatements } from "../../src/db/transactions.ts";
import { seedItemId, seedItems } from "../seed.ts";

export interface PostedStatement {
  sql: string;
  params: unknown[];
}

/** The statements to run, and the item ids "@item" stands for. */
export interface ApiStatements {
  getItem: PostedStatement;
  movement: PostedStatement[];
  itemIds: string[];
}

const posted = (statement: BoundStatement): PostedStatement => ({ sql: statement.query.sql, params: statement.query.params });

/**
 * Applies the API's migrations to `db`, provisions a company with `items` items, and answers the
 * API's statements over them: GET item's query, and the batch of a receipt of 1 as POST
 * /v1/transactions records it (ledger row, item quantity, audit entry, events).
 */
export async function seedApiStatements(db: D1Database, items: number): Promise<ApiStatements> {
  for (const file of readdirSync("migrations").filter((f) => f.endsWith(".sql")).sort()) {
    await db.batch(unstable_splitSqlQuery(readFileSync(join("migrations", file), "utf8")).map((query) => db.prepare(query)));
  }
  const company = await provisionCompany({ name: "API statements", plan: "enterprise", mode: "test" });
  await db.batch(company.statements.map((s) => db.prepare(s.sql).bind(...s.params)));
  await seedItems(db, { companyId: company.companyId, userId: company.userId, count: items });
  const actor = { companyId: company.companyId, userId: company.userId, apiKeyId: "key_bench", requestId: "req_bench" };
  const movement = movementStatements(null as never, actor, { itemId: "@item", type: "receive", change: 1 }, "@txn", new Date().toISOString())
    .map((s) => posted(s as BoundStatement))
    .map((s) => ({ ...s, params: s.params.map((p) => (typeof p === "string" && /^(evt|event)_/.test(p) ? "@id" : p)) }));
  return {
    getItem: posted(liveItemStatement(createDatabase(db), company.companyId, "@item")),
    movement,
    itemIds: Array.from({ length: items }, (_, i) => seedItemId(i + 1)),
  };
}
