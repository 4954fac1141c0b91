// What every dashboard response carries, and the same-origin rule for every request that may
// change something (CSRF): a page can only be submitted from the dashboard itself.
import { createMiddleware } from "hono/factory";
import type { DashboardEnv } from "./types.ts";

/** No inline script or style, nothing from another origin, no framing, forms only to here. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "object-src 'none'",
].join("; ");

/**
 * Security headers on every dashboard answer. Pages are `no-store`: they may show a secret (a new
 * key, an invitation link) and always show company data, which a shared computer's cache should
 * not keep. The assets set their own long cache.
 */
export const securityHeaders = createMiddleware<DashboardEnv>(async (c, next) => {
  await next();
  c.header("Content-Security-Policy", CONTENT_SECURITY_POLICY);
  c.header("X-Frame-Options", "DENY");
  c.header("X-Content-Type-Options", "nosniff");
  c.header("Referrer-Policy", "no-referrer");
  c.header("Cross-Origin-Opener-Policy", "same-origin");
  c.header("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()");
  if (!c.res.headers.has("Cache-Control")) c.header("Cache-Control", "no-store");
});

const SAFE_METHODS = new Set(["GET", "HEAD"]);

/**
 * Refuses an unsafe request that did not come from a dashboard page: the browser's
 * `Sec-Fetch-Site` must say `same-origin`, or where it is not sent (older browsers), `Origin`
 * must be this origin. A request with neither is refused too: every browser that can run the
 * dashboard sends one of them with a form's POST.
 */
export function isSameOrigin(request: Request): boolean {
  const site = request.headers.get("Sec-Fetch-Site");
  if (site !== null) return site === "same-origin";
  const origin = request.headers.get("Origin");
  return origin !== null && origin === new URL(request.url).origin;
}

export function needsSameOrigin(method: string): boolean {
  return !SAFE_METHODS.has(method);
}
