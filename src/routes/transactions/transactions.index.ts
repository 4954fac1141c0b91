import { createRouter } from "../../lib/create-app.ts";
import * as handlers from "./transactions.handlers.ts";
import * as routes from "./transactions.routes.ts";

export const transactionsRouter = createRouter()
  .openapi(routes.createTransaction, handlers.createTransaction)
  .openapi(routes.createTransactionBatch, handlers.createTransactionBatch)
  .openapi(routes.listTransactions, handlers.listTransactions)
  .openapi(routes.getTransaction, handlers.getTransaction);
