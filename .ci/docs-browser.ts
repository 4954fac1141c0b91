// Browser test of GET /docs with the network unplugged: Debian's Chromium (playwright-core) opens
// the reference page of the local runtime with every request to another origin than 127.0.0.1
// refused, and the page must render the API's operations from the Worker's own script and
// document. Run by .ci/run after the dashboard's browser test; `node .ci/docs-browser.ts`.
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { startLocalWorker } from "../scripts/local-runtime.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

const worker = await startLocalWorker();
const base = new URL(worker.url);
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
const blocked: string[] = [];
try {
  const context = await browser.newContext();
  await context.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === "127.0.0.1" && url.port === base.port) return route.continue();
    blocked.push(url.href);
    return route.abort("internetdisconnected");
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(String(error)));
  const response = await page.goto(`${worker.url}/docs`, { waitUntil: "load" });
  assert.equal(response?.status(), 200);
  // Operations of several tags, rendered from /v1/openapi.json.
  // The document's title, every tag's group in the navigation, and operations once a group opens.
  await page.getByText("Inventory Manager API").first().waitFor({ timeout: 30_000 });
  const tags = ["Items", "Transactions", "Snapshots", "Purchase orders", "Webhook endpoints", "Events", "Imports", "Webhooks"];
  for (const tag of tags) await page.getByText(`Open Group - ${tag}`, { exact: true }).first().waitFor({ state: "attached" });
  for (const [tag, summary] of [
    ["Items", "List items"],
    ["Transactions", "Record a stock movement"],
    ["Webhook endpoints", "Create a webhook endpoint"],
  ]) {
    await page.getByText(`Open Group - ${tag}`, { exact: true }).first().click();
    await page.getByText(summary, { exact: true }).first().waitFor({ state: "attached", timeout: 30_000 });
  }
  assert.deepEqual(errors, [], "page errors");
  console.log(`/docs rendered its tags and operations offline; refused requests to other origins: ${blocked.length ? blocked.join(", ") : "none"}`);
} finally {
  await browser.close();
  await worker.stop();
}
