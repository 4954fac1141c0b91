// Purchase orders: list, create, edit a draft, submit, receive (all or per line), cancel. Each
// action is the API's (createOrder / updateDraftOrder / transitionOrder / receiveOrder with the
// API's schemas), so the same rules, ledger rows (receive, with order_id), audit entries and events.
import { Hono, type Context } from "hono";
import { itemLabels } from "../db/dashboard-orders.ts";
import { liveItemIdsBySku } from "../db/imports.ts";
import { receiveOrder } from "../db/order-receipts.ts";
import { createOrder, findOrder, listOrders, transitionOrder, updateDraftOrder } from "../db/orders.ts";
import { DomainError } from "../domain/errors.ts";
import { ORDER_STATUSES, type OrderStatus } from "../domain/order-status.ts";
import { CreateOrderBodySchema, ReceiveOrderBodySchema, UpdateOrderBodySchema, type Order } from "../domain/orders.ts";
import type { z } from "@hono/zod-openapi";
import { foldCase } from "../lib/case-fold.ts";
import { fieldPath } from "../lib/validation.ts";
import { mayUse } from "./access.ts";
import { afterChange } from "./after-change.ts";
import { attempt, readForm, zodFieldErrors, type FieldErrors, type FormValues } from "./forms.ts";
import { allow } from "./guards.tsx";
import { ErrorPage } from "./pages/errors.tsx";
import { BLANK_LINES, lineField, ORDER_FORM_LABELS, OrderFormPage, OrderPage, ORDERS_PATH, OrdersPage } from "./pages/orders.tsx";
import { pageFromQuery, wholeNumber } from "./paging.tsx";
import { page } from "./render.ts";
import { actorOf } from "./settings.routes.tsx";
import type { DashboardEnv } from "./types.ts";

type DashboardContext = Context<DashboardEnv>;
type Status = 200 | 400 | 404 | 409 | 429;

const MAX_ROWS = 100 + BLANK_LINES;
const LINE_FIELD = /^line_items\[(\d+)\]\.(item_id|quantity_ordered|unit_cost)$/;

/** How many line rows the form sent (the highest row index + 1). */
function rowsSent(form: FormValues): number {
  let rows = 0;
  for (const name of Object.keys(form)) {
    const match = /^line(\d+)_sku$/.exec(name);
    if (match) rows = Math.max(rows, Number(match[1]) + 1);
  }
  return Math.min(rows, MAX_ROWS);
}

/**
 * The order form as an API body: the order's fields, and its lines from the rows that are not
 * empty (SKUs looked up among the live items). `rowOf[i]` is the form row of the body's line i, so
 * an error about `line_items[i]` is shown beside that row's field.
 */
async function orderBody(c: DashboardContext, form: FormValues, mode: "create" | "edit") {
  const values: FormValues = {};
  for (const name of ["supplier", "currency", "expected_at", "notes"]) values[name] = form[name] ?? "";
  const errors: FieldErrors = {};
  const body: Record<string, unknown> = { supplier: values.supplier };
  for (const name of ["currency", "expected_at", "notes"] as const) {
    const text = values[name]!.trim();
    if (text !== "") body[name] = name === "notes" ? values[name] : text;
    else if (mode === "edit" && name !== "currency") body[name] = null;
  }
  const rows = rowsSent(form);
  const lines: { row: number; sku: string; quantity_ordered: number; unit_cost: number }[] = [];
  for (let row = 0; row < rows; row++) {
    const [sku, quantity, cost] = (["sku", "quantity_ordered", "unit_cost"] as const).map((field) => {
      values[lineField(row, field)] = form[lineField(row, field)] ?? "";
      return values[lineField(row, field)]!.trim();
    });
    if (!sku && !quantity && !cost) continue;
    if (!sku) errors[lineField(row, "sku")] = "SKU is required on a line.";
    const parsedQuantity = wholeNumber(quantity);
    const parsedCost = wholeNumber(cost);
    if (parsedQuantity === undefined || parsedQuantity === "invalid") {
      errors[lineField(row, "quantity_ordered")] = "Quantity must be a whole number, such as 12.";
    }
    if (parsedCost === undefined || parsedCost === "invalid") {
      errors[lineField(row, "unit_cost")] = "Unit cost must be a whole number of minor units, such as 1250.";
    }
    if (sku && typeof parsedQuantity === "number" && typeof parsedCost === "number") {
      lines.push({ row, sku: sku!, quantity_ordered: parsedQuantity, unit_cost: parsedCost });
    }
  }
  const ids = await liveItemIdsBySku(c.get("db"), c.get("viewer").company.id, [...new Set(lines.map((line) => foldCase(line.sku)))]);
  const known = lines.filter((line) => {
    if (ids.has(foldCase(line.sku))) return true;
    errors[lineField(line.row, "sku")] = "No live item has this SKU.";
    return false;
  });
  if (known.length > 0 || mode === "create" || rows > 0) {
    body.line_items = known.map((line) => ({ item_id: ids.get(foldCase(line.sku)), quantity_ordered: line.quantity_ordered, unit_cost: line.unit_cost }));
  }
  return { values, errors, body, rowOf: known.map((line) => line.row), rows: Math.max(rows, BLANK_LINES) };
}

