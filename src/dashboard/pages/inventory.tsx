// Inventory: the list of items (search, location and low-stock filters, cursor paging, low stock
// marked), the form that creates one, and an item's page (its fields, the stock actions, its stock
// level over time drawn from the ledger, its recent transactions and its audit trail).
import { ADJUST_REASONS } from "../../db/schema.ts";
import type { AuditEntry } from "../../domain/audit.ts";
import type { PublicItem } from "../../domain/items.ts";
import type { Transaction } from "../../domain/transactions.ts";
import type { Page } from "../../lib/pagination.ts";
import type { FieldErrors, FormValues } from "../forms.ts";
import { AppPage, Field, FormError, formatTime, Notice, Select } from "../layout.tsx";
import { Pager } from "../paging.tsx";
import { DASHBOARD_PATH } from "../paths.ts";
import type { Viewer } from "../types.ts";
import { StockChart } from "./stock-chart.tsx";

export const INVENTORY_PATH = `${DASHBOARD_PATH}/inventory`;

export const ITEM_FORM_LABELS = {
  name: "Name",
  sku: "SKU",
  quantity: "Quantity",
  location: "Location",
  barcode: "Barcode",
  reorder_point: "Reorder point",
};

export const STOCK_FORM_LABELS = { type: "Action", quantity: "Quantity", reason: "Reason", note: "Note", reference: "Reference" };

export const STOCK_ACTIONS = [
  ["receive", "Receive (add stock)"],
  ["issue", "Issue (remove stock)"],
  ["adjust", "Adjust (signed change, with a reason)"],
  ["count", "Count (set the counted stock)"],
] as const;

const REASON_OPTIONS = [["", "— (only for adjust)"], ...ADJUST_REASONS.map((reason) => [reason, reason.replace("_", " ")] as const)] as const;

export const LOW_STOCK_OPTIONS = [
  ["", "All items"],
  ["true", "Low stock only"],
  ["false", "Not low"],
] as const;

const NOTICES: Record<string, string> = {
  created: "The item is created.",
  saved: "The item's changes are saved.",
  recorded: "The stock movement is recorded.",
};

export function isLow(item: Pick<PublicItem, "quantity" | "reorder_point">): boolean {
  return item.reorder_point !== null && item.quantity < item.reorder_point;
}

function LowBadge({ item }: { item: PublicItem }) {
  return isLow(item) ? <span class="badge badge-warn">Low stock</span> : null;
}

export interface InventoryFilters {
  search?: string;
  location?: string;
  low_stock?: string;
}

