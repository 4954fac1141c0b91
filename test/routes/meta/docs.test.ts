import { describe, expect, it } from "vitest";
import { SCALAR_VERSION } from "../../../src/routes/meta/assets/scalar-version.ts";
import { SCALAR_JS } from "../../../src/routes/meta/assets/scalar.js.ts";
import { call } from "../../helpers/http.ts";

describe("GET /docs works with no network", () => {
  it("answers the reference page, which loads only this Worker's script and document", async () => {
    const response = await call("GET", "/docs");
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("text/html; charset=UTF-8");
    const html = await response.text();
    expect(html).toContain("<title>Inventory Manager API</title>");
    expect(html).toContain('url: "/v1/openapi.json"');
    expect(html).toContain(`<script src="/docs/scalar-${SCALAR_VERSION}.js"></script>`);
    // No other origin: every src/href is a path of this Worker, and no URL names a host.
    expect(html).not.toMatch(/(https?:)?\/\/[a-z0-9.-]+/i);
    for (const [, url] of html.matchAll(/(?:src|href)="([^"]*)"/g)) expect(url).toMatch(/^\/[^/]/);
  });

  it("serves the pinned Scalar script as JavaScript, cached for a year", async () => {
    const response = await call("GET", `/docs/scalar-${SCALAR_VERSION}.js`);
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("text/javascript; charset=utf-8");
    expect(response.headers.get("Cache-Control")).toBe("public, max-age=31536000, immutable");
    const script = await response.text();
    expect(script.length).toBe(SCALAR_JS.length);
    expect(script).toContain("createApiReference");
    expect(script).not.toContain("sourceMappingURL=");
  });

  it("answers 404 for another version's script", async () => {
    const response = await call("GET", "/docs/scalar-0.0.0.js");
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("not_found");
  });
});
