import { z } from "@hono/zod-openapi";
import { ListItemsQuerySchema } from "../items/items.schemas.ts";
import { ListTransactionsQuerySchema } from "../transactions/transactions.schemas.ts";

// An export takes its list's filters, not its paging: it is the whole list.
const items = ListItemsQuerySchema.shape;
const ledger = ListTransactionsQuerySchema.shape;

export const ExportItemsQuerySchema = z.strictObject({ search: items.search, location: items.location, low_stock: items.low_stock });
export const ExportTransactionsQuerySchema = z.strictObject({
  item_id: ledger.item_id,
  type: ledger.type,
  since: ledger.since,
  until: ledger.until,
});
