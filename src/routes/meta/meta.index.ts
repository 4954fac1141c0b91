import { createRoute, z } from "@hono/zod-openapi";
import { createRouter } from "../../lib/create-app.ts";
import { errorContent } from "../../lib/errors.ts";
import { SCALAR_VERSION } from "./assets/scalar-version.ts";

/** The reference page's script, under a name holding its version (cached for a year). */
export const DOCS_SCRIPT_PATH = `/docs/scalar-${SCALAR_VERSION}.js`;

/**
 * The reference page: Scalar's standalone script, served by this Worker (no CDN, no web fonts),
 * reading the document from /v1/openapi.json. Works with no network at all.
 */
const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Inventory Manager API</title>
</head>
<body>
<div id="app"></div>
<script src="${DOCS_SCRIPT_PATH}"></script>
<script>
Scalar.createApiReference("#app", { url: "/v1/openapi.json", withDefaultFonts: false, hideClientButton: false, telemetry: false });
</script>
</body>
</html>
`;

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
  .get("/docs", (c) => c.html(DOCS_HTML))
  .get(DOCS_SCRIPT_PATH, async (c) => {
    // Loaded when first asked for: 4 MiB that nothing else needs.
    const { SCALAR_JS } = await import("./assets/scalar.js.ts");
    return c.body(SCALAR_JS, 200, {
      "Content-Type": "text/javascript; charset=utf-8",
      "Cache-Control": "public, max-age=31536000, immutable",
    });
  });
