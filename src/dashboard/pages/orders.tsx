// Purchase orders: the list (status and supplier filters, cursor paging), the order form (create
// and edit a draft: supplier, currency, expected date, notes, lines by SKU), and an order's page
// with its lines and the actions its status allows (submit, receive all or per line, cancel).
import type { Order } from "../../domain/orders.ts";
import { ORDER_STATUSES, type OrderStatus } from "../../domain/order-status.ts";
import type { Page } from "../../lib/pagination.ts";
import type { FieldErrors, FormValues } from "../forms.ts";
import { AppPage, Field, FormError, formatTime, Notice, Select } from "../layout.tsx";
import { Pager } from "../paging.tsx";
import { DASHBOARD_PATH } from "../paths.ts";
import type { Viewer } from "../types.ts";

export const ORDERS_PATH = `${DASHBOARD_PATH}/orders`;

/** Blank line rows the form offers beyond the order's own lines. */
export const BLANK_LINES = 3;

export const ORDER_FORM_LABELS = { supplier: "Supplier", currency: "Currency", expected_at: "Expected date", notes: "Notes", line_items: "Lines" };

export const lineField = (row: number, field: "sku" | "quantity_ordered" | "unit_cost") => `line${row}_${field}`;

const STATUS_LABELS: Record<OrderStatus, string> = {
  draft: "Draft",
  submitted: "Submitted",
  partially_received: "Partly received",
  received: "Received",
  cancelled: "Cancelled",
};

const STATUS_BADGES: Record<OrderStatus, string> = {
  draft: "badge",
  submitted: "badge badge-accent",
  partially_received: "badge badge-warn",
  received: "badge badge-ok",
  cancelled: "badge badge-danger",
};

export const STATUS_OPTIONS = [["", "Any status"], ...ORDER_STATUSES.map((status) => [status, STATUS_LABELS[status]] as const)] as const;

const NOTICES: Record<string, string> = {
  created: "The order is created as a draft.",
  saved: "The draft's changes are saved.",
  submitted: "The order is submitted.",
  received: "The stock is received: each line's quantity is in the ledger.",
  cancelled: "The order is cancelled.",
};

export function StatusBadge({ status }: { status: OrderStatus }) {
  return <span class={STATUS_BADGES[status]}>{STATUS_LABELS[status]}</span>;
}

/** Minor units as the currency's amount, assuming two decimals (as USD, EUR, GBP). */
export function money(minor: number, currency: string): string {
  return `${(minor / 100).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })} ${currency}`;
}

