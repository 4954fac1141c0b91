import { createRoute, z } from "@hono/zod-openapi";
import { Scalar } from "@scalar/hono-api-reference";
import { createRouter } from "../../lib/create-app.ts";
import { errorContent } from "../../lib/errors.ts";

const health = createRoute({
  method: "get",
  path: "/health",
  operationId: "health",
  tags: ["Meta"],
  security: [],
  summary: "Health check",
  description: "Answers without authentication.",
  responses: {
    200: {
      description: "The service is up.",
      content: { "application/json": { schema: z.object({ status: z.literal("ok") }) } },
    },
    404: errorContent("Unknown route."),
  },
});

/** Unauthenticated routes: health, the OpenAPI document and the interactive reference. */
export const metaRouter = createRouter()
  .openapi(health, (c) => c.json({ status: "ok" as const }, 200))
  .get("/docs", Scalar({ url: "/v1/openapi.json", pageTitle: "Inventory Manager API" }));