/** Where an error about `line_items[entry].field` is shown: beside that form row's field. */
function lineErrors(field: string | null, entry: number | null, rowOf: number[]): string | undefined {
  if (entry === null || field === null) return undefined;
  const row = rowOf[entry];
  if (row === undefined) return undefined;
  return lineField(row, field === "item_id" ? "sku" : (field as "quantity_ordered" | "unit_cost"));
}

function schemaErrors(error: z.ZodError, rowOf: number[]): FieldErrors {
  const rename: Record<string, string> = {};
  const labels: Record<string, string> = { ...ORDER_FORM_LABELS };
  for (const issue of error.issues) {
    const path = fieldPath(issue.path) ?? "";
    const match = LINE_FIELD.exec(path);
    if (!match) continue;
    const target = lineErrors(match[2]!, Number(match[1]), rowOf) ?? "line_items";
    rename[path] = target;
    labels[target] = match[2] === "item_id" ? "SKU" : match[2] === "unit_cost" ? "Unit cost" : "Quantity";
  }
  const errors = zodFieldErrors(error, labels, rename);
  if (errors.line_items && rowOf.length === 0) errors.line_items = "Add at least one line: an item's SKU, a quantity and a unit cost.";
  return errors;
}

/** Runs a domain function; its DomainError is shown beside the field `place` names (else on top). */
async function runDomain<T>(work: () => Promise<T>, place: (field: string | null, entry: number | null) => string | undefined) {
  try {
    return { ok: true as const, value: await work() };
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    const status = error.code === "not_found" ? 404 : error.code === "invalid_input" ? 400 : error.code === "plan_limit_exceeded" ? 429 : 409;
    const field = place(error.field, error.entry) ?? (error.field !== null && error.entry === null && error.field in ORDER_FORM_LABELS ? error.field : "");
    return { ok: false as const, errors: { [field]: error.message } as FieldErrors, status };
  }
}

async function orderPage(c: DashboardContext, order: Order, extra: { receiveValues?: FormValues; errors?: FieldErrors; notice?: string } = {}, status: Status = 200) {
  const role = c.get("viewer").user.role;
  const labels = await itemLabels(c.get("db"), c.get("viewer").company.id, order.line_items.map((line) => line.item_id));
  const can = {
    edit: mayUse(role, ["PATCH", "/v1/orders/:id"]),
    submit: mayUse(role, ["POST", "/v1/orders/:id/submit"]),
    receive: mayUse(role, ["POST", "/v1/orders/:id/receive"]),
    cancel: mayUse(role, ["POST", "/v1/orders/:id/cancel"]),
  };
  return page(c, <OrderPage viewer={c.get("viewer")} order={order} labels={labels} can={can} {...extra} />, status);
}

