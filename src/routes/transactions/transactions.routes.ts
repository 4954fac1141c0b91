import { createRoute } from "@hono/zod-openapi";
import { conflictResponse, openApiErrorResponses } from "../../lib/errors.ts";
import { bearerSecurity, jsonContent } from "../../lib/openapi.ts";
import { paginated } from "../../lib/pagination.ts";
import {
  BatchTransactionsBodySchema,
  CreateTransactionBodySchema,
  ListTransactionsQuerySchema,
  TransactionIdParamsSchema,
  TransactionListSchema,
  TransactionSchema,
} from "./transactions.schemas.ts";

const tags = ["Transactions"];
const security = bearerSecurity;
const json = jsonContent;
const stockConflicts = conflictResponse("`insufficient_stock` or `quantity_conflict`.");

export const createTransaction = createRoute({
  operationId: "createTransaction",
  method: "post",
  path: "/v1/transactions",
  tags,
  security,
  summary: "Record a stock movement",
  description:
    "Changes an item's quantity and records the change in the ledger and the audit log, atomically.",
  request: { body: { ...json(CreateTransactionBodySchema, "The movement."), required: true } },
  responses: {
    201: json(TransactionSchema, "The ledger entry."),
    ...openApiErrorResponses,
    ...stockConflicts,
  },
});

export const createTransactionBatch = createRoute({
  operationId: "createTransactionBatch",
  method: "post",
  path: "/v1/transactions/batch",
  tags,
  security,
  summary: "Record up to 100 movements, all or nothing",
  description: "Applied in order. If one fails, none is recorded and `field` names the failing entry.",
  request: { body: { ...json(BatchTransactionsBodySchema, "The movements."), required: true } },
  responses: {
    201: json(TransactionListSchema, "The ledger entries, in request order."),
    ...openApiErrorResponses,
    ...stockConflicts,
  },
});

export const listTransactions = createRoute({
  operationId: "listTransactions",
  method: "get",
  path: "/v1/transactions",
  tags,
  security,
  summary: "List transactions",
  description: "The ledger, newest first.",
  request: { query: ListTransactionsQuerySchema },
  responses: { 200: json(paginated(TransactionSchema), "A page of transactions."), ...openApiErrorResponses },
});

export const getTransaction = createRoute({
  operationId: "getTransaction",
  method: "get",
  path: "/v1/transactions/{id}",
  tags,
  security,
  summary: "Retrieve a transaction",
  request: { params: TransactionIdParamsSchema },
  responses: { 200: json(TransactionSchema, "The transaction."), ...openApiErrorResponses },
});
