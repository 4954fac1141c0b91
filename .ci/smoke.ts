// Smoke test as a new user would do it: start `npm run dev`, provision a key with the CLI, and
// exercise the items API over real HTTP.
import { execFileSync, spawn } from "node:child_process";
import assert from "node:assert/strict";

const port = process.env.SMOKE_PORT ?? "8788";
const base = `http://127.0.0.1:${port}`;
const server = spawn("npm", ["run", "dev"], {
  env: { ...process.env, PORT: port },
  stdio: ["ignore", "pipe", "inherit"],
  detached: true,
});
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

async function request(method: string, path: string, key: string, body?: unknown) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  assert.match(response.headers.get("Request-Id") ?? "", /^req_[0-9A-Za-z]{20,}$/);
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

try {
  await waitForServer();
  const demoKey = /Demo admin key: (sk_test_\S+)/.exec(output)?.[1];
  assert.ok(demoKey, "npm run dev printed a demo key");
  assert.equal((await request("GET", "/v1/items", demoKey)).status, 200);

  const provisioned = execFileSync("npm", ["run", "--silent", "provision", "--", "--company", "Smoke Co", "--plan", "enterprise"], {
    encoding: "utf8",
  });
  const { api_key: key } = JSON.parse(provisioned.trim().split("\n").at(-1)!);

  const created = await request("POST", "/v1/items", key, {
    name: "Widget Pro X",
    sku: "WPX-001",
    quantity: 100,
    location: "Warehouse A",
    reorder_point: 25,
  });
  assert.equal(created.status, 201);
  const id = created.body.id;
  assert.deepEqual(Object.keys(created.body).sort(), [
    "barcode", "created_at", "id", "location", "name", "quantity", "reorder_point", "sku", "updated_at",
  ]);
  assert.equal((await request("GET", `/v1/items/${id}`, key)).body.sku, "WPX-001");
  assert.equal((await request("GET", "/v1/items?search=widg", key)).body.pagination.total, 1);
  assert.equal((await request("GET", "/v1/items?search=wpx-0", key)).body.data[0].id, id);
  assert.equal((await request("GET", "/v1/items?location=warehouse%20a", key)).body.pagination.total, 1);
  const patched = await request("PATCH", `/v1/items/${id}`, key, { reorder_point: 200, location: null });
  assert.equal(patched.status, 200);
  assert.equal(patched.body.location, null);
  assert.equal((await request("GET", "/v1/items?low_stock=true", key)).body.data[0].id, id);
  const duplicate = await request("POST", "/v1/items", key, { name: "Copy", sku: "wpx-001" });
  assert.equal(duplicate.body.error.code, "sku_taken");
  assert.equal((await request("DELETE", `/v1/items/${id}`, key)).status, 204);
  assert.equal((await request("GET", `/v1/items/${id}`, key)).status, 404);
  assert.equal((await request("GET", "/v1/trash", key)).body.data[0].id, id);
  assert.equal((await request("POST", `/v1/items/${id}/restore`, key)).status, 200);
  // The demo company cannot see the smoke company's item.
  assert.equal((await request("GET", `/v1/items/${id}`, demoKey)).body.error.code, "not_found");
  const invalid = await request("POST", "/v1/items", key, { name: "", sku: "X" });
  assert.deepEqual([invalid.status, invalid.body.error.field], [400, "name"]);
  assert.equal((await request("GET", "/v1/items", "sk_test_nope")).body.error.code, "invalid_api_key");
  assert.equal((await fetch(`${base}/__scheduled?cron=0+3+*+*+*`)).status, 200);
  console.log("\nsmoke test passed");
} finally {
  stop();
}
