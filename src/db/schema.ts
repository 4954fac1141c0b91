import { sql } from "drizzle-orm";
import { check, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { ORDER_STATUSES } from "../domain/order-status.ts";
import { PLAN_NAMES } from "../plans.ts";

export const ROLES = ["admin", "member", "read_only"] as const;
export type Role = (typeof ROLES)[number];

// Timestamps are ISO 8601 UTC strings with milliseconds, so they sort as text.
const timestamps = {
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
};

export const companies = sqliteTable("companies", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  plan: text("plan", { enum: PLAN_NAMES }).notNull(),
  ...timestamps,
});

export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    companyId: text("company_id")
      .notNull()
      .references(() => companies.id),
    name: text("name").notNull(),
    email: text("email").notNull(),
    /** The email case-folded (`foldCase`): unique within the company. */
    emailKey: text("email_key"),
    role: text("role", { enum: ROLES }).notNull(),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("users_company_email_key").on(t.companyId, t.emailKey),
    // Dashboard sign-in finds a person's users in every company by their email.
    index("users_email_key").on(t.emailKey),
  ],
);

export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    companyId: text("company_id")
      .notNull()
      .references(() => companies.id),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    name: text("name").notNull(),
    role: text("role", { enum: ROLES }).notNull(),
    /** Hex SHA-256 of the secret; never leaves the database layer. */
    keyHash: text("key_hash").notNull().unique(),
    last4: text("last4").notNull(),
    createdAt: text("created_at").notNull(),
    lastUsedAt: text("last_used_at"),
    expiresAt: text("expires_at"),
    revokedAt: text("revoked_at"),
    /**
     * The rate limiter object this key counts in: its first predecessor's id for a rolled key, so
     * that rolling continues the counts; null for a key that was never rolled (its own id).
     */
    rateLimitId: text("rate_limit_id"),
  },
  (t) => [index("api_keys_company").on(t.companyId, t.createdAt, t.id)],
);

const live = sql`deleted_at IS NULL`;

export const items = sqliteTable(
  "items",
  {
    /** Internal rowid alias: the FTS5 index refers to rows by it. Never exposed. */
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    id: text("id").notNull().unique(),
    companyId: text("company_id")
      .notNull()
      .references(() => companies.id),
    name: text("name").notNull(),
    sku: text("sku").notNull(),
    skuKey: text("sku_key").generatedAlwaysAs(sql`lower(sku)`, { mode: "virtual" }),
    quantity: integer("quantity").notNull().default(0),
    location: text("location"),
    /** The location case-folded (`foldCase`), for the case-insensitive location filter. */
    locationKey: text("location_key"),
    barcode: text("barcode"),
    reorderPoint: integer("reorder_point"),
    /** Bumped by every change: updates compare it so that concurrent writers never lose one. */
    version: integer("version").notNull().default(0),
    lowStock: integer("low_stock").generatedAlwaysAs(
      sql`reorder_point IS NOT NULL AND quantity < reorder_point`,
      { mode: "virtual" },
    ),
    ...timestamps,
    deletedAt: text("deleted_at"),
  },
  // Every list filter has an index over the live items of one company, ordered as lists are.
  (t) => [
    index("items_live_created").on(t.companyId, t.createdAt, t.id).where(live),
    uniqueIndex("items_live_sku").on(t.companyId, t.skuKey).where(live),
    uniqueIndex("items_live_barcode").on(t.companyId, t.barcode).where(live),
    index("items_live_location").on(t.companyId, t.locationKey, t.createdAt, t.id).where(live),
    index("items_live_low_stock").on(t.companyId, t.lowStock, t.createdAt, t.id).where(live),
    index("items_trash").on(t.companyId, t.deletedAt, t.id).where(sql`deleted_at IS NOT NULL`),
    // Snapshots and restores walk a company's items in rowid order, a page at a time.
    index("items_company_seq").on(t.companyId, t.seq),
  ],
);

export type ItemRow = typeof items.$inferSelect;
export type ApiKeyRow = typeof apiKeys.$inferSelect;

