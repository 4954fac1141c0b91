import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
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
    role: text("role", { enum: ROLES }).notNull(),
    ...timestamps,
  },
  (t) => [uniqueIndex("users_company_email").on(t.companyId, t.email)],
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
    locationKey: text("location_key").generatedAlwaysAs(sql`lower(location)`, { mode: "virtual" }),
    barcode: text("barcode"),
    reorderPoint: integer("reorder_point"),
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
  ],
);

export type ItemRow = typeof items.$inferSelect;
export type CompanyRow = typeof companies.$inferSelect;
export type ApiKeyRow = typeof apiKeys.$inferSelect;
