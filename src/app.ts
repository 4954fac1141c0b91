import { dashboardRouter } from "./dashboard/dashboard.index.tsx";
import { createApp } from "./lib/create-app.ts";
import { authenticate, authorize } from "./middleware/authenticate.ts";
import { dispatchEvents } from "./middleware/dispatch-events.ts";
import { idempotency } from "./middleware/idempotency.ts";
import { csvUpload } from "./imports/upload.ts";
import { services } from "./middleware/services.ts";
import { rateLimit } from "./middleware/rate-limit.ts";
import { apiKeysRouter } from "./routes/api-keys/api-keys.index.ts";
import { auditLogRouter } from "./routes/audit-log/audit-log.index.ts";
import { eventsRouter } from "./routes/events/events.index.ts";
import { exportsRouter } from "./routes/exports/exports.index.ts";
import { importsRouter } from "./routes/imports/imports.index.ts";
import { itemsRouter } from "./routes/items/items.index.ts";
import { metaRouter } from "./routes/meta/meta.index.ts";
import { snapshotsRouter } from "./routes/snapshots/snapshots.index.ts";
import { ordersRouter } from "./routes/orders/orders.index.ts";
import { webhookDeliveriesRouter } from "./routes/webhook-deliveries/webhook-deliveries.index.ts";
import { transactionsRouter } from "./routes/transactions/transactions.index.ts";
import { usersRouter } from "./routes/users/users.index.ts";
import { webhookEndpointsRouter } from "./routes/webhook-endpoints/webhook-endpoints.index.ts";

const OPENAPI_PATH = "/v1/openapi.json";

export const openApiConfig = {
  openapi: "3.1.0" as const,
  info: {
    title: "Inventory Manager API",
    version: "1.0.0",
    description:
      "Multi-tenant inventory: items, a stock ledger, purchase orders, an audit log and snapshots.",
    license: { name: "Proprietary" },
  },
  servers: [{ url: "https://api.modulus-software.com", description: "Production" }],
};

export const app = createApp();

// Unauthenticated: health, the reference page and the OpenAPI document (registered before the
// /v1 middleware, which they therefore never reach).
app.route("/", metaRouter);
// The dashboard (/dashboard): pages for people, signed in with a password; a plain Hono router, so
// not in the OpenAPI document.
app.route("/", dashboardRouter);
app.doc31(OPENAPI_PATH, openApiConfig);
app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
  type: "http",
  scheme: "bearer",
  description: "An API key: `sk_live_…` (deployed) or `sk_test_…` (local development).",
});

// Every other /v1 request: its services, who is calling, their rate limit, what their role allows,
// then idempotent replays of POSTs; after a change, its events go to the company's webhook endpoints.
app.use("/v1/*", services, authenticate, rateLimit, authorize, csvUpload, idempotency, dispatchEvents);
// Before items and transactions: /v1/items/export is not an item id.
app.route("/", exportsRouter);
app.route("/", itemsRouter);
app.route("/", transactionsRouter);
app.route("/", auditLogRouter);
app.route("/", snapshotsRouter);
app.route("/", usersRouter);
app.route("/", apiKeysRouter);
app.route("/", ordersRouter);
app.route("/", webhookDeliveriesRouter);
app.route("/", webhookEndpointsRouter);
app.route("/", eventsRouter);
app.route("/", importsRouter);
