import type { Context } from "hono";

/**
 * Sets headers on the response that `next()` left in `c.res`, for middleware that adds them after
 * the handler. `c.header` would copy the whole response once per header at that point; every
 * response this Worker makes has mutable headers, so they are set in place, and only a response
 * whose headers are immutable is copied (by `c.header`).
 */
export function setResponseHeaders(c: Context, headers: Record<string, string>): void {
  for (const [name, value] of Object.entries(headers)) {
    try {
      c.res.headers.set(name, value);
    } catch {
      c.header(name, value);
    }
  }
}
