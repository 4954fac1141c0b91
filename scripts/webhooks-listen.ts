// npm run webhooks:listen [-- --api http://127.0.0.1:8787] [--key sk_test_…] [--events "item.*,order.*"] [--delete]
//
// A local webhook receiver for development, what `stripe listen` is to Stripe: starts an HTTP
// server on 127.0.0.1, registers it as a webhook endpoint of the dev server's demo company (the key
// `npm run dev` printed, from .wrangler/demo-key.json, unless --key or $KEY says otherwise),
// verifies every delivery's Standard Webhooks signature and prints each event.
//
// The endpoint is kept when the listener stops (Ctrl-C), with its port and secret in
// .wrangler/webhooks-listen.json: deliveries made meanwhile fail and are retried, so the next start
// receives them. `--delete` removes the endpoint on exit instead.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import { parseArgs } from "node:util";
import { Webhook } from "standardwebhooks";

const STATE_FILE = ".wrangler/webhooks-listen.json";
const DEMO_FILE = ".wrangler/demo-key.json";

const { values } = parseArgs({
  options: {
    api: { type: "string", default: process.env.API ?? `http://127.0.0.1:${process.env.PORT ?? "8787"}` },
    key: { type: "string", default: process.env.KEY },
    events: { type: "string", default: "*" },
    delete: { type: "boolean", default: false },
  },
});
const api = values.api.replace(/\/$/, "");
const key = values.key ?? (existsSync(DEMO_FILE) ? (JSON.parse(readFileSync(DEMO_FILE, "utf8")) as { api_key: string }).api_key : undefined);
if (!key) {
  console.error(`No API key: start \`npm run dev\` first (it writes ${DEMO_FILE}), or pass --key sk_test_… (or set KEY).`);
  process.exit(1);
}

interface State {
  api: string;
  endpoint_id: string;
  secret: string;
  port: number;
}

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  let response: Response;
  try {
    response = await fetch(`${api}${path}`, {
      method,
      headers: { Authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    console.error(`Cannot reach the API at ${api} (${String(error)}): is \`npm run dev\` running? (--api sets the address)`);
    process.exit(1);
  }
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

/** The fields of the event's object worth a glance, by the kind of object. */
function keyFields(type: string, object: Record<string, unknown>): string {
  const pick = (...names: string[]) =>
    names
      .filter((name) => object[name] !== undefined)
      .map((name) => `${name}=${JSON.stringify(object[name])}`)
      .join(" ");
  if (type.startsWith("item.")) return pick("id", "sku", "name", "quantity", "reorder_point");
  if (type.startsWith("transaction.")) return pick("id", "item_id", "type", "quantity_change", "quantity_after", "reference");
  if (type.startsWith("order.")) return pick("id", "number", "status", "supplier");
  if (type.startsWith("snapshot_restore.")) return pick("id", "snapshot_id", "status", "items_processed", "error");
  if (type.startsWith("snapshot.")) return pick("id", "type", "status", "item_count");
  return pick("id", "status", "rows_total", "errors_count");
}

const saved: State | undefined = existsSync(STATE_FILE) ? JSON.parse(readFileSync(STATE_FILE, "utf8")) : undefined;
let state = saved?.api === api && (await call("GET", `/v1/webhook_endpoints/${saved.endpoint_id}`)).status === 200 ? saved : undefined;

const server = createServer(async (request, response) => {
  const body = await readBody(request);
  const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, String(value)]));
  let event: { id: string; type: string; sequence: number; data: { object: Record<string, unknown> } };
  try {
    event = new Webhook(state!.secret).verify(body, headers) as typeof event;
  } catch (error) {
    console.log(`${new Date().toISOString()}  ✗ signature not verified (${String(error)}): answered 400`);
    response.writeHead(400).end();
    return;
  }
  response.writeHead(200, { "Content-Type": "text/plain" }).end("ok");
  console.log(
    `${new Date().toISOString()}  ✓ ${event.type.padEnd(26)} #${String(event.sequence).padEnd(5)} ${event.id}  ${keyFields(event.type, event.data.object)}`,
  );
});

const listen = (port: number) =>
  new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve((server.address() as { port: number }).port));
  });

let port: number;
try {
  port = await listen(state?.port ?? 0);
} catch {
  port = await listen(0); // the saved port is taken: another one, and the endpoint follows it
}
const url = `http://127.0.0.1:${port}/webhooks`;
const events = values.events.split(",").map((pattern) => pattern.trim());

if (!state) {
  const created = await call("POST", "/v1/webhook_endpoints", { url, events, description: "npm run webhooks:listen" });
  if (created.status !== 201) {
    console.error(`Could not register the endpoint: ${created.status} ${JSON.stringify(created.body)}`);
    process.exit(1);
  }
  state = { api, endpoint_id: created.body.id, secret: created.body.secret, port };
} else {
  const updated = await call("PATCH", `/v1/webhook_endpoints/${state.endpoint_id}`, { url, events, status: "enabled" });
  if (updated.status !== 200) {
    console.error(`Could not update the endpoint: ${updated.status} ${JSON.stringify(updated.body)}`);
    process.exit(1);
  }
  state = { ...state, port };
}
mkdirSync(".wrangler", { recursive: true });
writeFileSync(STATE_FILE, `${JSON.stringify(state, null, 2)}\n`);

console.log(`
  Listening on ${url} for ${events.join(", ")}
  Endpoint ${state.endpoint_id} of ${api}; every signature is verified with its secret.
  Ctrl-C stops; the endpoint is kept${values.delete ? " until then (--delete)" : ", and what arrives meanwhile is retried at the next start"}.
`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, async () => {
    server.close();
    if (values.delete) {
      await call("DELETE", `/v1/webhook_endpoints/${state!.endpoint_id}`);
      writeFileSync(STATE_FILE, "{}\n");
      console.log(`\n  Endpoint ${state!.endpoint_id} deleted.`);
    }
    process.exit(0);
  });
}
