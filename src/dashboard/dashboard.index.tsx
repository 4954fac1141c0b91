// The dashboard at /dashboard: server-rendered pages (hono/jsx) on the API's own domain and db
// functions. Not an OpenAPI router: none of it is in the API's document.
//
// Every request: its services, security headers, a small body limit, and for anything but GET
// and HEAD the same-origin check (CSRF). Then the signed-out pages (auth.routes.tsx), and behind
// the session every other page; each page or action guarded by the API request it stands for.
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { inventoryCounts, adminCounts } from "../db/dashboard-overview.ts";
import { DomainError } from "../domain/errors.ts";
import { nowIso } from "../lib/clock.ts";
import { mayUse } from "./access.ts";
import { serveAsset } from "./assets.ts";
import { authRoutes } from "./auth.routes.tsx";
import { allow } from "./guards.tsx";
import { ErrorPage } from "./pages/errors.tsx";
import { HomePage } from "./pages/home.tsx";
import { inventoryRoutes } from "./inventory.routes.tsx";
import { ordersRoutes } from "./orders.routes.tsx";
import { auditLogRoutes } from "./audit-log.routes.tsx";
import { snapshotsRoutes } from "./snapshots.routes.tsx";
import { importsRoutes } from "./imports.routes.tsx";
import { webhooksRoutes } from "./webhooks.routes.tsx";
import { IMPORTS_PATH, MAX_DASHBOARD_UPLOAD_BYTES } from "./pages/imports.tsx";
import { DASHBOARD_PATH } from "./paths.ts";
import { page } from "./render.ts";
import { isSameOrigin, needsSameOrigin, securityHeaders } from "./security.ts";
import { dashboardServices } from "./services.ts";
import { requireSession } from "./session.ts";
import { settingsRoutes } from "./settings.routes.tsx";
import type { DashboardEnv } from "./types.ts";

/** Forms send a few fields; nothing a page takes comes near this. */
const MAX_FORM_BYTES = 64 * 1024;

/** Signed-in pages other than Settings (another area's routes are added the same way). */
const homeRoutes = new Hono<DashboardEnv>().get("/", allow(["GET", "/v1/items"]), async (c) => {
  const { viewer } = c.var;
  const isAdmin = mayUse(viewer.user.role, ["GET", "/v1/api_keys"]);
  const [inventory, admin] = await Promise.all([
    inventoryCounts(c.get("db"), viewer.company.id),
    isAdmin ? adminCounts(c.get("db"), viewer.company.id, nowIso()) : Promise.resolve(undefined),
  ]);
  return page(c, <HomePage viewer={viewer} counts={{ ...inventory, admin }} />);
});

export const dashboardRouter = new Hono<DashboardEnv>().basePath(DASHBOARD_PATH);

dashboardRouter.use("*", securityHeaders);
dashboardRouter.get("/assets/:file", (c) => serveAsset(c, c.req.param("file")) ?? c.text("Not found", 404));
dashboardRouter.use("*", dashboardServices);
const formLimit = (maxSize: number) =>
  bodyLimit({
    maxSize,
    onError: (c) => page(c, <ErrorPage title="Too much data" message="The form sent more than a form of this dashboard can hold." />, 413),
  });
const limitForms = formLimit(MAX_FORM_BYTES);
// The one form that sends a file: an import's CSV (read whole, so at most 10 MiB here).
const limitUploads = formLimit(MAX_DASHBOARD_UPLOAD_BYTES + MAX_FORM_BYTES);
dashboardRouter.use("*", (c, next) =>
  c.req.method === "POST" && c.req.path === IMPORTS_PATH ? limitUploads(c, next) : limitForms(c, next),
);
dashboardRouter.use("*", async (c, next) => {
  if (needsSameOrigin(c.req.method) && !isSameOrigin(c.req.raw)) {
    return page(
      c,
      <ErrorPage title="Request refused" message="This form was not sent from this dashboard, so it was not carried out. Reload the page and try again." />,
      403,
    );
  }
  await next();
});

dashboardRouter.route("/", authRoutes);

// Every other page needs a session with a chosen company.
dashboardRouter.use("*", requireSession({ needsCompany: true }));
dashboardRouter.route("/", homeRoutes);
dashboardRouter.route("/", inventoryRoutes);
dashboardRouter.route("/", ordersRoutes);
dashboardRouter.route("/", auditLogRoutes);
dashboardRouter.route("/", snapshotsRoutes);
dashboardRouter.route("/", importsRoutes);
dashboardRouter.route("/", settingsRoutes);
dashboardRouter.route("/", webhooksRoutes);

dashboardRouter.all("*", (c) =>
  page(c, <ErrorPage viewer={c.get("viewer")} title="Page not found" message="There is no such page in the dashboard." />, 404),
);

dashboardRouter.onError((error, c) => {
  if (error instanceof DomainError) {
    return page(c, <ErrorPage viewer={c.get("viewer")} title="That did not work" message={error.message} />, 409);
  }
  console.error(JSON.stringify({ request_id: c.get("requestId"), error: String((error as Error)?.stack ?? error) }));
  return page(c, <ErrorPage viewer={c.get("viewer")} title="Something went wrong" message="Something went wrong on our side. Nothing was changed." />, 500);
});
