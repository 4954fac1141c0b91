import { createMiddleware } from "hono/factory";
import { mayUse, type ApiRequest } from "./access.ts";
import { ErrorPage } from "./pages/errors.tsx";
import { page } from "./render.ts";
import type { DashboardEnv } from "./types.ts";

/**
 * Lets through only a viewer whose role may make `api`, the API request the page or action
 * stands for; anyone else gets a 403 page (the page is not offered to them either: see nav.ts).
 */
export function allow(api: ApiRequest) {
  return createMiddleware<DashboardEnv>(async (c, next) => {
    if (!mayUse(c.get("viewer").user.role, api)) {
      return page(
        c,
        <ErrorPage viewer={c.get("viewer")} title="Not available for your role" message="Your role does not allow this page or action. An admin of your company can change your role." />,
        403,
      );
    }
    await next();
  });
}