export const TRANSACTION_TYPES = ["initial", "receive", "issue", "adjust", "count", "restore"] as const;
export type TransactionType = (typeof TRANSACTION_TYPES)[number];
export const ADJUST_REASONS = ["damaged", "lost", "found", "correction", "manual_update", "other"] as const;

/** The stock ledger: every quantity change of an item, in order. Rows are never updated. */
export const transactions = sqliteTable(
  "transactions",
  {
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    id: text("id").notNull().unique(),
    companyId: text("company_id")
      .notNull()
      .references(() => companies.id),
    itemId: text("item_id").notNull(),
    type: text("type", { enum: TRANSACTION_TYPES }).notNull(),
    quantityChange: integer("quantity_change").notNull(),
    quantityBefore: integer("quantity_before").notNull(),
    quantityAfter: integer("quantity_after").notNull(),
    reason: text("reason", { enum: ADJUST_REASONS }),
    note: text("note"),
    reference: text("reference"),
    orderId: text("order_id"),
    userId: text("user_id").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [
    // The ledger can never take an item below zero: a batch that tries fails as a whole.
    check("transactions_quantity_after_non_negative", sql`quantity_after >= 0`),
    index("transactions_company").on(t.companyId, t.createdAt, t.id),
    index("transactions_item").on(t.companyId, t.itemId, t.createdAt, t.id),
    index("transactions_type").on(t.companyId, t.type, t.createdAt, t.id),
  ],
);

export const AUDIT_ACTIONS = ["create", "update", "delete", "restore"] as const;
export const AUDIT_RESOURCE_TYPES = ["item", "order", "snapshot", "api_key", "user", "webhook_endpoint"] as const;

export const auditLog = sqliteTable(
  "audit_log",
  {
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    id: text("id").notNull().unique(),
    companyId: text("company_id")
      .notNull()
      .references(() => companies.id),
    action: text("action", { enum: AUDIT_ACTIONS }).notNull(),
    resourceType: text("resource_type", { enum: AUDIT_RESOURCE_TYPES }).notNull(),
    resourceId: text("resource_id").notNull(),
    itemId: text("item_id"),
    userId: text("user_id"),
    apiKeyId: text("api_key_id"),
    /** JSON: `{field: {from, to}}` for updates, the whole object for creates and deletes. */
    changes: text("changes", { mode: "json" }).notNull(),
    transactionId: text("transaction_id"),
    requestId: text("request_id"),
    createdAt: text("created_at").notNull(),
  },
  (t) => [
    index("audit_log_company").on(t.companyId, t.createdAt, t.id),
    index("audit_log_action").on(t.companyId, t.action, t.createdAt, t.id),
    index("audit_log_item").on(t.companyId, t.itemId, t.createdAt, t.id),
    index("audit_log_user").on(t.companyId, t.userId, t.createdAt, t.id),
  ],
);

/** One row per (company, Idempotency-Key): the request's fingerprint and, once done, its answer. */
export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    companyId: text("company_id").notNull(),
    key: text("key").notNull(),
    fingerprint: text("fingerprint").notNull(),
    /** Set when the first request finished; null while it runs. */
    responseStatus: integer("response_status"),
    responseBody: text("response_body"),
    createdAt: text("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.companyId, t.key] }), index("idempotency_keys_created").on(t.createdAt)],
);

export type TransactionRow = typeof transactions.$inferSelect;
export type AuditRow = typeof auditLog.$inferSelect;

export const SNAPSHOT_TYPES = ["manual", "automatic", "pre_restore"] as const;
export const SNAPSHOT_STATUSES = ["pending", "complete", "failed"] as const;

/** Point-in-time copies of a company's live items; the blob (gzip NDJSON) is in R2 under `blob_key`. */
export const snapshots = sqliteTable(
  "snapshots",
  {
    id: text("id").primaryKey(),
    companyId: text("company_id")
      .notNull()
      .references(() => companies.id),
    type: text("type", { enum: SNAPSHOT_TYPES }).notNull(),
    status: text("status", { enum: SNAPSHOT_STATUSES }).notNull(),
    itemCount: integer("item_count"),
    sizeBytes: integer("size_bytes"),
    sha256: text("sha256"),
    note: text("note"),
    /** The user who asked for it; null for the daily job's automatic snapshots. */
    createdBy: text("created_by"),
    blobKey: text("blob_key").notNull(),
    error: text("error"),
    createdAt: text("created_at").notNull(),
    completedAt: text("completed_at"),
    expiresAt: text("expires_at").notNull(),
  },
  (t) => [
    index("snapshots_company").on(t.companyId, t.createdAt, t.id),
    index("snapshots_company_type").on(t.companyId, t.type, t.createdAt),
    index("snapshots_expires").on(t.expiresAt),
  ],
);

export const RESTORE_STATUSES = ["pending", "running", "complete", "failed"] as const;

/** A restore of a snapshot, worked through in steps until done; its row shows the progress. */
export const snapshotRestores = sqliteTable(
  "snapshot_restores",
  {
    id: text("id").primaryKey(),
    companyId: text("company_id")
      .notNull()
      .references(() => companies.id),
    snapshotId: text("snapshot_id").notNull(),
    preRestoreSnapshotId: text("pre_restore_snapshot_id"),
    status: text("status", { enum: RESTORE_STATUSES }).notNull(),
    userId: text("user_id"),
    apiKeyId: text("api_key_id"),
    requestId: text("request_id"),
    /** `trash` (live items missing from the snapshot), then `apply` (the snapshot's items). */
    phase: text("phase", { enum: ["trash", "apply"] }).notNull().default("trash"),
    /** Where the current phase resumes: the last items.seq trashed, or the lines of the blob applied. */
    cursor: integer("cursor").notNull().default(0),
    dryRun: integer("dry_run", { mode: "boolean" }).notNull().default(false),
    itemsProcessed: integer("items_processed").notNull().default(0),
    itemsTotal: integer("items_total").notNull().default(0),
    itemsUpdated: integer("items_updated").notNull().default(0),
    itemsRestored: integer("items_restored").notNull().default(0),
    itemsCreated: integer("items_created").notNull().default(0),
    itemsTrashed: integer("items_trashed").notNull().default(0),
    error: text("error"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    completedAt: text("completed_at"),
  },
  (t) => [index("snapshot_restores_company").on(t.companyId, t.createdAt, t.id)],
);

export type SnapshotRow = typeof snapshots.$inferSelect;
export type SnapshotRestoreRow = typeof snapshotRestores.$inferSelect;

export { ORDER_STATUSES, type OrderStatus } from "../domain/order-status.ts";

/**
 * The last order number each company has used. Creating an order bumps it in the same batch as
 * the insert, so numbers never repeat or skip, however many orders are created at once.
 */
export const orderCounters = sqliteTable("order_counters", {
  companyId: text("company_id")
    .primaryKey()
    .references(() => companies.id),
  lastNumber: integer("last_number").notNull(),
});

/** Purchase orders; `total_cost` is computed from the line items, never stored. */
export const orders = sqliteTable(
  "orders",
  {
    id: text("id").primaryKey(),
    companyId: text("company_id")
      .notNull()
      .references(() => companies.id),
    /** Shown as `PO-000001`; unique per company. */
    number: integer("number").notNull(),
    supplier: text("supplier").notNull(),
    /** The supplier case-folded (`foldCase`), for the case-insensitive supplier filter. */
    supplierKey: text("supplier_key"),
    status: text("status", { enum: ORDER_STATUSES }).notNull(),
    currency: text("currency").notNull(),
    /** A date, `YYYY-MM-DD`. */
    expectedAt: text("expected_at"),
    notes: text("notes"),
    /** Bumped by every change: edits and transitions compare it so that none is lost. */
    version: integer("version").notNull().default(0),
    ...timestamps,
    submittedAt: text("submitted_at"),
    receivedAt: text("received_at"),
    cancelledAt: text("cancelled_at"),
  },
  // Every list filter has an index over the company's orders in list order.
  (t) => [
    uniqueIndex("orders_company_number").on(t.companyId, t.number),
    index("orders_company_created").on(t.companyId, t.createdAt, t.id),
    index("orders_company_status").on(t.companyId, t.status, t.createdAt, t.id),
    index("orders_company_supplier").on(t.companyId, t.supplierKey, t.createdAt, t.id),
  ],
);

export const orderLineItems = sqliteTable(
  "order_line_items",
  {
    id: text("id").primaryKey(),
    orderId: text("order_id")
      .notNull()
      .references(() => orders.id),
    companyId: text("company_id").notNull(),
    itemId: text("item_id").notNull(),
    /** The line's place in the order, as the client sent the lines. */
    position: integer("position").notNull(),
    quantityOrdered: integer("quantity_ordered").notNull(),
    quantityReceived: integer("quantity_received").notNull().default(0),
    /** Integer minor units of the order's currency. */
    unitCost: integer("unit_cost").notNull(),
  },
  (t) => [
    // Receiving more than was ordered fails the whole batch, however many receive at once.
    check("order_line_items_received_within_ordered", sql`quantity_received BETWEEN 0 AND quantity_ordered`),
    check("order_line_items_quantity_ordered_positive", sql`quantity_ordered > 0`),
    check("order_line_items_unit_cost_non_negative", sql`unit_cost >= 0`),
    uniqueIndex("order_line_items_order_item").on(t.orderId, t.itemId),
    index("order_line_items_order").on(t.orderId, t.position),
    index("order_line_items_item").on(t.companyId, t.itemId, t.orderId),
  ],
);

export type OrderRow = typeof orders.$inferSelect;
export type OrderLineItemRow = typeof orderLineItems.$inferSelect;

/**
 * How many live items each company has, kept by triggers on `items` (migration 0005), so that an
 * unfiltered list's `total` is one row read rather than a count over the whole inventory.
 */
export const itemCounts = sqliteTable("item_counts", {
  companyId: text("company_id").primaryKey(),
  live: integer("live").notNull().default(0),
});

// --- Events and webhooks (API.md §14) -----------------------------------------------------------

/**
 * Every change a customer may react to, written in the same D1 batch as the change. `object` is
 * the changed resource's row(s) as they were right after the change (raw columns, written by SQL
 * inside the batch, so that what the ledger computes there is what the event holds); the domain's
 * converter for `object_type` turns it into the API's object, the same way the API answered.
 */
export const events = sqliteTable(
  "events",
  {
    id: text("id").primaryKey(),
    companyId: text("company_id")
      .notNull()
      .references(() => companies.id),
    /** Grows with each event of the company (see `event_counters` for after old events are deleted). */
    sequence: integer("sequence").notNull(),
    type: text("type").notNull(),
    objectType: text("object_type").notNull(),
    object: text("object", { mode: "json" }).notNull(),
    previousAttributes: text("previous_attributes", { mode: "json" }),
    requestId: text("request_id"),
    userId: text("user_id"),
    apiKeyId: text("api_key_id"),
    createdAt: text("created_at").notNull(),
    /** When its deliveries were made (one per subscribed endpoint); null until then: the outbox. */
    dispatchedAt: text("dispatched_at"),
  },
  (t) => [
    uniqueIndex("events_company_sequence").on(t.companyId, t.sequence),
    index("events_company_type").on(t.companyId, t.type, t.sequence),
    index("events_created").on(t.createdAt),
    index("events_undispatched").on(t.companyId, t.createdAt).where(sql`dispatched_at IS NULL`),
  ],
);

/**
 * The last sequence number of a company's events, written only when old events are deleted (the
 * daily job), so that numbering continues after the newest event is gone. A new event's sequence
 * is one more than the larger of this and the company's newest event.
 */
export const eventCounters = sqliteTable("event_counters", {
  companyId: text("company_id")
    .primaryKey()
    .references(() => companies.id),
  lastSequence: integer("last_sequence").notNull(),
});

export const WEBHOOK_ENDPOINT_STATUSES = ["enabled", "disabled"] as const;

export const webhookEndpoints = sqliteTable(
  "webhook_endpoints",
  {
    id: text("id").primaryKey(),
    companyId: text("company_id")
      .notNull()
      .references(() => companies.id),
    url: text("url").notNull(),
    /** Event types, `order.*`-style prefixes or `*`. */
    events: text("events", { mode: "json" }).$type<string[]>().notNull(),
    description: text("description"),
    status: text("status", { enum: WEBHOOK_ENDPOINT_STATUSES }).notNull(),
    disabledReason: text("disabled_reason"),
    /** `whsec_…`: kept as is, since every delivery is signed with it. */
    secret: text("secret").notNull(),
    /** The secret before the last roll, which also signs until `previous_secret_expires_at`. */
    previousSecret: text("previous_secret"),
    previousSecretExpiresAt: text("previous_secret_expires_at"),
    /** Since when every delivery attempt has failed; null once one succeeds. */
    failingSince: text("failing_since"),
    ...timestamps,
  },
  (t) => [index("webhook_endpoints_company").on(t.companyId, t.createdAt, t.id)],
);

export const WEBHOOK_DELIVERY_STATUSES = ["pending", "succeeded", "failed"] as const;

/** One event to one endpoint: sent through the queue, retried until it succeeds or 3 days pass. */
export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    id: text("id").primaryKey(),
    companyId: text("company_id")
      .notNull()
      .references(() => companies.id),
    /** No foreign key: deleting an endpoint drops its pending deliveries and keeps the others. */
    endpointId: text("endpoint_id").notNull(),
    eventId: text("event_id").notNull(),
    status: text("status", { enum: WEBHOOK_DELIVERY_STATUSES }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    /** When the next attempt is due (pending only): the outbox re-sends what is overdue. */
    nextAttemptAt: text("next_attempt_at"),
    lastAttemptAt: text("last_attempt_at"),
    lastStatusCode: integer("last_status_code"),
    lastError: text("last_error"),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("webhook_deliveries_event_endpoint").on(t.eventId, t.endpointId),
    index("webhook_deliveries_company").on(t.companyId, t.createdAt, t.id),
    index("webhook_deliveries_endpoint").on(t.companyId, t.endpointId, t.createdAt, t.id),
    index("webhook_deliveries_status").on(t.companyId, t.status, t.createdAt, t.id),
    index("webhook_deliveries_due").on(t.nextAttemptAt).where(sql`status = 'pending'`),
  ],
);

/** Each attempt of a delivery, for `GET /v1/webhook_deliveries/:id`. */
export const webhookDeliveryAttempts = sqliteTable(
  "webhook_delivery_attempts",
  {
    deliveryId: text("delivery_id").notNull(),
    attempt: integer("attempt").notNull(),
    attemptedAt: text("attempted_at").notNull(),
    /** null when no HTTP answer came (timeout, connection error, refused URL). */
    statusCode: integer("status_code"),
    error: text("error"),
    durationMs: integer("duration_ms").notNull(),
  },
  (t) => [primaryKey({ columns: [t.deliveryId, t.attempt] })],
);

export type EventRow = typeof events.$inferSelect;
export type WebhookEndpointRow = typeof webhookEndpoints.$inferSelect;
export type WebhookDeliveryRow = typeof webhookDeliveries.$inferSelect;
export type WebhookDeliveryAttemptRow = typeof webhookDeliveryAttempts.$inferSelect;

// --- CSV imports (API.md §15) -------------------------------------------------------------------

export const IMPORT_STATUSES = ["pending", "validating", "applying", "complete", "failed"] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];

