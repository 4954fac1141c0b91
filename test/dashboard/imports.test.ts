// Imports in the dashboard: a CSV uploaded with a form becomes an import as POST /v1/imports makes
// one (dry run, on_error=skip, the plan's rows), its page shows the counts and errors, the errors
// CSV downloads; the file field's error beside it; roles and CSRF.
import { env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { Browser, dashboardCompany, fieldError, givePassword, signedIn, TEST_PASSWORD, type DashboardCompany } from "../helpers/dashboard.ts";
import { BASE, client } from "../helpers/http.ts";

const IMPORTS = "/dashboard/imports";

async function upload(browser: Browser, csv: string | null, fields: Record<string, string> = {}, headers: Record<string, string> = { Origin: BASE }) {
  const form = new FormData();
  if (csv !== null) form.set("file", new File([csv], "items.csv", { type: "text/csv" }));
  for (const [name, value] of Object.entries(fields)) form.set(name, value);
  const response = await exports.default.fetch(
    new Request(`${BASE}${IMPORTS}`, { method: "POST", body: form, redirect: "manual", headers: { Cookie: `__Host-dashboard_session=${browser.cookie}`, ...headers } }),
  );
  return { status: response.status, location: response.headers.get("Location"), html: await response.text() };
}

async function readOnly(co: DashboardCompany) {
  const email = `ro.${co.email}`;
  const created = await client(co.apiKey).post("/v1/users", { name: "Reader", email, role: "read_only" });
  await givePassword(created.body.id);
  const browser = new Browser();
  await browser.signIn(email, TEST_PASSWORD);
  return browser;
}

async function finished(browser: Browser, path: string) {
  let page = await browser.get(path);
  for (let i = 0; i < 50 && !page.html.includes('data-done="true"'); i++) page = await browser.get(path);
  return page;
}

describe("Imports", () => {
  it("imports a CSV as the API does: items created, the import recorded as the user", async () => {
    const co = await dashboardCompany();
    const browser = await signedIn(co);
    const answer = await upload(browser, "sku,name,quantity\nA-1,Alpha,5\nB-1,Beta,2\n", { dry_run: "false", on_error: "fail" });
    expect(answer.status, answer.html).toBe(303);
    expect(answer.location).toMatch(/^\/dashboard\/imports\/imp_\w+$/);
    const page = await finished(browser, answer.location!);
    expect(page.html).toContain('<span class="badge badge-ok">complete</span>');
    expect(page.html).toMatch(/<dt>Items created<\/dt><dd>2<\/dd>/);
    const id = answer.location!.split("/").at(-1)!;
    expect((await client(co.apiKey).get(`/v1/imports/${id}`)).body).toMatchObject({ status: "complete", items_created: 2, dry_run: false });
    expect(await env.DB.prepare("SELECT user_id, api_key_id FROM imports WHERE id = ?").bind(id).first()).toEqual({ user_id: co.userId, api_key_id: null });
    const items = (await client(co.apiKey).get("/v1/items")).body;
    expect(items.data.map((i: { sku: string; quantity: number }) => [i.sku, i.quantity]).sort()).toEqual([["A-1", 5], ["B-1", 2]]);
    const list = await browser.get(IMPORTS);
    expect(list.html).toContain(`${IMPORTS}/${id}`);
  });

  it("a dry run changes nothing; on_error=skip imports the good rows and lists the bad, with the errors CSV", async () => {
    const co = await dashboardCompany();
    const browser = await signedIn(co);
    const dry = await upload(browser, "sku,name,quantity\nA-1,Alpha,5\n", { dry_run: "true", on_error: "fail" });
    expect((await finished(browser, dry.location!)).html).toContain("a dry run: nothing is changed");
    expect((await client(co.apiKey).get("/v1/items")).body.pagination.total).toBe(0);

    const skip = await upload(browser, "sku,name,quantity\nA-1,Alpha,5\nB-1,Beta,lots\n", { dry_run: "false", on_error: "skip" });
    const page = await finished(browser, skip.location!);
    expect(page.html).toMatch(/<dt>Errors<\/dt><dd>1<\/dd>/);
    expect(page.html).toContain('<td class="num">3</td><td class="mono">quantity</td>');
    expect(page.html).toContain(`href="${skip.location}/errors"`);
    const errors = await browser.get(`${skip.location}/errors`);
    expect(errors.status).toBe(200);
    expect(errors.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(errors.html.split("\r\n")[0]).toBe("row,column,message");
    expect(errors.html).toContain("3,quantity,");
    expect((await client(co.apiKey).get("/v1/items")).body.pagination.total).toBe(1);
  });

  it("shows a missing file beside the file field, keeping the options; nothing is imported", async () => {
    const co = await dashboardCompany();
    const browser = await signedIn(co);
    const answer = await upload(browser, null, { dry_run: "true", on_error: "skip" });
    expect(answer.status).toBe(400);
    expect(fieldError(answer.html, "file")).toBe("Choose a CSV file: a header row, then one item a row.");
    expect(answer.html).toContain('<option value="true" selected="">');
    expect(answer.html).toContain('<option value="skip" selected="">');
    expect((await client(co.apiKey).get("/v1/imports")).body.pagination.total).toBe(0);
  });

  it("refuses a file over the plan's rows beside the field (the API's 413 message)", async () => {
    const co = await dashboardCompany("starter");
    const browser = await signedIn(co);
    const rows = Array.from({ length: 5_001 }, (_, i) => `S-${i},N${i},1`).join("\n");
    const answer = await upload(browser, `sku,name,quantity\n${rows}\n`, { dry_run: "false", on_error: "fail" });
    expect(answer.status).toBe(413);
    expect(fieldError(answer.html, "file")).toMatch(/5,001 rows; the starter plan imports at most 5,000 rows/);
    expect((await client(co.apiKey).get("/v1/imports")).body.pagination.total).toBe(0);
  });

  it("read_only sees the list without the form and is refused an upload (403); CSRF refused", async () => {
    const co = await dashboardCompany();
    const reader = await readOnly(co);
    const list = await reader.get(IMPORTS);
    expect(list.status).toBe(200);
    expect(list.html).not.toContain('enctype="multipart/form-data"');
    expect((await upload(reader, "sku,name\nA-1,Alpha\n")).status).toBe(403);
    const admin = await signedIn(co);
    expect((await upload(admin, "sku,name\nA-1,Alpha\n", {}, { Origin: "https://evil.example" })).status).toBe(403);
    expect((await client(co.apiKey).get("/v1/imports")).body.pagination.total).toBe(0);
  });
});
