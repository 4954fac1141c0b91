// The dashboard's style sheet and script, bundled into the Worker as strings (two small files:
// no build step, nothing from a CDN, and they deploy with the code that renders the pages that
// use them). Each is served under a name holding a hash of its content, so it may be cached for
// a year: a changed file gets a new name.
import type { Context } from "hono";
import { crc32 } from "../lib/api-key-format.ts";
import { DASHBOARD_PATH } from "./paths.ts";
import { css } from "./assets/dashboard.css.ts";
import { js } from "./assets/dashboard.js.ts";

const hashed = (name: string, extension: string, content: string) =>
  `${name}.${crc32(content).toString(16).padStart(8, "0")}.${extension}`;

const ASSETS = new Map([
  [hashed("dashboard", "css", css), { body: css, type: "text/css; charset=utf-8" }],
  [hashed("dashboard", "js", js), { body: js, type: "text/javascript; charset=utf-8" }],
]);

const [cssName, jsName] = [...ASSETS.keys()];

export const STYLESHEET_URL = `${DASHBOARD_PATH}/assets/${cssName}`;
export const SCRIPT_URL = `${DASHBOARD_PATH}/assets/${jsName}`;

/** GET /dashboard/assets/:file — 404 for any name but the current ones. */
export function serveAsset(c: Context, file: string): Response | undefined {
  const asset = ASSETS.get(file);
  if (!asset) return undefined;
  return c.body(asset.body, 200, {
    "Content-Type": asset.type,
    "Cache-Control": "public, max-age=31536000, immutable",
    "X-Content-Type-Options": "nosniff",
  });
}