/**
 * A CSV import: the file is in R2 under `blob_key` (its row errors beside it, `errors_key`), and
 * the row shows how far it has got. Validated whole first, then applied in steps from `cursor`
 * (the byte offset in the file of the next row to apply, `cursor_row` its row number).
 */
export const imports = sqliteTable(
  "imports",
  {
    id: text("id").primaryKey(),
    companyId: text("company_id")
      .notNull()
      .references(() => companies.id),
    status: text("status", { enum: IMPORT_STATUSES }).notNull(),
    dryRun: integer("dry_run", { mode: "boolean" }).notNull().default(false),
    /** `fail`: one invalid row fails the import; `skip`: the valid rows are applied. */
    onError: text("on_error", { enum: ["fail", "skip"] }).notNull().default("fail"),
    blobKey: text("blob_key").notNull(),
    sizeBytes: integer("size_bytes").notNull(),
    rowsTotal: integer("rows_total").notNull().default(0),
    rowsProcessed: integer("rows_processed").notNull().default(0),
    itemsCreated: integer("items_created").notNull().default(0),
    itemsUpdated: integer("items_updated").notNull().default(0),
    itemsUnchanged: integer("items_unchanged").notNull().default(0),
    quantityChanges: integer("quantity_changes").notNull().default(0),
    errorsCount: integer("errors_count").notNull().default(0),
    /** JSON: the first 100 errors, `{row, column, message}`. */
    errors: text("errors", { mode: "json" }).$type<{ row: number; column: string | null; message: string }[]>().notNull(),
    cursor: integer("cursor").notNull().default(0),
    cursorRow: integer("cursor_row").notNull().default(1),
    userId: text("user_id"),
    apiKeyId: text("api_key_id"),
    requestId: text("request_id"),
    ...timestamps,
    completedAt: text("completed_at"),
  },
  (t) => [index("imports_company").on(t.companyId, t.createdAt, t.id)],
);

