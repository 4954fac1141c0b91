// Inventory: the item list, creating an item, an item's page, editing it and its stock movements.
// Each action is the API's: insertItem / updateLiveItem / recordMovements with the API's zod
// schemas, so the same validation, ledger rows, audit entries (user_id set, api_key_id null) and
// events; the company's webhooks are dispatched after each change.
import { Hono, type Context } from "hono";
import { listAuditEntries } from "../db/audit.ts";
import { findLiveItem, insertItem, listLiveItems, updateLiveItem } from "../db/items.ts";
import { listTransactions, recordMovements } from "../db/transactions.ts";
import { listUsers } from "../db/users.ts";
import { toAuditEntry } from "../domain/audit.ts";
import { CreateItemBodySchema, toItem, UpdateItemBodySchema, type PublicItem } from "../domain/items.ts";
import { CreateTransactionBodySchema, toMovement, toTransaction } from "../domain/transactions.ts";
import { PLANS } from "../plans.ts";
import { hiddenResourceTypes } from "../roles.ts";
import { mayUse } from "./access.ts";
import { afterChange } from "./after-change.ts";
import { attempt, readForm, zodFieldErrors, type FieldErrors, type FormValues } from "./forms.ts";
import { allow } from "./guards.tsx";
import { ErrorPage } from "./pages/errors.tsx";
import {
  INVENTORY_PATH,
  InventoryPage,
  ITEM_FORM_LABELS,
  ItemPage,
  NewItemPage,
  STOCK_FORM_LABELS,
  type InventoryFilters,
} from "./pages/inventory.tsx";
import { pageFromQuery, wholeNumber } from "./paging.tsx";
import { page } from "./render.ts";
import { actorOf } from "./settings.routes.tsx";
import type { DashboardEnv } from "./types.ts";

type DashboardContext = Context<DashboardEnv>;
type Status = 200 | 201 | 400 | 404 | 409 | 429;

const ITEM_FIELDS = ["name", "sku", "quantity", "location", "barcode", "reorder_point"] as const;
const STOCK_FIELDS = ["type", "quantity", "reason", "note", "reference"] as const;
const CHART_POINTS = 100;

const pick = (form: FormValues, fields: readonly string[]): FormValues => Object.fromEntries(fields.map((name) => [name, form[name] ?? ""]));

/**
 * The item form's values as an API body: text as typed (empty optional fields left out on create,
 * cleared with null on edit), whole numbers parsed; a number that is not one is its field's error.
 */
function itemBody(values: FormValues, mode: "create" | "edit"): { body: Record<string, unknown>; errors: FieldErrors } {
  const body: Record<string, unknown> = { name: values.name, sku: values.sku };
  const errors: FieldErrors = {};
  for (const field of ["location", "barcode"] as const) {
    const text = values[field]!;
    if (text.trim() !== "") body[field] = text;
    else if (mode === "edit") body[field] = null;
  }
  for (const field of mode === "create" ? (["quantity", "reorder_point"] as const) : (["reorder_point"] as const)) {
    const number = wholeNumber(values[field]);
    if (number === "invalid") errors[field] = `${ITEM_FORM_LABELS[field]} must be a whole number, such as 12.`;
    else if (number !== undefined) body[field] = number;
    else if (mode === "edit") body[field] = null;
  }
  return { body, errors };
}

async function itemPage(
  c: DashboardContext,
  item: PublicItem,
  extra: { editValues?: FormValues; editErrors?: FieldErrors; stockValues?: FormValues; stockErrors?: FieldErrors; notice?: string } = {},
  status: Status = 200,
) {
  const { viewer } = c.var;
  const companyId = viewer.company.id;
  const isAdmin = mayUse(viewer.user.role, ["GET", "/v1/users"]);
  const [ledger, audit, users] = await Promise.all([
    listTransactions(c.get("db"), companyId, { itemId: item.id }, { limit: CHART_POINTS }),
    listAuditEntries(
      c.get("db"),
      companyId,
      PLANS[viewer.company.plan].auditRetentionDays,
      { itemId: item.id, hiddenResourceTypes: hiddenResourceTypes(viewer.user.role) },
      { limit: 20 },
    ),
    isAdmin ? listUsers(c.get("db"), companyId, { limit: 100, offset: 0 }) : Promise.resolve(undefined),
  ]);
  return page(
    c,
    <ItemPage
      viewer={viewer}
      item={item}
      ledger={ledger.rows.map(toTransaction)}
      audit={audit.rows.map(toAuditEntry)}
      userNames={new Map(users?.rows.map((user) => [user.id, user.name]) ?? [])}
      canChange={mayUse(viewer.user.role, ["POST", "/v1/transactions"])}
      {...extra}
    />,
    status,
  );
}

const noSuchItem = (c: DashboardContext) =>
  page(c, <ErrorPage viewer={c.get("viewer")} title="No such item" message="There is no such item: it may have been moved to the trash." />, 404);

async function liveItem(c: DashboardContext): Promise<PublicItem | undefined> {
  const row = await findLiveItem(c.get("db"), c.get("viewer").company.id, c.req.param("id")!);
  return row && toItem(row);
}

