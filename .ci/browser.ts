// Browser test of the dashboard in a real Chromium (Debian's, driven by playwright-core), as a
// person does it: start `npm run dev`, provision a company, set the admin's password from the
// provision link, sign in, create an API key, copy it, call the API with it (200), revoke it in
// the dashboard, call again (401), invite a user, look at the plan; create an item, see a field
// error on a bad quantity, issue below the reorder point and see the item marked low (and the
// chart's hover); create, submit and receive a purchase order; the audit log; take a snapshot, run
// its dry run and a restore with its progress; import a CSV; add a webhook endpoint; sign out and find every page closed. axe-core checks every page (no serious or critical violations); any CSP violation
// fails the test; screenshots of the main pages go to docs/screenshots/.
import { execFile, spawn } from "node:child_process";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { promisify } from "node:util";
import { chromium, type Page } from "playwright-core";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const SCREENSHOTS = "docs/screenshots";
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

function freePort(): Promise<string> {
  return new Promise((resolve, reject) => {
    const probe = createServer().once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(String(port)));
    });
  });
}

const port = process.env.BROWSER_PORT ?? (await freePort());
const base = `http://127.0.0.1:${port}`;
const server = spawn("npm", ["run", "dev"], { env: { ...process.env, PORT: port }, stdio: ["ignore", "pipe", "inherit"], detached: true });
let output = "";
server.stdout.on("data", (chunk: Buffer) => {
  output += chunk.toString();
  process.stdout.write(chunk);
});
const stop = () => {
  try {
    process.kill(-server.pid!, "SIGTERM");
  } catch {}
};