export type ImportRow = typeof imports.$inferSelect;

// --- The dashboard's sign-in (API.md §16) -------------------------------------------------------

/**
 * A user's dashboard password, as `pbkdf2-sha256$<iterations>$<salt>$<hash>` (src/lib/passwords.ts).
 * Apart from `users`, so that no query of users reads it; a user without a row cannot sign in.
 */
export const userCredentials = sqliteTable("user_credentials", {
  userId: text("user_id")
    .primaryKey()
    .references(() => users.id),
  passwordHash: text("password_hash").notNull(),
  updatedAt: text("updated_at").notNull(),
});

export const PASSWORD_TOKEN_PURPOSES = ["setup", "invitation"] as const;

/** One-time set-password links (a provisioned admin's, an invitation): only the token's SHA-256. */
export const passwordTokens = sqliteTable(
  "password_tokens",
  {
    tokenHash: text("token_hash").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    companyId: text("company_id")
      .notNull()
      .references(() => companies.id),
    purpose: text("purpose", { enum: PASSWORD_TOKEN_PURPOSES }).notNull(),
    createdAt: text("created_at").notNull(),
    expiresAt: text("expires_at").notNull(),
    /** Set when the link was used: it never works again. */
    usedAt: text("used_at"),
  },
  (t) => [index("password_tokens_user").on(t.userId)],
);

/**
 * Signed-in browsers: the SHA-256 of the session cookie's token. `user_ids` are the users whose
 * password the person gave at sign-in (one email may have a user in several companies); `user_id`
 * is the one the session works as, null until the person picks a company.
 */
export const dashboardSessions = sqliteTable(
  "dashboard_sessions",
  {
    tokenHash: text("token_hash").primaryKey(),
    userIds: text("user_ids", { mode: "json" }).$type<string[]>().notNull(),
    userId: text("user_id"),
    createdAt: text("created_at").notNull(),
    /** Written at most once a minute: the session ends 12 hours after it. */
    lastSeenAt: text("last_seen_at").notNull(),
    /** 7 days after sign-in, whatever happens. */
    expiresAt: text("expires_at").notNull(),
  },
  (t) => [index("dashboard_sessions_expires").on(t.expiresAt)],
);

export type DashboardSessionRow = typeof dashboardSessions.$inferSelect;