async function formValuesOf(c: DashboardContext, order: Order): Promise<FormValues> {
  const labels = await itemLabels(c.get("db"), c.get("viewer").company.id, order.line_items.map((line) => line.item_id));
  const values: FormValues = { supplier: order.supplier, currency: order.currency, expected_at: order.expected_at ?? "", notes: order.notes ?? "" };
  order.line_items.forEach((line, row) => {
    values[lineField(row, "sku")] = labels.get(line.item_id)?.sku ?? "";
    values[lineField(row, "quantity_ordered")] = String(line.quantity_ordered);
    values[lineField(row, "unit_cost")] = String(line.unit_cost);
  });
  return values;
}

const noSuchOrder = (c: DashboardContext) => page(c, <ErrorPage viewer={c.get("viewer")} title="No such order" message="There is no such purchase order." />, 404);

const findById = (c: DashboardContext) => findOrder(c.get("db"), c.get("viewer").company.id, c.req.param("id")!);

function transition(action: "submit" | "cancel") {
  return async (c: DashboardContext) => {
    const id = c.req.param("id")!;
    const result = await attempt(() => transitionOrder(c.get("db"), actorOf(c), id, action), {});
    if (!result.ok) {
      const order = await findById(c);
      return order ? orderPage(c, order, { errors: result.errors }, result.status as Status) : noSuchOrder(c);
    }
    if (!result.value) return noSuchOrder(c);
    afterChange(c);
    return c.redirect(`${ORDERS_PATH}/${id}?notice=${action === "submit" ? "submitted" : "cancelled"}`, 303);
  };
}