async function waitForServer(): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${base}/health`)).ok) return;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error("the dev server did not come up within 120 s");
}

const checked: string[] = [];
const cspViolations: string[] = [];

/** axe-core on the page as it is now: no serious or critical violations. */
async function checkAccessibility(page: Page, name: string): Promise<void> {
  // Evaluated through the DevTools protocol, so the page's CSP (no inline script) does not apply.
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    const run = await (window as any).axe.run(document, { resultTypes: ["violations"] });
    return run.violations.map((v: any) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n: any) => n.target.join(" ")).slice(0, 5) }));
  });
  const bad = result.filter((v: { impact: string }) => v.impact === "serious" || v.impact === "critical");
  assert.deepEqual(bad, [], `axe: serious or critical violations on ${name} (${page.url()})`);
  if (result.length > 0) console.log(`axe on ${name}: minor findings`, JSON.stringify(result));
  checked.push(name);
}

async function shoot(page: Page, name: string, mask: string[] = []): Promise<void> {
  await page.screenshot({ path: `${SCREENSHOTS}/${name}.png`, fullPage: true, mask: mask.map((selector) => page.locator(selector)) });
}

async function api(path: string, key: string): Promise<number> {
  const response = await fetch(`${base}${path}`, { headers: { Authorization: `Bearer ${key}` } });
  await response.text();
  return response.status;
}

const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
try {
  await waitForServer();
  assert.match(output, new RegExp(`Dashboard: ${base}/dashboard`), "npm run dev prints the dashboard's address");
  assert.match(output, /Dashboard setup link \(.+\): http:\/\/127\.0\.0\.1:\d+\/dashboard\/set-password\/\w+|Sign in as .+ with the password you set/);

  const email = `owner.${Date.now()}@browser.example`;
  const { stdout } = await promisify(execFile)(
    "npm",
    ["run", "--silent", "provision", "--", "--company", "Browser Test Co", "--plan", "professional", "--email", email],
    { encoding: "utf8", env: { ...process.env, PORT: port } },
  );
  const provisioned = JSON.parse(stdout.trim().split("\n").at(-1)!);
  assert.equal(provisioned.email, email);
  assert.match(provisioned.dashboard_setup_url, new RegExp(`^${base}/dashboard/set-password/[0-9A-Za-z]{43}$`));

  mkdirSync(SCREENSHOTS, { recursive: true });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: base });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: base });
  const page = await context.newPage();
  page.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
  });

  // Set the password from the provision link; that signs in.
  await page.goto(provisioned.dashboard_setup_url);
  await page.getByRole("heading", { name: "Set your password" }).waitFor();
  await checkAccessibility(page, "set password");
  await page.getByLabel("New password").fill("short");
  await page.getByLabel("Repeat the password").fill("short");
  await page.getByRole("button", { name: /Set password/ }).click();
  await page.getByText("The password must be at least 10 characters long.").waitFor();
  await checkAccessibility(page, "set password with a field error");
  await shoot(page, "set-password-error");
  const password = "a long browser password";
  await page.getByLabel("New password").fill(password);
  await page.getByLabel("Repeat the password").fill(password);
  await page.getByRole("button", { name: /Set password/ }).click();
  await page.waitForURL(`${base}/dashboard`);
  await page.getByRole("heading", { name: "Browser Test Co" }).waitFor();
  const cookies = await context.cookies();
  const session = cookies.find((cookie) => cookie.name === "__Host-dashboard_session");
  assert.ok(session, "the session cookie is set on http://127.0.0.1");
  assert.deepEqual([session.httpOnly, session.secure, session.sameSite], [true, true, "Lax"]);

  // Used once: the link no longer works.
  const reuse = await context.newPage();
  await reuse.goto(provisioned.dashboard_setup_url);
  await reuse.getByRole("heading", { name: "This link no longer works" }).waitFor();
  await checkAccessibility(reuse, "used link");
  await reuse.close();

  // Sign out, and sign in with the new password.
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL(/\/dashboard\/sign-in\?reason=signed-out$/);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByText("That email and password do not match.").waitFor();
  assert.equal(await page.getByLabel("Email").inputValue(), email, "the typed email is kept");
  await checkAccessibility(page, "sign in");
  await shoot(page, "sign-in");
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${base}/dashboard`);
  await checkAccessibility(page, "overview");
  await shoot(page, "overview");

  // Settings → API Keys: a field error, then a key, copied, used, revoked.
  await page.getByRole("navigation", { name: "Dashboard" }).getByRole("link", { name: "API Keys" }).click();
  await page.getByRole("heading", { name: "API Keys", level: 1 }).waitFor();
  await checkAccessibility(page, "API keys");
  await page.getByLabel("Expiry date").fill("2001-01-01");
  await page.getByLabel("Name").fill("Browser test key");
  await page.getByRole("button", { name: "Create key" }).click();
  await page.getByText("Expiry date must be in the future.").waitFor();
  assert.equal(await page.getByLabel("Name").inputValue(), "Browser test key", "the typed name is kept");
  await page.getByLabel("Expiry date").fill("");
  await page.getByLabel("Role").selectOption("member");
  await page.getByRole("button", { name: "Create key" }).click();
  const secretBox = page.getByRole("textbox", { name: /Your new API key/ });
  await secretBox.waitFor();
  const shown = await secretBox.inputValue();
  assert.match(shown, /^sk_test_[0-9A-Za-z]{38}$/);
  await page.getByRole("button", { name: "Copy" }).click();
  await page.getByText("Copied to the clipboard.").waitFor();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  assert.equal(copied, shown, "the copy button puts the secret on the clipboard");
  await checkAccessibility(page, "API keys with a new secret");
  await shoot(page, "api-keys", ["#new-secret"]);
  assert.equal(await api("/v1/items", copied), 200, "the new key works");

  await page.getByRole("button", { name: "Revoke Browser test key" }).click();
  await page.getByText("The key is revoked").waitFor();
  assert.equal(await api("/v1/items", copied), 401, "the revoked key is refused");
  await checkAccessibility(page, "API keys after revoking");

  // Settings → Users: invite, with the link shown once.
  await page.getByRole("link", { name: "Users" }).click();
  await page.getByLabel("Name").fill("Grace Hopper");
  await page.getByLabel("Email").fill("not-an-email");
  await page.getByRole("button", { name: "Invite" }).click();
  await page.getByText("Email must be an email address").waitFor();
  await page.getByLabel("Email").fill(`grace.${Date.now()}@browser.example`);
  await page.getByLabel("Role").selectOption("read_only");
  await page.getByRole("button", { name: "Invite" }).click();
  const invitation = await page.getByRole("textbox", { name: /Invitation link for Grace Hopper/ }).inputValue();
  assert.match(invitation, new RegExp(`^${base}/dashboard/set-password/[0-9A-Za-z]{43}$`));
  await checkAccessibility(page, "users");
  await shoot(page, "users", ["#invitation-url"]);

  // Settings → Plan.
  await page.getByRole("link", { name: "Plan" }).click();
  await page.getByRole("heading", { name: "Today's use" }).waitFor();
  await checkAccessibility(page, "plan");
  await shoot(page, "plan");

  // Inventory: create an item, a field error on a bad quantity (typed value kept), an issue below
  // the reorder point marks it low; the chart's hover read-out.
  const mainNav = page.getByRole("navigation", { name: "Dashboard" });
  await mainNav.getByRole("link", { name: "Inventory" }).click();
  await page.getByRole("heading", { name: "Inventory", level: 1 }).waitFor();
  await page.getByRole("link", { name: "New item" }).click();
  await page.getByLabel("Name").fill("Bench vise");
  await page.getByLabel("SKU").fill("BV-100");
  await page.getByLabel("Quantity", { exact: true }).fill("12");
  await page.getByLabel("Location").fill("Aisle 3");
  await page.getByLabel("Reorder point").fill("5");
  await checkAccessibility(page, "new item");
  await page.getByRole("button", { name: "Create item" }).click();
  await page.getByText("The item is created.").waitFor();
  const itemUrl = page.url().replace(/\?.*$/, "");
  await page.getByLabel("Action", { exact: true }).selectOption("issue");
  await page.getByLabel("Quantity", { exact: true }).fill("three");
  await page.getByRole("button", { name: "Record" }).click();
  await page.getByText("Quantity must be a whole number, such as 12.").waitFor();
  assert.equal(await page.getByLabel("Quantity", { exact: true }).inputValue(), "three", "the typed quantity is kept");
  await checkAccessibility(page, "item with a field error");
  await page.getByLabel("Quantity", { exact: true }).fill("9");
  await page.getByRole("button", { name: "Record" }).click();
  await page.getByText("The stock movement is recorded.").waitFor();
  await page.getByText("Below the reorder point of 5").waitFor();
  assert.equal(await page.locator("#item-quantity").textContent(), "3");
  assert.equal(await page.locator(".badge-large", { hasText: "Low stock" }).count(), 1, "the item is marked low");
  const chart = page.locator(".chart-svg");
  const box = (await chart.boundingBox())!;
  await chart.hover({ position: { x: box.width - 8, y: box.height / 2 } });
  await page.waitForFunction(() => document.querySelector("[data-chart-readout]")?.textContent?.includes("issue -9, stock 3"));
  await checkAccessibility(page, "item");
  await shoot(page, "item");
  await mainNav.getByRole("link", { name: "Inventory" }).click();
  const row = page.getByRole("row", { name: /Bench vise/ });
  assert.match((await row.textContent()) ?? "", /Low stock/, "the list marks the item low");
  await page.getByLabel("Stock").selectOption("true");
  await page.getByRole("button", { name: "Filter" }).click();
  await page.getByText("Matching items (1)").waitFor();
  await checkAccessibility(page, "inventory");
  await shoot(page, "inventory");

  // Purchase orders: create a draft with a line, submit, receive everything.
  await mainNav.getByRole("link", { name: "Purchase orders" }).click();
  await checkAccessibility(page, "purchase orders (empty)");
  await page.getByRole("link", { name: "New order" }).click();
  await page.getByLabel("Supplier").fill("Acme Tools");
  await page.getByLabel("Line 1: SKU").fill("BV-100");
  await page.getByLabel("Line 1: quantity").fill("10");
  await page.getByLabel("Line 1: unit cost").fill("2500");
  await checkAccessibility(page, "new order");
  await page.getByRole("button", { name: "Create draft" }).click();
  await page.getByText("The order is created as a draft.").waitFor();
  await page.getByRole("button", { name: "Submit order" }).click();
  await page.getByText("The order is submitted.").waitFor();
  await checkAccessibility(page, "order");
  await shoot(page, "order");
  await page.getByRole("button", { name: "Receive everything outstanding" }).click();
  await page.getByText("The stock is received").waitFor();
  await mainNav.getByRole("link", { name: "Purchase orders" }).click();
  await page.locator(".badge", { hasText: "Received" }).first().waitFor();
  await checkAccessibility(page, "purchase orders");
  await shoot(page, "purchase-orders");

  // Audit log.
  await mainNav.getByRole("link", { name: "Audit log" }).click();
  await page.getByRole("heading", { name: "Audit log", level: 1 }).waitFor();
  await checkAccessibility(page, "audit log");
  await shoot(page, "audit-log");

  // Snapshots: take one, change the stock, a dry run shows the difference, restore with progress.
  await mainNav.getByRole("link", { name: "Snapshots" }).click();
  await page.getByLabel("Note").fill("Before the browser test's change");
  await page.getByRole("button", { name: "Take snapshot" }).click();
  await page.getByText("The snapshot is taken.").waitFor();
  await checkAccessibility(page, "snapshots");
  await shoot(page, "snapshots");
  await page.goto(itemUrl);
  await page.getByLabel("Action", { exact: true }).selectOption("issue");
  await page.getByLabel("Quantity", { exact: true }).fill("4");
  await page.getByRole("button", { name: "Record" }).click();
  await page.getByText("The stock movement is recorded.").waitFor();
  assert.equal(await page.locator("#item-quantity").textContent(), "9");
  await mainNav.getByRole("link", { name: "Snapshots" }).click();
  await page.getByRole("row", { name: /Before the browser test's change/ }).getByRole("link").click();
  await checkAccessibility(page, "snapshot");
  await page.getByRole("link", { name: "Preview a restore (dry run)" }).click();
  await page.getByText("Dry run: nothing has changed.").waitFor();
  assert.match((await page.locator("#restore-diff").textContent()) ?? "", /Updated1/, "the dry run shows the changed item");
  await checkAccessibility(page, "restore preview");
  await shoot(page, "restore-preview");
  await page.getByRole("button", { name: "Restore this snapshot" }).click();
  await page.locator('[data-restore-progress][data-done="true"]').waitFor({ timeout: 30_000 });
  await page.getByText("complete", { exact: true }).waitFor();
  await checkAccessibility(page, "restore");
  await shoot(page, "restore");
  await page.goto(itemUrl);
  assert.equal(await page.locator("#item-quantity").textContent(), "13", "the restore brought back the snapshot's stock");

  // Imports: upload a CSV with on_error=skip; one bad row listed.
  await mainNav.getByRole("link", { name: "Imports" }).click();
  await page.getByLabel("CSV file", { exact: true }).setInputFiles({ name: "items.csv", mimeType: "text/csv", buffer: Buffer.from("sku,name,quantity\nIM-1,Imported one,4\nIM-2,Imported two,lots\n") });
  await page.getByLabel("Bad rows", { exact: true }).selectOption("skip");
  await checkAccessibility(page, "imports");
  await page.getByRole("button", { name: "Upload" }).click();
  await page.locator('[data-progress][data-done="true"]').waitFor({ timeout: 30_000 });
  await page.getByRole("link", { name: "Download the errors (CSV)" }).waitFor();
  await checkAccessibility(page, "import");
  await shoot(page, "import");

  // Settings → Webhooks: an endpoint with its secret shown once.
  await mainNav.getByRole("link", { name: "Webhooks" }).click();
  await page.getByLabel("URL", { exact: true }).fill("http://127.0.0.1:9/hooks");
  await page.getByLabel("Events", { exact: true }).fill("item.low_stock, order.*");
  await page.getByRole("button", { name: "Add endpoint" }).click();
  const webhookSecret = await page.getByRole("textbox", { name: /Signing secret for/ }).inputValue();
  assert.match(webhookSecret, /^whsec_/);
  await checkAccessibility(page, "webhooks");
  await shoot(page, "webhooks", ["#webhook-secret"]);

  // The invited read_only user: no settings but Plan, and the keys page refused if forced.
  const invited = await browser.newContext({ baseURL: base });
  const guest = await invited.newPage();
  await guest.goto(invitation);
  await guest.getByLabel("New password").fill("the guest's password");
  await guest.getByLabel("Repeat the password").fill("the guest's password");
  await guest.getByRole("button", { name: /Set password/ }).click();
  await guest.waitForURL(`${base}/dashboard`);
  const nav = guest.getByRole("navigation", { name: "Dashboard" });
  assert.equal(await nav.getByRole("link", { name: "API Keys" }).count(), 0, "read_only sees no API Keys link");
  assert.equal(await nav.getByRole("link", { name: "Users" }).count(), 0);
  await nav.getByRole("link", { name: "Inventory" }).click();
  await guest.getByRole("link", { name: "Bench vise" }).click();
  assert.equal(await guest.getByRole("button", { name: "Record" }).count(), 0, "read_only is offered no stock form");
  await checkAccessibility(guest, "item for read_only");
  assert.equal((await guest.goto("/dashboard/inventory/new"))?.status(), 403);
  const forced = await guest.goto("/dashboard/settings/api-keys");
  assert.equal(forced?.status(), 403);
  await checkAccessibility(guest, "not available for the role");
  await invited.close();

  // At a phone's width.
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, baseURL: base, storageState: await context.storageState() });
  const small = await phone.newPage();
  // Wide tables scroll in their own box: the page itself is never wider than the screen.
  const fitsTheScreen = async (what: string) => {
    const { scrollWidth, clientWidth } = await small.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      clientWidth: document.documentElement.clientWidth,
    }));
    assert.ok(scrollWidth <= clientWidth, `${what} is ${scrollWidth} px wide on a ${clientWidth} px screen`);
  };
  await small.goto("/dashboard/settings/api-keys");
  await fitsTheScreen("API keys");
  await checkAccessibility(small, "API keys at a phone's width");
  await shoot(small, "api-keys-phone");
  await small.goto(itemUrl);
  await fitsTheScreen("the item page");
  await checkAccessibility(small, "item at a phone's width");
  await shoot(small, "item-phone");
  await phone.close();

  // Signed out, every page is closed.
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL(/\/dashboard\/sign-in/);
  const closed = ["/dashboard", "/dashboard/inventory", itemUrl.replace(base, ""), "/dashboard/orders", "/dashboard/audit-log", "/dashboard/snapshots", "/dashboard/imports", "/dashboard/settings/webhooks"];
  for (const path of [...closed, "/dashboard/settings/api-keys", "/dashboard/settings/users", "/dashboard/settings/plan", "/dashboard/choose-company"]) {
    await page.goto(path);
    assert.match(page.url(), /\/dashboard\/sign-in$/, `${path} is closed after signing out`);
  }
  assert.deepEqual(cspViolations, [], "no Content-Security-Policy violations");
  console.log(`\nbrowser test passed; axe checked: ${checked.join(", ")}`);
} finally {
  await browser.close();
  stop();
}
