import { createApp } from "./lib/create-app.ts";
import { authenticate } from "./middleware/authenticate.ts";
import { itemsRouter } from "./routes/items/items.index.ts";
import { metaRouter } from "./routes/meta/meta.index.ts";

const OPENAPI_PATH = "/v1/openapi.json";

export const app = createApp();

app.route("/", metaRouter);

app.use("/v1/*", async (c, next) => (c.req.path === OPENAPI_PATH ? next() : authenticate(c, next)));
app.route("/", itemsRouter);

app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
  type: "http",
  scheme: "bearer",
  description: "An API key: `sk_live_…` (deployed) or `sk_test_…` (local development).",
});

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

app.doc31(OPENAPI_PATH, openApiConfig);
