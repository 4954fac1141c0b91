import { exportItemPages, exportTransactionPages } from "../../db/exports.ts";
import { toItem } from "../../domain/items.ts";
import { toTransaction } from "../../domain/transactions.ts";
import { csvLine } from "../../lib/csv.ts";
import { nowIso } from "../../lib/clock.ts";
import type { AppRouteHandler } from "../../types.ts";
import type * as routes from "./exports.routes.ts";

const ITEM_COLUMNS = ["id", "name", "sku", "quantity", "location", "barcode", "reorder_point", "created_at", "updated_at"] as const;
const TRANSACTION_COLUMNS = [
  "id",
  "item_id",
  "type",
  "quantity_change",
  "quantity_before",
  "quantity_after",
  "reason",
  "note",
  "reference",
  "order_id",
  "user_id",
  "created_at",
] as const;

/**
 * A CSV body read from `pages` as the client reads it: one page (one D1 call) per pull, so memory
 * holds a page, whatever the size of the list.
 */
function csvStream<T extends Record<string, unknown>>(columns: readonly (keyof T & string)[], pages: AsyncGenerator<T[]>) {
  const encoder = new TextEncoder();
  let headerSent = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!headerSent) {
        headerSent = true;
        controller.enqueue(encoder.encode(csvLine(columns)));
        return;
      }
      const next = await pages.next();
      if (next.done) {
        controller.close();
        return;
      }
      controller.enqueue(encoder.encode(next.value.map((row) => csvLine(columns.map((column) => row[column] as never))).join("")));
    },
    async cancel() {
      await pages.return(undefined);
    },
  });
}

async function* mapped<R, T>(pages: AsyncGenerator<R[]>, convert: (row: R) => T): AsyncGenerator<T[]> {
  for await (const page of pages) yield page.map(convert);
}

function csvHeaders(name: string) {
  return {
    "Content-Type": "text/csv; charset=utf-8",
    "Content-Disposition": `attachment; filename="${name}-${nowIso().slice(0, 10)}.csv"`,
  };
}

export const exportItems: AppRouteHandler<typeof routes.exportItems> = async (c) => {
  const { search, location, low_stock: lowStock } = c.req.valid("query");
  const pages = exportItemPages(c.get("db"), c.get("auth").companyId, { search, location, lowStock });
  return c.body(csvStream(ITEM_COLUMNS, mapped(pages, toItem)), 200, csvHeaders("items"));
};

export const exportTransactions: AppRouteHandler<typeof routes.exportTransactions> = async (c) => {
  const { item_id, type, since, until } = c.req.valid("query");
  const pages = exportTransactionPages(c.get("db"), c.get("auth").companyId, { itemId: item_id, type, since, until });
  return c.body(csvStream(TRANSACTION_COLUMNS, mapped(pages, toTransaction)), 200, csvHeaders("transactions"));
};