export function InventoryPage(props: {
  viewer: Viewer;
  items: PublicItem[];
  total: number;
  hasMore: boolean;
  page: Page;
  filters: InventoryFilters;
  canCreate: boolean;
  errors?: FieldErrors;
  notice?: string;
}) {
  const { filters } = props;
  const filtered = Boolean(filters.search || filters.location || filters.low_stock);
  return (
    <AppPage
      viewer={props.viewer}
      title="Inventory"
      current={INVENTORY_PATH}
      subtitle="Every item with its stock. Items below their reorder point are marked low."
      actions={props.canCreate ? <a class="button" href={`${INVENTORY_PATH}/new`}>New item</a> : undefined}
    >
      {props.notice && NOTICES[props.notice] && (
        <Notice kind="ok">
          <p>{NOTICES[props.notice]}</p>
        </Notice>
      )}
      <FormError errors={props.errors} />
      <section class="card" aria-labelledby="filters">
        <h2 id="filters" class="sr-only">Filters</h2>
        <form class="inline-fields" method="get" action={INVENTORY_PATH} role="search">
          <Field name="search" label="Search" values={filters as FormValues} errors={props.errors} hint="Name, SKU or barcode." maxlength={100} />
          <Field name="location" label="Location" values={filters as FormValues} errors={props.errors} hint="Exactly, any case." maxlength={100} />
          <Select name="low_stock" label="Stock" options={LOW_STOCK_OPTIONS} values={filters as FormValues} />
          <div class="form-actions field">
            <span class="sr-only">Filter</span>
            <button class="button" type="submit">Filter</button>
            {filtered && <a href={INVENTORY_PATH}>Clear</a>}
          </div>
        </form>
      </section>
      <section class="card" aria-labelledby="items">
        <h2 id="items">{filtered ? `Matching items (${props.total})` : `Items (${props.total})`}</h2>
        {props.items.length === 0 ? (
          <p class="muted">{filtered ? "No item matches these filters." : "No items yet."}</p>
        ) : (
          <div class="table-wrap" tabindex={0}>
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">SKU</th>
                  <th scope="col">Location</th>
                  <th scope="col" class="num">Quantity</th>
                  <th scope="col" class="num">Reorder point</th>
                  <th scope="col">Stock</th>
                </tr>
              </thead>
              <tbody>
                {props.items.map((item) => (
                  <tr class={isLow(item) ? "row-low" : undefined}>
                    <td>
                      <a href={`${INVENTORY_PATH}/${item.id}`}>{item.name}</a>
                    </td>
                    <td class="mono">{item.sku}</td>
                    <td>{item.location ?? <span class="muted">—</span>}</td>
                    <td class="num">{item.quantity.toLocaleString("en-US")}</td>
                    <td class="num">{item.reorder_point === null ? <span class="muted">—</span> : item.reorder_point.toLocaleString("en-US")}</td>
                    <td>{isLow(item) ? <LowBadge item={item} /> : <span class="badge badge-ok">OK</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <Pager path={INVENTORY_PATH} filters={filters as Record<string, string | undefined>} page={props.page} rows={props.items} hasMore={props.hasMore} label="Inventory" />
      </section>
    </AppPage>
  );
}

function ItemFields({ values, errors, withQuantity }: { values?: FormValues; errors?: FieldErrors; withQuantity: boolean }) {
  return (
    <>
      <Field name="name" label="Name" required maxlength={200} values={values} errors={errors} />
      <Field name="sku" label="SKU" required maxlength={64} values={values} errors={errors} hint="Letters, digits, '.', '_' and '-'; unique." />
      {withQuantity && <Field name="quantity" label="Quantity" type="text" values={values} errors={errors} hint="The starting stock (0 if left empty)." />}
      <Field name="location" label="Location" maxlength={100} values={values} errors={errors} hint="Optional." />
      <Field name="barcode" label="Barcode" maxlength={64} values={values} errors={errors} hint="Optional; unique." />
      <Field name="reorder_point" label="Reorder point" type="text" values={values} errors={errors} hint="Optional: low stock below it." />
    </>
  );
}

export function NewItemPage(props: { viewer: Viewer; values?: FormValues; errors?: FieldErrors }) {
  return (
    <AppPage viewer={props.viewer} title="New item" current={INVENTORY_PATH} subtitle={<a href={INVENTORY_PATH}>← Inventory</a>}>
      <FormError errors={props.errors} />
      <section class="card" aria-labelledby="new-item">
        <h2 id="new-item">Item</h2>
        <form class="stack" method="post" action={INVENTORY_PATH} novalidate>
          <ItemFields values={props.values} errors={props.errors} withQuantity />
          <div class="form-actions">
            <button class="button" type="submit">Create item</button>
            <a href={INVENTORY_PATH}>Cancel</a>
          </div>
        </form>
      </section>
    </AppPage>
  );
}

/** The item as the edit form's values. */
export function itemValues(item: PublicItem): FormValues {
  return {
    name: item.name,
    sku: item.sku,
    location: item.location ?? "",
    barcode: item.barcode ?? "",
    reorder_point: item.reorder_point === null ? "" : String(item.reorder_point),
  };
}

function describeChange(entry: AuditEntry): string {
  if (entry.action !== "update") return entry.action === "create" ? "Created" : entry.action === "delete" ? "Moved to the trash" : "Restored";
  return Object.entries(entry.changes)
    .map(([field, change]) => {
      const { from, to } = change as { from: unknown; to: unknown };
      return `${field.replace("_", " ")}: ${from ?? "—"} → ${to ?? "—"}`;
    })
    .join("; ");
}

const signed = (n: number) => (n > 0 ? `+${n}` : n < 0 ? `−${-n}` : "0");

export function ItemPage(props: {
  viewer: Viewer;
  item: PublicItem;
  ledger: Transaction[];
  audit: AuditEntry[];
  userNames: Map<string, string>;
  canChange: boolean;
  editValues?: FormValues;
  editErrors?: FieldErrors;
  stockValues?: FormValues;
  stockErrors?: FieldErrors;
  notice?: string;
}) {
  const { item } = props;
  const path = `${INVENTORY_PATH}/${item.id}`;
  const who = (userId: string | null, apiKeyId: string | null) =>
    userId === props.viewer.user.id ? "You" : (userId && props.userNames.get(userId)) ?? (apiKeyId ? "An API key" : (userId ?? "—"));
  return (
    <AppPage
      viewer={props.viewer}
      title={item.name}
      current={INVENTORY_PATH}
      subtitle={<a href={INVENTORY_PATH}>← Inventory</a>}
      actions={isLow(item) ? <span class="badge badge-warn badge-large">Low stock</span> : undefined}
    >
      {props.notice && NOTICES[props.notice] && (
        <Notice kind="ok">
          <p>{NOTICES[props.notice]}</p>
        </Notice>
      )}
      <div class="stats">
        <div class={isLow(item) ? "stat stat-low" : "stat"}>
          <p class="stat-label">In stock</p>
          <p class="stat-value" id="item-quantity">{item.quantity.toLocaleString("en-US")}</p>
          <p class="stat-note">{isLow(item) ? `Below the reorder point of ${item.reorder_point}` : item.reorder_point === null ? "No reorder point" : `Reorder point ${item.reorder_point}`}</p>
        </div>
        <div class="stat">
          <p class="stat-label">SKU</p>
          <p class="stat-value stat-text mono">{item.sku}</p>
          <p class="stat-note">{item.location ?? "No location"}</p>
        </div>
      </div>
      <section class="card" aria-labelledby="chart-title">
        <h2 id="chart-title">Stock level over time</h2>
        <StockChart ledger={props.ledger} reorderPoint={item.reorder_point} quantity={item.quantity} />
      </section>
      {props.canChange && (
        <section class="card" aria-labelledby="stock-title">
          <h2 id="stock-title">Record a stock movement</h2>
          <FormError errors={props.stockErrors} />
          <form class="inline-fields" method="post" action={`${path}/stock`} novalidate>
            <Select name="type" label="Action" options={STOCK_ACTIONS} selected="issue" values={props.stockValues} errors={props.stockErrors} />
            <Field name="quantity" label="Quantity" required values={props.stockValues} errors={props.stockErrors} hint="Adjust: signed, e.g. -2. Count: what you counted." />
            <Select name="reason" label="Reason" options={REASON_OPTIONS} values={props.stockValues} errors={props.stockErrors} />
            <Field name="reference" label="Reference" maxlength={200} values={props.stockValues} errors={props.stockErrors} hint="Optional, e.g. SO-1042." />
            <Field name="note" label="Note" maxlength={500} values={props.stockValues} errors={props.stockErrors} hint="Optional." />
            <div class="form-actions field">
              <span class="sr-only">Record</span>
              <button class="button" type="submit">Record</button>
            </div>
          </form>
        </section>
      )}
      <section class="card" aria-labelledby="ledger-title">
        <h2 id="ledger-title">Recent transactions</h2>
        {props.ledger.length === 0 ? (
          <p class="muted">No stock movements yet.</p>
        ) : (
          <div class="table-wrap" tabindex={0}>
            <table>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Type</th>
                  <th scope="col" class="num">Change</th>
                  <th scope="col" class="num">After</th>
                  <th scope="col">Reason / reference</th>
                  <th scope="col">By</th>
                </tr>
              </thead>
              <tbody>
                {props.ledger.slice(0, 20).map((row) => (
                  <tr>
                    <td>{formatTime(row.created_at)}</td>
                    <td>{row.type}</td>
                    <td class="num">{signed(row.quantity_change)}</td>
                    <td class="num">{row.quantity_after.toLocaleString("en-US")}</td>
                    <td>{[row.reason?.replace("_", " "), row.reference, row.note].filter(Boolean).join(" · ") || <span class="muted">—</span>}</td>
                    <td>{who(row.user_id, null)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section class="card" aria-labelledby="edit-title">
        <h2 id="edit-title">Details</h2>
        {props.canChange ? (
          <>
            <FormError errors={props.editErrors} />
            <form class="stack" method="post" action={path} novalidate>
              <ItemFields values={props.editValues ?? itemValues(item)} errors={props.editErrors} withQuantity={false} />
              <div class="form-actions">
                <button class="button" type="submit">Save changes</button>
              </div>
            </form>
          </>
        ) : (
          <dl class="facts">
            <dt>SKU</dt>
            <dd class="mono">{item.sku}</dd>
            <dt>Location</dt>
            <dd>{item.location ?? "—"}</dd>
            <dt>Barcode</dt>
            <dd>{item.barcode ?? "—"}</dd>
            <dt>Reorder point</dt>
            <dd>{item.reorder_point ?? "—"}</dd>
          </dl>
        )}
        <p class="hint">Created {formatTime(item.created_at)} · updated {formatTime(item.updated_at)} · id <span class="mono">{item.id}</span></p>
      </section>
      <section class="card" aria-labelledby="audit-title">
        <h2 id="audit-title">Audit trail</h2>
        <p class="hint">The latest 20 entries. <a href={`${DASHBOARD_PATH}/audit-log?item_id=${item.id}`}>All of this item's entries in the audit log</a></p>
        {props.audit.length === 0 ? (
          <p class="muted">No entries within your plan's retention.</p>
        ) : (
          <div class="table-wrap" tabindex={0}>
            <table>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Action</th>
                  <th scope="col">What changed</th>
                  <th scope="col">By</th>
                </tr>
              </thead>
              <tbody>
                {props.audit.map((entry) => (
                  <tr>
                    <td>{formatTime(entry.created_at)}</td>
                    <td>{entry.action}</td>
                    <td>{describeChange(entry)}</td>
                    <td>{who(entry.user_id, entry.api_key_id)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </AppPage>
  );
}
