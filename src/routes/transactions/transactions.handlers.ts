import { findTransaction, listTransactions as listLedger, recordMovements } from "../../db/transactions.ts";
import { notFound } from "../../domain/errors.ts";
import { toMovement, toTransaction } from "../../domain/transactions.ts";
import { withEntryPath } from "../../lib/errors.ts";
import { paginate } from "../../lib/pagination.ts";
import type { AppRouteHandler } from "../../types.ts";
import type * as routes from "./transactions.routes.ts";

export const createTransaction: AppRouteHandler<typeof routes.createTransaction> = async (c) => {
  const [row] = await recordMovements(c.get("db"), c.get("actor"), [toMovement(c.req.valid("json"))]);
  return c.json(toTransaction(row!), 201);
};

export const createTransactionBatch: AppRouteHandler<typeof routes.createTransactionBatch> = async (c) => {
  const { transactions } = c.req.valid("json");
  const rows = await withEntryPath(
    (i) => `transactions[${i}]`,
    () => recordMovements(c.get("db"), c.get("actor"), transactions.map(toMovement)),
  );
  return c.json({ data: rows.map(toTransaction) }, 201);
};

export const listTransactions: AppRouteHandler<typeof routes.listTransactions> = async (c) => {
  const { item_id, type, since, until, ...page } = c.req.valid("query");
  const { rows, ...list } = await listLedger(
    c.get("db"),
    c.get("auth").companyId,
    { itemId: item_id, type, since, until },
    page,
  );
  return c.json(paginate(rows.map(toTransaction), list, page), 200);
};

export const getTransaction: AppRouteHandler<typeof routes.getTransaction> = async (c) => {
  const { id } = c.req.valid("param");
  const row = await findTransaction(c.get("db"), c.get("auth").companyId, id);
  if (!row) throw notFound("transaction", id);
  return c.json(toTransaction(row), 200);
};