export function OrdersPage(props: {
  viewer: Viewer;
  orders: Order[];
  total: number;
  hasMore: boolean;
  page: Page;
  filters: { status?: string; supplier?: string };
  canCreate: boolean;
  errors?: FieldErrors;
}) {
  const filtered = Boolean(props.filters.status || props.filters.supplier);
  return (
    <AppPage
      viewer={props.viewer}
      title="Purchase orders"
      current={ORDERS_PATH}
      subtitle="What you ordered from suppliers, and what has arrived."
      actions={props.canCreate ? <a class="button" href={`${ORDERS_PATH}/new`}>New order</a> : undefined}
    >
      <FormError errors={props.errors} />
      <section class="card" aria-labelledby="order-filters">
        <h2 id="order-filters" class="sr-only">Filters</h2>
        <form class="inline-fields" method="get" action={ORDERS_PATH} role="search">
          <Select name="status" label="Status" options={STATUS_OPTIONS} values={props.filters as FormValues} />
          <Field name="supplier" label="Supplier" values={props.filters as FormValues} errors={props.errors} maxlength={200} hint="Exactly, any case." />
          <div class="form-actions field">
            <span class="sr-only">Filter</span>
            <button class="button" type="submit">Filter</button>
            {filtered && <a href={ORDERS_PATH}>Clear</a>}
          </div>
        </form>
      </section>
      <section class="card" aria-labelledby="orders">
        <h2 id="orders">{filtered ? `Matching orders (${props.total})` : `Orders (${props.total})`}</h2>
        {props.orders.length === 0 ? (
          <p class="muted">{filtered ? "No order matches these filters." : "No orders yet."}</p>
        ) : (
          <div class="table-wrap" tabindex={0}>
            <table>
              <thead>
                <tr>
                  <th scope="col">Number</th>
                  <th scope="col">Supplier</th>
                  <th scope="col">Status</th>
                  <th scope="col" class="num">Lines</th>
                  <th scope="col" class="num">Total</th>
                  <th scope="col">Expected</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {props.orders.map((order) => (
                  <tr>
                    <td>
                      <a href={`${ORDERS_PATH}/${order.id}`}>{order.number}</a>
                    </td>
                    <td>{order.supplier}</td>
                    <td>
                      <StatusBadge status={order.status} />
                    </td>
                    <td class="num">{order.line_items.length}</td>
                    <td class="num">{money(order.total_cost, order.currency)}</td>
                    <td>{order.expected_at ?? <span class="muted">—</span>}</td>
                    <td>{formatTime(order.created_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <Pager path={ORDERS_PATH} filters={props.filters} page={props.page} rows={props.orders} hasMore={props.hasMore} label="Orders" />
      </section>
    </AppPage>
  );
}

/** The order form's fields: the order's own, then one row per line (SKU, quantity, unit cost). */
function OrderFields({ values, errors, rows }: { values?: FormValues; errors?: FieldErrors; rows: number }) {
  return (
    <>
      <div class="inline-fields">
        <Field name="supplier" label="Supplier" required maxlength={200} values={values} errors={errors} />
        <Field name="currency" label="Currency" maxlength={3} values={values} errors={errors} hint="ISO 4217, e.g. USD." />
        <Field name="expected_at" label="Expected date" type="date" values={values} errors={errors} hint="Optional." />
      </div>
      <Field name="notes" label="Notes" maxlength={2000} values={values} errors={errors} hint="Optional." />
      <fieldset class="lines">
        <legend>Lines</legend>
        <p class="hint">Each item once, by SKU. Unit cost in minor units (cents for USD). Leave a row empty to skip it.</p>
        {errors?.line_items && <p class="field-error" id="field-line_items-error">{errors.line_items}</p>}
        {Array.from({ length: rows }, (_, row) => (
          <div class="inline-fields line-row">
            <Field name={lineField(row, "sku")} label={`Line ${row + 1}: SKU`} values={values} errors={errors} maxlength={64} />
            <Field name={lineField(row, "quantity_ordered")} label={`Line ${row + 1}: quantity`} values={values} errors={errors} />
            <Field name={lineField(row, "unit_cost")} label={`Line ${row + 1}: unit cost`} values={values} errors={errors} />
          </div>
        ))}
      </fieldset>
    </>
  );
}

export function OrderFormPage(props: { viewer: Viewer; order?: Order; values?: FormValues; errors?: FieldErrors; rows: number }) {
  const editing = props.order;
  const action = editing ? `${ORDERS_PATH}/${editing.id}` : ORDERS_PATH;
  return (
    <AppPage
      viewer={props.viewer}
      title={editing ? `Edit ${editing.number}` : "New purchase order"}
      current={ORDERS_PATH}
      subtitle={<a href={editing ? action : ORDERS_PATH}>{editing ? `← ${editing.number}` : "← Purchase orders"}</a>}
    >
      <FormError errors={props.errors} />
      <section class="card" aria-labelledby="order-form">
        <h2 id="order-form">{editing ? "Draft" : "Order"}</h2>
        <form class="stack stack-wide" method="post" action={action} novalidate>
          <OrderFields values={props.values} errors={props.errors} rows={props.rows} />
          <div class="form-actions">
            <button class="button" type="submit">{editing ? "Save draft" : "Create draft"}</button>
            <a href={editing ? action : ORDERS_PATH}>Cancel</a>
          </div>
        </form>
      </section>
    </AppPage>
  );
}

export function OrderPage(props: {
  viewer: Viewer;
  order: Order;
  labels: Map<string, { sku: string; name: string }>;
  can: { edit: boolean; submit: boolean; receive: boolean; cancel: boolean };
  receiveValues?: FormValues;
  errors?: FieldErrors;
  notice?: string;
}) {
  const { order, can } = props;
  const path = `${ORDERS_PATH}/${order.id}`;
  const receivable = order.status === "submitted" || order.status === "partially_received";
  const draft = order.status === "draft";
  const cancellable = draft || order.status === "submitted";
  return (
    <AppPage viewer={props.viewer} title={`${order.number} · ${order.supplier}`} current={ORDERS_PATH} subtitle={<a href={ORDERS_PATH}>← Purchase orders</a>} actions={<StatusBadge status={order.status} />}>
      {props.notice && NOTICES[props.notice] && (
        <Notice kind="ok">
          <p>{NOTICES[props.notice]}</p>
        </Notice>
      )}
      <FormError errors={props.errors} />
      <section class="card" aria-labelledby="order-facts">
        <h2 id="order-facts">Order</h2>
        <dl class="facts">
          <dt>Total</dt>
          <dd>{money(order.total_cost, order.currency)}</dd>
          <dt>Expected</dt>
          <dd>{order.expected_at ?? "—"}</dd>
          <dt>Created</dt>
          <dd>{formatTime(order.created_at)}</dd>
          {order.submitted_at && (
            <>
              <dt>Submitted</dt>
              <dd>{formatTime(order.submitted_at)}</dd>
            </>
          )}
          {order.received_at && (
            <>
              <dt>Received</dt>
              <dd>{formatTime(order.received_at)}</dd>
            </>
          )}
          {order.cancelled_at && (
            <>
              <dt>Cancelled</dt>
              <dd>{formatTime(order.cancelled_at)}</dd>
            </>
          )}
          <dt>Notes</dt>
          <dd>{order.notes ?? "—"}</dd>
        </dl>
        {(can.edit || can.submit || can.cancel) && (
          <div class="form-actions actions-row">
            {draft && can.edit && <a class="button button-secondary" href={`${path}/edit`}>Edit draft</a>}
            {draft && can.submit && (
              <form method="post" action={`${path}/submit`}>
                <button class="button" type="submit">Submit order</button>
              </form>
            )}
            {cancellable && can.cancel && (
              <form method="post" action={`${path}/cancel`}>
                <button class="button button-danger" type="submit">Cancel order</button>
              </form>
            )}
          </div>
        )}
      </section>
      <section class="card" aria-labelledby="order-lines">
        <h2 id="order-lines">Lines</h2>
        <form method="post" action={`${path}/receive`} novalidate>
          <div class="table-wrap" tabindex={0}>
            <table>
              <thead>
                <tr>
                  <th scope="col">Item</th>
                  <th scope="col" class="num">Ordered</th>
                  <th scope="col" class="num">Received</th>
                  <th scope="col" class="num">Unit cost</th>
                  {receivable && can.receive && <th scope="col">Receive now</th>}
                </tr>
              </thead>
              <tbody>
                {order.line_items.map((line) => {
                  const label = props.labels.get(line.item_id);
                  const outstanding = line.quantity_ordered - line.quantity_received;
                  const name = `receive_${line.id}`;
                  const error = props.errors?.[name];
                  return (
                    <tr>
                      <td>
                        <a href={`${DASHBOARD_PATH}/inventory/${line.item_id}`}>{label ? `${label.name} (${label.sku})` : line.item_id}</a>
                      </td>
                      <td class="num">{line.quantity_ordered}</td>
                      <td class="num">{line.quantity_received}</td>
                      <td class="num">{money(line.unit_cost, order.currency)}</td>
                      {receivable && can.receive && (
                        <td>
                          {outstanding > 0 ? (
                            <>
                              <label class="sr-only" for={`field-${name}`}>Receive now: {label?.sku ?? line.item_id}</label>
                              <input
                                id={`field-${name}`}
                                name={name}
                                type="text"
                                inputmode="numeric"
                                class="input-small"
                                value={props.receiveValues?.[name] ?? ""}
                                placeholder={`up to ${outstanding}`}
                                aria-invalid={error ? "true" : undefined}
                                aria-describedby={error ? `field-${name}-error` : undefined}
                              />
                              {error && <p class="field-error" id={`field-${name}-error`}>{error}</p>}
                            </>
                          ) : (
                            <span class="muted">All received</span>
                          )}
                        </td>
                      )}
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          {receivable && can.receive && (
            <div class="form-actions actions-row">
              <button class="button" type="submit" name="mode" value="lines">Receive the quantities entered</button>
              <button class="button button-secondary" type="submit" name="mode" value="all">Receive everything outstanding</button>
            </div>
          )}
        </form>
      </section>
    </AppPage>
  );
}
