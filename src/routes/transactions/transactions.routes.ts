import { MAX_QUANTITY } from "../../domain/stock.ts";
import {
  BatchTransactionsBodySchema,
  CreateTransactionBodySchema,
  TransactionListSchema,
  TransactionSchema,
} from "../../domain/transactions.ts";
import { createAuthenticatedRoute, jsonContent as json } from "../../lib/openapi.ts";
import { paginated } from "../../lib/pagination.ts";
import { ListTransactionsQuerySchema, TransactionIdParamsSchema } from "./transactions.schemas.ts";

const tags = ["Transactions"];
/** Below zero, a failed compare-and-set, above the maximum quantity. */
const stockConflicts = ["insufficient_stock", "quantity_conflict", "invalid_state"] as const;
const aboveMaximum = `would take the item's quantity above ${MAX_QUANTITY.toLocaleString("en-US")}`;

export const createTransaction = createAuthenticatedRoute({
  operationId: "createTransaction",
  method: "post",
  path: "/v1/transactions",
  tags,
  summary: "Record a stock movement",
  description:
    "Changes an item's quantity and records the change in the ledger and the audit log, atomically.",
  request: { body: { ...json(CreateTransactionBodySchema, "The movement."), required: true } },
  responses: { 201: json(TransactionSchema, "The ledger entry.") },
  errors: stockConflicts,
  errorNotes: { invalid_state: `the movement ${aboveMaximum}; field \`quantity\`` },
});

export const createTransactionBatch = createAuthenticatedRoute({
  operationId: "createTransactionBatch",
  method: "post",
  path: "/v1/transactions/batch",
  tags,
  summary: "Record up to 100 movements, all or nothing",
  description: "Applied in order. If one fails, none is recorded and `field` names the failing entry.",
  request: { body: { ...json(BatchTransactionsBodySchema, "The movements."), required: true } },
  responses: { 201: json(TransactionListSchema, "The ledger entries, in request order.") },
  errors: stockConflicts,
  errorNotes: { invalid_state: `an entry ${aboveMaximum}; field \`transactions[i].quantity\`` },
});

export const listTransactions = createAuthenticatedRoute({
  operationId: "listTransactions",
  method: "get",
  path: "/v1/transactions",
  tags,
  summary: "List transactions",
  description: "The ledger, newest first.",
  request: { query: ListTransactionsQuerySchema },
  responses: { 200: json(paginated(TransactionSchema), "A page of transactions.") },
});

export const getTransaction = createAuthenticatedRoute({
  operationId: "getTransaction",
  method: "get",
  path: "/v1/transactions/{id}",
  tags,
  summary: "Retrieve a transaction",
  request: { params: TransactionIdParamsSchema },
  responses: { 200: json(TransactionSchema, "The transaction.") },
});