export const ordersRoutes = new Hono<DashboardEnv>()
  .get("/orders", allow(["GET", "/v1/orders"]), async (c) => {
    const query = c.req.query();
    const filters = {
      status: ORDER_STATUSES.includes(query.status as OrderStatus) ? query.status : undefined,
      supplier: query.supplier?.trim() || undefined,
    };
    const listPage = pageFromQuery(query);
    const canCreate = mayUse(c.get("viewer").user.role, ["POST", "/v1/orders"]);
    const list = await listOrders(c.get("db"), c.get("viewer").company.id, { status: filters.status as OrderStatus | undefined, supplier: filters.supplier }, listPage);
    return page(c, <OrdersPage viewer={c.get("viewer")} orders={list.rows} total={list.total} hasMore={list.hasMore} page={listPage} filters={filters} canCreate={canCreate} />);
  })
  .get("/orders/new", allow(["POST", "/v1/orders"]), (c) => page(c, <OrderFormPage viewer={c.get("viewer")} values={{ currency: "USD" }} rows={BLANK_LINES} />))
  .post("/orders", allow(["POST", "/v1/orders"]), async (c) => {
    const { values, errors, body, rowOf, rows } = await orderBody(c, await readForm(c), "create");
    const parsed = CreateOrderBodySchema.safeParse(body);
    if (!parsed.success || Object.keys(errors).length > 0) {
      const all = { ...(parsed.success ? {} : schemaErrors(parsed.error, rowOf)), ...errors };
      return page(c, <OrderFormPage viewer={c.get("viewer")} values={values} errors={all} rows={rows} />, 400);
    }
    const result = await runDomain(() => createOrder(c.get("db"), actorOf(c), parsed.data), (field, entry) => lineErrors(field, entry, rowOf));
    if (!result.ok) return page(c, <OrderFormPage viewer={c.get("viewer")} values={values} errors={result.errors} rows={rows} />, result.status as Status);
    afterChange(c);
    return c.redirect(`${ORDERS_PATH}/${result.value.id}?notice=created`, 303);
  })
  .get("/orders/:id", allow(["GET", "/v1/orders/:id"]), async (c) => {
    const order = await findById(c);
    return order ? orderPage(c, order, { notice: c.req.query("notice") }) : noSuchOrder(c);
  })
  .get("/orders/:id/edit", allow(["PATCH", "/v1/orders/:id"]), async (c) => {
    const order = await findById(c);
    if (!order) return noSuchOrder(c);
    if (order.status !== "draft") return c.redirect(`${ORDERS_PATH}/${order.id}`, 303);
    return page(c, <OrderFormPage viewer={c.get("viewer")} order={order} values={await formValuesOf(c, order)} rows={order.line_items.length + BLANK_LINES} />);
  })
  .post("/orders/:id", allow(["PATCH", "/v1/orders/:id"]), async (c) => {
    const form = await readForm(c);
    const order = await findById(c);
    if (!order) return noSuchOrder(c);
    const { values, errors, body, rowOf, rows } = await orderBody(c, form, "edit");
    const parsed = UpdateOrderBodySchema.safeParse(body);
    if (!parsed.success || Object.keys(errors).length > 0) {
      const all = { ...(parsed.success ? {} : schemaErrors(parsed.error, rowOf)), ...errors };
      return page(c, <OrderFormPage viewer={c.get("viewer")} order={order} values={values} errors={all} rows={rows} />, 400);
    }
    const result = await runDomain(() => updateDraftOrder(c.get("db"), actorOf(c), order.id, parsed.data), (field, entry) => lineErrors(field, entry, rowOf));
    if (!result.ok) return page(c, <OrderFormPage viewer={c.get("viewer")} order={order} values={values} errors={result.errors} rows={rows} />, result.status as Status);
    if (!result.value) return noSuchOrder(c);
    afterChange(c);
    return c.redirect(`${ORDERS_PATH}/${order.id}?notice=saved`, 303);
  })
  .post("/orders/:id/submit", allow(["POST", "/v1/orders/:id/submit"]), transition("submit"))
  .post("/orders/:id/cancel", allow(["POST", "/v1/orders/:id/cancel"]), transition("cancel"))
  .post("/orders/:id/receive", allow(["POST", "/v1/orders/:id/receive"]), async (c) => {
    const form = await readForm(c);
    const order = await findById(c);
    if (!order) return noSuchOrder(c);
    const values: FormValues = {};
    const errors: FieldErrors = {};
    const receipts: { id: string; quantity: number }[] = [];
    for (const line of order.line_items) {
      const name = `receive_${line.id}`;
      values[name] = form[name] ?? "";
      const quantity = wholeNumber(values[name]);
      if (quantity === "invalid") errors[name] = "Quantity must be a whole number, such as 12.";
      else if (quantity !== undefined && quantity !== 0) receipts.push({ id: line.id, quantity });
    }
    const all = form.mode === "all";
    if (!all && receipts.length === 0 && Object.keys(errors).length === 0) {
      errors[""] = "Enter how many arrived on at least one line, or receive everything outstanding.";
    }
    const parsed = ReceiveOrderBodySchema.safeParse(all ? {} : { line_items: receipts });
    if (!parsed.success || Object.keys(errors).length > 0) {
      const rename: Record<string, string> = {};
      receipts.forEach((receipt, i) => (rename[`line_items[${i}].quantity`] = `receive_${receipt.id}`));
      const labels = Object.fromEntries(Object.values(rename).map((name) => [name, "Quantity"]));
      const schema = parsed.success ? {} : zodFieldErrors(parsed.error, labels, rename);
      return orderPage(c, order, { receiveValues: values, errors: { ...schema, ...errors } }, 400);
    }
    const result = await runDomain(
      () => receiveOrder(c.get("db"), actorOf(c), order.id, parsed.data.line_items),
      (_, entry) => (entry === null || !receipts[entry] ? undefined : `receive_${receipts[entry]!.id}`),
    );
    if (!result.ok) {
      // A receipt's error names its entry: show it beside that line's field.
      const now = (await findById(c)) ?? order;
      return orderPage(c, now, { receiveValues: values, errors: result.errors }, result.status as Status);
    }
    if (!result.value) return noSuchOrder(c);
    afterChange(c);
    return c.redirect(`${ORDERS_PATH}/${order.id}?notice=received`, 303);
  });