export const inventoryRoutes = new Hono<DashboardEnv>()
  .get("/inventory", allow(["GET", "/v1/items"]), async (c) => {
    const query = c.req.query();
    const filters: InventoryFilters = {
      search: query.search?.trim() || undefined,
      location: query.location?.trim() || undefined,
      low_stock: query.low_stock === "true" || query.low_stock === "false" ? query.low_stock : undefined,
    };
    const listPage = pageFromQuery(query);
    const canCreate = mayUse(c.get("viewer").user.role, ["POST", "/v1/items"]);
    const errors: FieldErrors = {};
    if (filters.search && filters.search.length > 100) errors.search = "Search must be at most 100 characters long.";
    if (filters.location && filters.location.length > 100) errors.location = "Location must be at most 100 characters long.";
    const shown = { viewer: c.get("viewer"), filters, page: listPage, canCreate, notice: query.notice };
    if (Object.keys(errors).length > 0) {
      return page(c, <InventoryPage {...shown} items={[]} total={0} hasMore={false} errors={errors} />, 400);
    }
    const list = await listLiveItems(
      c.get("db"),
      c.get("viewer").company.id,
      { search: filters.search, location: filters.location, lowStock: filters.low_stock === undefined ? undefined : filters.low_stock === "true" },
      listPage,
    );
    return page(c, <InventoryPage {...shown} items={list.rows.map(toItem)} total={list.total} hasMore={list.hasMore} />);
  })
  .get("/inventory/new", allow(["POST", "/v1/items"]), (c) => page(c, <NewItemPage viewer={c.get("viewer")} values={{ quantity: "0" }} />))
  .post("/inventory", allow(["POST", "/v1/items"]), async (c) => {
    const values = pick(await readForm(c), ITEM_FIELDS);
    const { body, errors } = itemBody(values, "create");
    const parsed = CreateItemBodySchema.safeParse(body);
    if (!parsed.success || Object.keys(errors).length > 0) {
      const all = { ...(parsed.success ? {} : zodFieldErrors(parsed.error, ITEM_FORM_LABELS)), ...errors };
      return page(c, <NewItemPage viewer={c.get("viewer")} values={values} errors={all} />, 400);
    }
    const result = await attempt(() => insertItem(c.get("db"), actorOf(c), parsed.data), ITEM_FORM_LABELS);
    if (!result.ok) return page(c, <NewItemPage viewer={c.get("viewer")} values={values} errors={result.errors} />, result.status as Status);
    afterChange(c);
    return c.redirect(`${INVENTORY_PATH}/${result.value.id}?notice=created`, 303);
  })
  .get("/inventory/:id", allow(["GET", "/v1/items/:id"]), async (c) => {
    const item = await liveItem(c);
    if (!item) return noSuchItem(c);
    return itemPage(c, item, { notice: c.req.query("notice") });
  })
  .post("/inventory/:id", allow(["PATCH", "/v1/items/:id"]), async (c) => {
    const values = pick(await readForm(c), ITEM_FIELDS.filter((field) => field !== "quantity"));
    const item = await liveItem(c);
    if (!item) return noSuchItem(c);
    const { body, errors } = itemBody(values, "edit");
    const parsed = UpdateItemBodySchema.safeParse(body);
    if (!parsed.success || Object.keys(errors).length > 0) {
      const all = { ...(parsed.success ? {} : zodFieldErrors(parsed.error, ITEM_FORM_LABELS)), ...errors };
      return itemPage(c, item, { editValues: values, editErrors: all }, 400);
    }
    const result = await attempt(() => updateLiveItem(c.get("db"), actorOf(c), item.id, parsed.data), ITEM_FORM_LABELS);
    if (!result.ok) return itemPage(c, item, { editValues: values, editErrors: result.errors }, result.status as Status);
    if (!result.value) return noSuchItem(c);
    afterChange(c);
    return c.redirect(`${INVENTORY_PATH}/${item.id}?notice=saved`, 303);
  })
  .post("/inventory/:id/stock", allow(["POST", "/v1/transactions"]), async (c) => {
    const values = pick(await readForm(c), STOCK_FIELDS);
    const item = await liveItem(c);
    if (!item) return noSuchItem(c);
    const quantity = wholeNumber(values.quantity);
    if (quantity === undefined || quantity === "invalid") {
      const message = quantity === undefined ? "Quantity is required." : "Quantity must be a whole number, such as 12.";
      return itemPage(c, item, { stockValues: values, stockErrors: { quantity: message } }, 400);
    }
    const parsed = CreateTransactionBodySchema.safeParse({
      item_id: item.id,
      type: values.type,
      quantity,
      reason: values.reason || undefined,
      note: values.note!.trim() || undefined,
      reference: values.reference!.trim() || undefined,
    });
    if (!parsed.success) {
      return itemPage(c, item, { stockValues: values, stockErrors: zodFieldErrors(parsed.error, STOCK_FORM_LABELS) }, 400);
    }
    const result = await attempt(() => recordMovements(c.get("db"), actorOf(c), [toMovement(parsed.data)]), STOCK_FORM_LABELS);
    if (!result.ok) {
      // The error may come from a change made meanwhile: show the item as it is now.
      const now = (await liveItem(c)) ?? item;
      return itemPage(c, now, { stockValues: values, stockErrors: result.errors }, result.status as Status);
    }
    afterChange(c);
    return c.redirect(`${INVENTORY_PATH}/${item.id}?notice=recorded`, 303);
  });
