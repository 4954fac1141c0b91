import { dashboardRouter } from "./dashboard/dashboard.index.tsx";
import { createApp } from "./lib/create-app.ts";
import { completeDocument, registerOpenApiComponents } from "./lib/openapi.ts";
import { registerEventWebhooks } from "./events/openapi-webhooks.ts";
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
      "Multi-tenant inventory: items, a stock ledger, purchase orders, an audit log, snapshots, events and webhooks, CSV import and export.\n\n" +
      "Every answer carries `Request-Id`; every authenticated one `Consistency-Token` and (unless authentication failed) the rate-limit headers. " +
      "A known path called with a method it does not have answers `405 method_not_allowed` with `Allow`; an unknown path `404 not_found`.",
    license: { name: "Proprietary", url: "https://api.modulus-software.com/license" },
  },
  servers: [
    { url: "https://api.modulus-software.com", description: "Production" },
    { url: "http://127.0.0.1:8787", description: "Local development (`npm run dev`)" },
  ],
};

export const app = createApp();

// Unauthenticated: health, the reference page and the OpenAPI document (registered before the
// /v1 middleware, which they therefore never reach).
app.route("/", metaRouter);
// The dashboard (/dashboard): pages for people, signed in with a password; a plain Hono router, so
// not in the OpenAPI document.
app.route("/", dashboardRouter);
let document: ReturnType<typeof completeDocument> | undefined;
/** The OpenAPI document, as GET /v1/openapi.json serves it (built once an isolate). */
export function openApiDocument() {
  document ??= completeDocument(app.getOpenAPI31Document(openApiConfig));
  return document;
}
app.get(OPENAPI_PATH, (c) => c.json(openApiDocument()));
app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
  type: "http",
  scheme: "bearer",
  description: "An API key: `sk_live_…` (deployed) or `sk_test_…` (local development).",
});
registerOpenApiComponents(app.openAPIRegistry);
registerEventWebhooks(app.openAPIRegistry);

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
