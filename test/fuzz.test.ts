import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import type { RouteConfig } from "@hono/zod-openapi";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { z } from "zod";
import { ADJUST_REASONS, AUDIT_ACTIONS, ORDER_STATUSES, ROLES, TRANSACTION_TYPES, WEBHOOK_DELIVERY_STATUSES, type Role } from "../src/db/schema.ts";
import { app } from "../src/app.ts";
import worker from "../src/index.ts";
import { setClock } from "../src/lib/clock.ts";
import { ApiError, ErrorBodySchema, type ErrorCode } from "../src/lib/errors.ts";
import { createCompany, createKey, type TestCompany } from "./helpers/factories.ts";
import { BASE, callJson, client } from "./helpers/http.ts";
import { createApiKey, createUser } from "./helpers/keys.ts";
import { orderIn } from "./helpers/orders.ts";
import { companyData, mayCall } from "./helpers/security.ts";
import { ledgerMismatches, restoreSnapshot, takeSnapshot } from "./helpers/snapshots.ts";
import { db as webhookDb, receiver, stopReceiver } from "./helpers/webhooks.ts";
import { dispatchAndEnqueue } from "../src/webhooks/dispatch.ts";
import { deliveriesQueue } from "../src/webhooks/queue.ts";

// Property-based checks that no request to any route, however odd, makes the Worker fail or
// leak: never a 5xx; every error is the contract's body with a known code, its status and the
// Request-Id; every success matches the route's declared schema exactly (no extra fields); no
// answer carries SQL or stack text; and what the contract predicts from the request alone (body
// checks, then authentication, then the role, then the Idempotency-Key, then validation, and
// another company's ids answering 404) holds.
//
// Each route is described once below with its own route definition from src (so the declared
// body, query, statuses and success schemas come from the code that serves them) and with what
// its bodies, queries and ids look like.
//
// Most requests go straight to the Worker's fetch handler: through `exports.default.fetch` every
// request in a file gets slower than the one before (cloudflare/workers-sdk#15446), which a few
// thousand requests cannot afford. One property still goes the whole way through the runtime.
//
// Rate limits are kept out of the way, not switched off: the clock moves one second per request
// (so no key comes near its per-minute limit) and every request comes from its own client
// address (so failed authentications never add up). Snapshot and restore creation may still meet
// the plan's daily limits: that 429 is allowed on those two routes.
//
// Strict about the document: a status an operation does not declare, or an error code its status
// does not list in its `code` enum, fails the property.
//
// Left out on purpose: POST /v1/snapshots and POST /v1/api_keys/{id}/roll answer 400
// invalid_json to an empty body sent with a JSON Content-Type, where their body is optional.

const REQUEST_ID = /^req_[0-9A-Za-z]{20,}$/;
const MIB = 1024 * 1024;
/** Runs per route of the property with everything random, and of the one with a valid key. */
const RUNS = { random: 40, validKey: 45, runtime: 60 };
const TIMEOUT_MS = 60_000;

/** SQL, driver or stack text that no answer may carry. */
const SQL_LEAK = /SQLITE|constraint failed|drizzle|D1_[A-Z_]+|no such (table|column)|syntax error/i;
const STACK_LEAK = /\w*Error: |\n\s*at |\bat (async )?[\w$.<>]+ \(|\.(ts|js|mjs):\d+(:\d+)?\b/;
/** What is not valid text: lone surrogates and control characters (tab and newline aside). */
const INVALID_TEXT = /\p{Cs}|[\u0000-\u0008\u000B-\u001F\u007F]/u;

// ---------------------------------------------------------------------------------------------
// Fixtures: one company that the fuzzer writes to, one whose data it may only try to reach.

type KeyName = "admin" | "member" | "readOnly" | "revoked" | "expired" | "otherCompany";

/** A company's ids that the fuzzer may use, by the path parameter they belong to. */
interface Pools {
  item: { live: string; deletable: string; trashed: string };
  txn: string;
  orders: string[];
  lineIds: string[];
  snapshot: { kept: string; deletable: string };
  /** A restore of the kept snapshot. */
  restore: string;
  users: string[];
  /** Keys made for the fuzzer to read, revoke and roll: none of them is used to authenticate. */
  apiKeys: string[];
  webhookEndpoints: string[];
  /** Deliveries of the company's events to its endpoints (all sent before the fuzzing starts). */
  webhookDeliveries: string[];
}

interface Fixtures {
  co: TestCompany;
  other: TestCompany;
  keys: Record<KeyName, string>;
  pools: { co: Pools; other: Pools };
}

let fx: Fixtures;
/** Documented statuses per operationId, read from the served OpenAPI document. */
const documented = new Map<string, Set<number>>();
/** The error codes each operation declares per status (`${operationId} ${status}`). */
const documentedCodes = new Map<string, Set<string>>();
/** The other company's stored data when the fuzzing starts: nothing may change it. */
let otherBefore: Awaited<ReturnType<typeof companyData>>;

let requests = 0;
const START = Date.now();

beforeAll(async () => {
  setClock(() => START + requests * 1_000);
  // Enterprise: the highest per-key and snapshot limits, as a margin on top of the moving clock.
  const other = await createCompany("enterprise");
  const co = await createCompany("enterprise");
  const keys: Record<KeyName, string> = {
    admin: co.apiKey,
    member: await createKey(co, { role: "member" }),
    readOnly: await createKey(co, { role: "read_only" }),
    revoked: await createKey(co, { revokedAt: "2020-01-01T00:00:00.000Z" }),
    expired: await createKey(co, { expiresAt: "2020-01-01T00:00:00.000Z" }),
    // Read-only, so that nothing the fuzzer sends can change the other company's data.
    otherCompany: await createKey(other, { role: "read_only" }),
  };

  const make = async (company: TestCompany): Promise<Pools> => {
    const api = client(company.apiKey);
    const post = async (path: string, body?: unknown) => {
      const response = await api.post(path, body);
      expect(response.status, `${path} ${JSON.stringify(response.body)}`).toBeLessThan(300);
      return response.body;
    };
    const live = await post("/v1/items", { name: "Fuzz live", sku: "FUZZ-LIVE", quantity: 5 });
    const deletable = await post("/v1/items", { name: "Fuzz deletable", sku: "FUZZ-DEL" });
    const trashed = await post("/v1/items", { name: "Fuzz trashed", sku: "FUZZ-TRASH" });
    expect((await api.delete(`/v1/items/${trashed.id}`)).status).toBe(204);
    const txn = (await api.get(`/v1/transactions?item_id=${live.id}`)).body.data[0].id as string;
    const orders = [];
    for (const status of ["draft", "draft", "submitted", "submitted", "partially_received", "received", "cancelled"] as const) {
      orders.push((await orderIn(api, status)).order);
    }
    const users = [(await createUser(api, { name: "Fuzz user" })).id, company.userId];
    const apiKeys = [];
    for (const name of ["Fuzz target 1", "Fuzz target 2", "Fuzz target 3"]) {
      apiKeys.push((await createApiKey(api, { name, role: "member" })).id);
    }
    const webhookEndpoints = [];
    for (const events of [["*"], ["item.*", "order.received"], ["item.low_stock"]]) {
      webhookEndpoints.push((await post("/v1/webhook_endpoints", { url: "https://example.com/fuzz", events })).id as string);
    }
    // Taken last, so that it holds every item above; restoring it now changes nothing.
    const kept = await takeSnapshot(api, "fuzz kept");
    const snapshotDeletable = await takeSnapshot(api, "fuzz deletable");
    const restore = await restoreSnapshot(api, kept.id);
    return {
      item: { live: live.id, deletable: deletable.id, trashed: trashed.id },
      txn,
      orders: orders.map((o) => o.id),
      lineIds: orders.flatMap((o) => o.line_items.map((l) => l.id)),
      snapshot: { kept: kept.id, deletable: snapshotDeletable.id },
      restore: restore.id,
      users,
      apiKeys,
      webhookEndpoints,
      webhookDeliveries: [],
    };
  };
  fx = { co, other, keys, pools: { co: await make(co), other: await make(other) } };

  // Webhooks: a receiver that accepts every delivery (so none is retried later), every event so
  // far dispatched and its deliveries sent, so that nothing changes the other company's data
  // once the fuzzing starts; the deliveries are the pools' ids.
  receiver();
  for (const company of [co, other]) {
    await dispatchAndEnqueue(webhookDb(), deliveriesQueue(env), { companyId: company.companyId }, 50);
  }
  const deliveries = async (companyId: string) =>
    (await env.DB.prepare("SELECT id, status FROM webhook_deliveries WHERE company_id = ? ORDER BY id").bind(companyId).all<{ id: string; status: string }>()).results;
  await vi.waitFor(
    async () => {
      for (const company of [co, other]) expect((await deliveries(company.companyId)).filter((d) => d.status !== "succeeded")).toEqual([]);
    },
    // A first attempt that fails (the queue's consumer can run before the receiver is in place on
    // a loaded machine) is retried 30 s later: wait past that retry.
    { timeout: 75_000, interval: 100 },
  );
  fx.pools.co.webhookDeliveries = (await deliveries(co.companyId)).slice(0, 5).map((d) => d.id);
  fx.pools.other.webhookDeliveries = (await deliveries(other.companyId)).slice(0, 1).map((d) => d.id);
  expect(fx.pools.co.webhookDeliveries.length).toBeGreaterThan(0);

  const doc = (await callJson("GET", "/v1/openapi.json")).body;
  for (const route of ROUTES) {
    const operation = doc.paths[route.def.path]?.[route.def.method];
    expect(operation, label(route)).toBeDefined();
    expect(operation.operationId).toBe(route.def.operationId);
    documented.set(route.def.operationId!, new Set(Object.keys(operation.responses).map(Number)));
    for (const [status, response] of Object.entries<any>(operation.responses)) {
      const codes = response.content?.["application/json"]?.schema?.properties?.error?.properties?.code?.enum;
      if (codes) documentedCodes.set(`${route.def.operationId} ${status}`, new Set(codes));
    }
  }
  otherBefore = await companyData(other.companyId);
}, 150_000);

afterAll(() => {
  setClock(null);
  stopReceiver();
});

// ---------------------------------------------------------------------------------------------
// Arbitraries

const printableAscii = (maxLength: number) => fc.string({ unit: "grapheme-ascii", maxLength });

/** Any text, including control characters, astral characters and (sometimes) lone surrogates. */
const anyText = (maxLength = 40) =>
  fc.oneof(
    fc.string({ unit: "grapheme", maxLength }),
    fc.string({ unit: "binary", maxLength }),
    fc.string({ unit: "binary-ascii", maxLength }),
    printableAscii(maxLength),
    fc.constantFrom("\uD800", "a\uDFFFb", "\u0000", "\u0007", "a\u007Fb", "\u202E", "\uFEFF", "e\u0301", "𝔘𝔫𝔦"),
    fc.constantFrom("'; DROP TABLE items; --", "\" OR 1=1 --", "%", "_", "\\", "${x}", "<script>"),
    fc.constantFrom('"*', "NEAR(a b)", "a OR b", "a*", "-a", "^a", "a:b", "(a"),
  );

const hugeNumbers = fc.constantFrom(
  1e308,
  -1e308,
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 53),
  1_000_000_000,
  1_000_000_001,
  1_000_000_000_000,
  1_000_000_000_001,
  2 ** 31,
  2 ** 32,
  -1,
  -0,
  0.5,
  Number.MIN_VALUE,
);

/** Values of the wrong type (or an edge of the right one) for any field. */
const oddValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  hugeNumbers,
  fc.constantFrom(null, true, false, "", " ", "0", "1", [], {}, [1], { a: 1 }),
  anyText(),
);

/** Text of `min`–`max` characters, odd characters included, or (sometimes) a little longer. */
const plausibleText = (min: number, max: number) => anyText(max).filter((s) => s.length >= min && s.length <= max);
const textField = (min: number, max: number) =>
  fc.oneof(
    { arbitrary: plausibleText(min, max), weight: 4 },
    { arbitrary: fc.string({ unit: "grapheme-ascii", minLength: max - 2, maxLength: max + 5 }), weight: 1 },
    { arbitrary: oddValue, weight: 1 },
  );
const intField = (min: number, max: number) =>
  fc.oneof(
    { arbitrary: fc.integer({ min, max }), weight: 4 },
    { arbitrary: fc.integer({ min: min - 10, max: min + 10 }), weight: 1 },
    { arbitrary: fc.integer({ min: max - 10, max: max + 10 }), weight: 1 },
    { arbitrary: oddValue, weight: 1 },
  );
const enumField = <T extends string>(values: readonly T[]) =>
  fc.oneof(
    { arbitrary: fc.constantFrom(...values), weight: 5 },
    { arbitrary: fc.constantFrom(...values).map((v) => v.toUpperCase()), weight: 1 },
    { arbitrary: oddValue, weight: 1 },
  );
const isoDate = fc.date({ min: new Date("1970-01-01"), max: new Date("2100-01-01"), noInvalidDate: true }).map((d) => d.toISOString());
const timestampLike = fc.oneof(
  isoDate,
  isoDate.map((s) => s.slice(0, 10)),
  isoDate.map((s) => s.replace(".000Z", "+05:30")),
  fc.constantFrom("2025-02-30", "2025-13-01", "2025-01-01T25:00:00Z", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59-23:59"),
  fc.constantFrom("yesterday", "1700000000", "", "2025-01-01 10:00:00", "2025-1-1"),
);
/** One of the given ids, another company's, an id of another kind, or junk. */
const idField = (ids: string[]) =>
  fc.oneof(
    { arbitrary: fc.constantFrom(...ids), weight: 5 },
    { arbitrary: fc.constantFrom("item_000000000000000000000000", "po_x", "", "null"), weight: 1 },
    { arbitrary: oddValue, weight: 1 },
  );
const skuLike = fc.oneof(fc.stringMatching(/^[A-Za-z0-9._-]{1,64}$/), anyText(70));

const extraKey = fc.oneof(
  printableAscii(12),
  fc.constantFrom("__proto__", "id", "company_id", "constructor", "deleted_at", "created_at", "user_id", "key_hash", ""),
);

const deepNesting = fc.integer({ min: 1, max: 50_000 }).chain((depth) =>
  fc.constantFrom(
    "[".repeat(depth) + "]".repeat(depth),
    '{"a":'.repeat(depth) + "1" + "}".repeat(depth),
    `{"name":${"[".repeat(depth)}${"]".repeat(depth)},"sku":"DEEP"}`,
    "[".repeat(depth),
  ),
);

const TOO_BIG = JSON.stringify({ name: "x".repeat(MIB), sku: "BIG", note: "" });

const oddBodies = fc.constantFrom(
  "",
  "1e400",
  "-1e400",
  "123456789012345678901234567890",
  '{"name":"n","sku":"S1","quantity":1e400}',
  '{"name":"n","sku":"S2","quantity":123456789012345678901234567890}',
  '{"name":"n","sku":"S3","quantity":1.0}',
  '{"name":"n","sku":"S4","quantity":-0}',
  '{"name":"n","name":"m","sku":"S5"}',
  '{"__proto__":{"admin":true},"name":"n","sku":"S6"}',
  '{"transactions":[{"__proto__":{}}]}',
  '{"line_items":[{}]}',
  '{"note":"\\ud800"}',
  '{"name":"\\u0000"}',
  "\uFEFF{}",
  "{}",
  "null",
  "[]",
  '""',
  "true",
);

// ---------------------------------------------------------------------------------------------
// The routes

type Fields = Record<string, fc.Arbitrary<unknown>>;

/** The route's definition as the app registered it (what the OpenAPI document is made from). */
function routeDef(operationId: string): RouteConfig {
  const found = app.openAPIRegistry.definitions.find((d) => d.type === "route" && d.route.operationId === operationId);
  if (found?.type !== "route") throw new Error(`No route with operationId ${operationId}`);
  return found.route as RouteConfig;
}

interface FuzzRoute {
  /** The route's own definition: method, path, declared body and query, statuses, schemas. */
  def: RouteConfig;
  /** For each path parameter: a company's ids it may take (the fuzzer adds foreign ones and junk). */
  params?: (pools: Pools) => Record<string, string[]>;
  /** The fields of the body, each right or wrong. */
  fields?: () => Fields;
  /** Fields that must be present for a body to pass (the others are left out at random). */
  required?: string[];
  /** Bodies that pass validation, with odd but allowed values, so that requests reach the database. */
  valid?: () => fc.Arbitrary<Record<string, unknown>>;
  /** Query parameters and plausible values for them. */
  query?: () => Record<string, fc.Arbitrary<string>>;
  /** Users and API keys: admin keys only. */
  adminOnly?: boolean;
  /** The `field` of a 404 for an unknown path id (default: the parameter's name). */
  notFoundField?: string;
  /** Creating these may meet the plan's daily limit (429 plan_limit_exceeded). */
  planLimited?: boolean;
}

const page = () => ({
  limit: fc.oneof(fc.integer({ min: 1, max: 100 }).map(String), fc.constantFrom("0", "101", "1e2", "-1", "")),
  offset: fc.oneof(fc.integer({ min: 0, max: 1_000 }).map(String), fc.constantFrom("-1", "1.5", " 1")),
});
const anyItemIds = () => [...Object.values(fx.pools.co.item), fx.pools.other.item.live];

const itemFields = (): Fields => ({
  name: fc.oneof(textField(1, 200), fc.string({ unit: "grapheme-ascii", minLength: 195, maxLength: 205 })),
  sku: fc.oneof(skuLike, oddValue),
  quantity: intField(0, 1_000_000_000),
  location: fc.oneof(textField(0, 100), fc.constant(null)),
  barcode: fc.oneof(textField(1, 64), fc.constant(null)),
  reorder_point: fc.oneof(intField(0, 1_000_000_000), fc.constant(null)),
});

const transactionFields = (): Fields => ({
  item_id: idField(anyItemIds()),
  type: enumField(TRANSACTION_TYPES),
  quantity: fc.oneof(intField(-1_000_000_000, 1_000_000_000), fc.integer({ min: -5, max: 5 })),
  reason: fc.oneof(enumField(ADJUST_REASONS), fc.constant(null)),
  note: fc.oneof(textField(0, 500), fc.constant("line one\nline\ttwo"), fc.constant(null)),
  reference: fc.oneof(textField(0, 200), fc.constant(null)),
  expected_quantity: fc.oneof(intField(0, 1_000_000_000), fc.constant(5), fc.constant(null)),
});
const transactionBody = () =>
  objectBody(transactionFields(), ["item_id", "type", "quantity"]).map((text) => JSON.parse(text) as unknown);

const lineItemFields = (): Fields => ({
  item_id: idField(anyItemIds()),
  quantity_ordered: intField(1, 1_000_000_000),
  unit_cost: intField(0, 1_000_000_000_000),
});
const orderFields = (): Fields => ({
  supplier: textField(1, 200),
  status: enumField(ORDER_STATUSES),
  currency: fc.oneof(fc.constantFrom("USD", "EUR", "JPY", "usd", "US", "USDD", "ÄÖÜ"), oddValue),
  expected_at: fc.oneof(timestampLike, fc.constant(null), oddValue),
  notes: fc.oneof(textField(0, 2000), fc.constant(null)),
  line_items: fc.oneof(
    { arbitrary: fc.array(objectBody(lineItemFields(), ["item_id", "quantity_ordered", "unit_cost"]).map((t) => JSON.parse(t)), { maxLength: 4 }), weight: 5 },
    { arbitrary: fc.constant(Array.from({ length: 101 }, (_, i) => ({ item_id: `item_${i}`, quantity_ordered: 1, unit_cost: 1 }))), weight: 1 },
    { arbitrary: oddValue, weight: 1 },
  ),
});
const receiveFields = (): Fields => ({
  line_items: fc.oneof(
    fc.array(
      objectBody({ id: idField([...fx.pools.co.lineIds, fx.pools.other.lineIds[0]!]), quantity: intField(1, 1_000_000_000) }, ["id", "quantity"]).map((t) =>
        JSON.parse(t),
      ),
      { maxLength: 4 },
    ),
    oddValue,
  ),
});

/** Text that is valid text (no control characters, no lone surrogates), odd characters welcome. */
const validText = (min: number, max: number) =>
  fc
    .oneof(
      { arbitrary: fc.string({ unit: "grapheme", minLength: min, maxLength: max }), weight: 3 },
      { arbitrary: fc.string({ unit: "grapheme-ascii", minLength: min, maxLength: max }), weight: 3 },
      {
        arbitrary: fc.constantFrom(
          ...["'; DROP TABLE items; --", "\" OR 1=1 --", "\u202Eevil", "e\u0301", "𝔘𝔫𝔦", "Überlager Süd", "ǅ ß ﬁ İ"],
          ...["NEAR(a b)", "a*", '"*', "%", "_", "\\", "${x}", "<script>", "\uFEFFbom", "\u200B", "🏳️‍🌈"],
        ),
        weight: 1,
      },
    )
    .filter((t) => t.length >= min && t.length <= max && !INVALID_TEXT.test(t));
const validSku = fc.stringMatching(/^[A-Za-z0-9._-]{1,64}$/);
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null });

const validItem = () =>
  fc.record(
    {
      name: validText(1, 200),
      sku: validSku,
      quantity: fc.oneof(fc.integer({ min: 0, max: 100 }), fc.constant(1_000_000_000)),
      location: optional(validText(0, 100)),
      barcode: optional(validText(1, 64)),
      reorder_point: optional(fc.integer({ min: 0, max: 1_000_000_000 })),
    },
    { requiredKeys: ["name", "sku"] },
  );
const liveItemIds = () => [fx.pools.co.item.live, fx.pools.co.item.deletable];
const validMovement = () => {
  const common = {
    item_id: fc.constantFrom(...liveItemIds()),
    note: optional(validText(0, 500)),
    reference: optional(validText(0, 200)),
  };
  const optionalKeys = { requiredKeys: ["item_id", "type", "quantity"] as ("item_id" | "type" | "quantity")[] };
  return fc.oneof(
    fc.record({ ...common, type: fc.constant("receive"), quantity: fc.oneof(fc.integer({ min: 1, max: 1_000 }), fc.constant(1_000_000_000)) }, optionalKeys),
    fc.record({ ...common, type: fc.constant("issue"), quantity: fc.integer({ min: 1, max: 3 }) }, optionalKeys),
    fc
      .record({ ...common, type: fc.constant("adjust"), quantity: fc.integer({ min: -3, max: 1_000 }).filter((q) => q !== 0), reason: fc.constantFrom(...ADJUST_REASONS) }, { requiredKeys: ["item_id", "type", "quantity", "reason"] }),
    fc.record({ ...common, type: fc.constant("count"), quantity: fc.integer({ min: 0, max: 1_000 }) }, optionalKeys),
    // Compare-and-set: right now and then, mostly a conflict.
    fc.record({ ...common, type: fc.constant("receive"), quantity: fc.integer({ min: 1, max: 10 }), expected_quantity: fc.integer({ min: 0, max: 10 }) }, optionalKeys),
  );
};
const validLines = () =>
  fc.subarray(liveItemIds(), { minLength: 1 }).chain((itemIds) =>
    fc.tuple(...itemIds.map((item_id) => fc.record({ item_id: fc.constant(item_id), quantity_ordered: fc.integer({ min: 1, max: 1_000 }), unit_cost: fc.integer({ min: 0, max: 100_000 }) }))),
  );
const validOrderFields = () => ({
  supplier: validText(1, 200),
  currency: fc.constantFrom("USD", "EUR", "JPY"),
  expected_at: optional(isoDate.map((d) => d.slice(0, 10))),
  notes: optional(fc.oneof(validText(0, 2000), fc.constant("line one\nline\ttwo"))),
  line_items: validLines(),
});

/** Event type patterns, valid and not. */
const eventPattern = fc.oneof(
  { arbitrary: fc.constantFrom("*", "item.*", "order.*", "item.low_stock", "transaction.created", "snapshot_restore.failed"), weight: 4 },
  { arbitrary: fc.constantFrom("item", "item.", "ITEM.*", "**", "item.*.*", "nope.*", ""), weight: 1 },
  { arbitrary: oddValue, weight: 1 },
);
/** URLs that pass with test keys (as in the tests) and ones that never do. */
const allowedWebhookUrl = fc.constantFrom(
  "https://example.com/hook",
  "https://hooks.example.com:8443/in?x=1#f",
  "http://127.0.0.1:8787/hook",
  "http://localhost:3000/",
  "https://[2606:4700::1]/",
);
const webhookEndpointFields = (): Fields => ({
  url: fc.oneof(
    { arbitrary: allowedWebhookUrl, weight: 3 },
    {
      arbitrary: fc.constantFrom(
        ...["https://10.0.0.1/", "https://[::ffff:127.0.0.1]/", "http://169.254.169.254/", "https://u:p@example.com/", "ftp://example.com/"],
        ...["https://intranet/", "https://0x7f.1/", "javascript:alert(1)", "not a url", " https://example.com/", `https://example.com/${"a".repeat(2040)}`],
      ),
      weight: 2,
    },
    { arbitrary: textField(1, 2048), weight: 1 },
  ),
  events: fc.oneof(
    { arbitrary: fc.array(eventPattern, { maxLength: 5 }), weight: 5 },
    { arbitrary: fc.constant(["item.*", "item.*"]), weight: 1 },
    { arbitrary: oddValue, weight: 1 },
  ),
  description: fc.oneof(textField(0, 500), fc.constant(null)),
});
const validWebhookEndpointFields = () => ({
  url: allowedWebhookUrl,
  events: fc.uniqueArray(fc.constantFrom("*", "item.*", "order.*", "item.low_stock", "order.received", "import.failed"), { minLength: 1, maxLength: 4 }),
  description: optional(validText(0, 500)),
});

const ROUTES: FuzzRoute[] = [
  // Items and the trash
  {
    def: routeDef("listItems"),
    query: () => ({ ...page(), search: plausibleText(0, 100), location: plausibleText(0, 100), low_stock: fc.constantFrom("true", "false", "1", "0", "yes") }),
  },
  { def: routeDef("createItem"), fields: itemFields, required: ["name", "sku"], valid: validItem },
  { def: routeDef("getItem"), params: (p) => ({ id: Object.values(p.item) }) },
  {
    def: routeDef("updateItem"),
    fields: itemFields,
    // Quantities through PATCH stay small, so that the ledger's receives have room.
    valid: () => validItem().map(({ quantity: _, ...fields }) => fields),
    params: (p) => ({ id: [p.item.live, p.item.trashed] }),
  },
  { def: routeDef("deleteItem"), params: (p) => ({ id: [p.item.deletable, p.item.trashed] }) },
  { def: routeDef("restoreItem"), params: (p) => ({ id: Object.values(p.item) }) },
  { def: routeDef("listTrash"), query: page },
  // The ledger
  { def: routeDef("createTransaction"), fields: transactionFields, required: ["item_id", "type", "quantity"], valid: validMovement },
  {
    def: routeDef("createTransactionBatch"),
    fields: () => ({
      transactions: fc.oneof(
        { arbitrary: fc.array(transactionBody(), { maxLength: 5 }), weight: 5 },
        { arbitrary: transactionBody().map((t) => Array.from({ length: 101 }, () => t)), weight: 1 },
        { arbitrary: oddValue, weight: 1 },
      ),
    }),
    required: ["transactions"],
    valid: () => fc.record({ transactions: fc.array(validMovement(), { minLength: 1, maxLength: 5 }) }),
  },
  {
    def: routeDef("listTransactions"),
    query: () => ({
      ...page(),
      item_id: fc.constantFrom(...anyItemIds(), "x"),
      type: fc.constantFrom(...TRANSACTION_TYPES, "RECEIVE", "other"),
      since: timestampLike,
      until: timestampLike,
    }),
  },
  { def: routeDef("getTransaction"), params: (p) => ({ id: [p.txn] }) },
  // CSV exports (the lists' filters, no paging) and the imports list
  {
    def: routeDef("exportItems"),
    query: () => ({ search: plausibleText(0, 100), location: plausibleText(0, 100), low_stock: fc.constantFrom("true", "false", "1", "0", "yes"), limit: fc.constantFrom("10") }),
  },
  {
    def: routeDef("exportTransactions"),
    query: () => ({
      item_id: fc.constantFrom(...anyItemIds(), "x"),
      type: fc.constantFrom(...TRANSACTION_TYPES, "RECEIVE", "other"),
      since: timestampLike,
      until: timestampLike,
    }),
  },
  { def: routeDef("listImports"), query: page },
  // The audit log
  {
    def: routeDef("listAuditLog"),
    query: () => ({
      ...page(),
      action: fc.constantFrom(...AUDIT_ACTIONS, "CREATE", "purge"),
      item_id: fc.constantFrom(...anyItemIds(), "x"),
      user_id: fc.constantFrom(...fx.pools.co.users, fx.pools.other.users[0]!, "x"),
      since: timestampLike,
    }),
  },
  // Purchase orders
  {
    def: routeDef("listOrders"),
    query: () => ({
      ...page(),
      status: fc.constantFrom(...ORDER_STATUSES, "DRAFT", "open"),
      item_id: fc.constantFrom(...anyItemIds(), "x"),
      supplier: plausibleText(0, 210),
    }),
  },
  {
    def: routeDef("createOrder"),
    fields: orderFields,
    required: ["supplier", "line_items"],
    valid: () => fc.record({ ...validOrderFields(), status: fc.constantFrom("draft", "submitted") }, { requiredKeys: ["supplier", "line_items"] }),
  },
  { def: routeDef("getOrder"), params: (p) => ({ id: p.orders }) },
  {
    def: routeDef("updateOrder"),
    fields: () => {
      const { status: _, ...fields } = orderFields();
      return fields;
    },
    valid: () => fc.record(validOrderFields(), { requiredKeys: [] }),
    params: (p) => ({ id: p.orders }),
  },
  { def: routeDef("submitOrder"), params: (p) => ({ id: p.orders }) },
  { def: routeDef("cancelOrder"), params: (p) => ({ id: p.orders }) },
  {
    def: routeDef("receiveOrder"),
    fields: receiveFields,
    valid: () =>
      fc.record(
        { line_items: fc.array(fc.record({ id: fc.constantFrom(...fx.pools.co.lineIds), quantity: fc.integer({ min: 1, max: 3 }) }), { maxLength: 1 }) },
        { requiredKeys: [] },
      ),
    params: (p) => ({ id: p.orders }),
  },
  // Snapshots
  {
    def: routeDef("createSnapshot"),
    fields: () => ({ note: fc.oneof(textField(0, 500), fc.constant(null)) }),
    valid: () => fc.record({ note: optional(validText(0, 500)) }, { requiredKeys: [] }),
    planLimited: true,
  },
  { def: routeDef("listSnapshots"), query: page },
  { def: routeDef("getSnapshot"), params: (p) => ({ id: Object.values(p.snapshot) }) },
  { def: routeDef("downloadSnapshot"), params: (p) => ({ id: Object.values(p.snapshot) }) },
  { def: routeDef("deleteSnapshot"), params: (p) => ({ id: [p.snapshot.deletable] }) },
  {
    def: routeDef("restoreSnapshot"),
    params: (p) => ({ id: Object.values(p.snapshot) }),
    query: () => ({ dry_run: fc.constantFrom("true", "1", "true", "false", "0", "TRUE", "yes", "") }),
    planLimited: true,
  },
  {
    def: routeDef("getSnapshotRestore"),
    params: (p) => ({ id: [p.snapshot.kept], restore_id: [p.restore] }),
    notFoundField: "restore_id",
  },
  // Users and API keys (admin keys only)
  { def: routeDef("listUsers"), query: page, adminOnly: true },
  {
    def: routeDef("createUser"),
    fields: () => ({
      name: textField(1, 200),
      email: fc.oneof(fc.emailAddress(), fc.constantFrom("ADMIN@example.com", "a@b", "not-an-email", "ü@例え.jp"), oddValue),
      role: enumField(ROLES),
    }),
    required: ["name", "email", "role"],
    valid: () =>
      fc.record({
        name: validText(1, 200),
        email: fc.emailAddress().filter((e) => e.length <= 254 && /^[^\s@"]{1,64}@[^\s@".]+(\.[^\s@".]+)+$/.test(e)),
        role: fc.constantFrom(...ROLES),
      }),
    adminOnly: true,
  },
  { def: routeDef("getUser"), params: (p) => ({ id: p.users }), adminOnly: true },
  { def: routeDef("createUserInvitation"), params: (p) => ({ id: p.users }), adminOnly: true },
  { def: routeDef("listApiKeys"), query: page, adminOnly: true },
  {
    def: routeDef("createApiKey"),
    fields: () => ({
      name: textField(1, 100),
      user_id: idField([...fx.pools.co.users, fx.pools.other.users[0]!]),
      role: enumField(ROLES),
      expires_at: fc.oneof(timestampLike, fc.constant("2099-01-01T00:00:00Z"), fc.constant(null)),
    }),
    required: ["name"],
    valid: () =>
      fc.record(
        {
          name: validText(1, 100),
          user_id: fc.constantFrom(...fx.pools.co.users),
          role: fc.constantFrom(...ROLES),
          expires_at: optional(fc.constant("2099-01-01T00:00:00Z")),
        },
        { requiredKeys: ["name"] },
      ),
    adminOnly: true,
  },
  { def: routeDef("getApiKey"), params: (p) => ({ id: p.apiKeys }), adminOnly: true },
  { def: routeDef("revokeApiKey"), params: (p) => ({ id: p.apiKeys }), adminOnly: true },
  {
    def: routeDef("rollApiKey"),
    fields: () => ({ expires_in_hours: intField(0, 168) }),
    valid: () => fc.record({ expires_in_hours: fc.integer({ min: 0, max: 168 }) }, { requiredKeys: [] }),
    params: (p) => ({ id: p.apiKeys }),
    adminOnly: true,
  },
  // Webhook endpoints (admin keys only)
  { def: routeDef("listWebhookEndpoints"), query: page, adminOnly: true },
  {
    def: routeDef("createWebhookEndpoint"),
    fields: webhookEndpointFields,
    required: ["url", "events"],
    valid: () => fc.record(validWebhookEndpointFields(), { requiredKeys: ["url", "events"] }),
    adminOnly: true,
  },
  { def: routeDef("getWebhookEndpoint"), params: (p) => ({ id: p.webhookEndpoints }), adminOnly: true },
  {
    def: routeDef("updateWebhookEndpoint"),
    fields: () => ({ ...webhookEndpointFields(), status: enumField(["enabled", "disabled"]) }),
    valid: () => fc.record({ ...validWebhookEndpointFields(), status: fc.constantFrom("enabled", "disabled") }, { requiredKeys: [] }),
    params: (p) => ({ id: p.webhookEndpoints }),
    adminOnly: true,
  },
  { def: routeDef("deleteWebhookEndpoint"), params: (p) => ({ id: p.webhookEndpoints }), adminOnly: true },
  {
    def: routeDef("rollWebhookSecret"),
    fields: () => ({ expires_in_hours: intField(0, 168) }),
    valid: () => fc.record({ expires_in_hours: fc.integer({ min: 0, max: 168 }) }, { requiredKeys: [] }),
    params: (p) => ({ id: p.webhookEndpoints }),
    adminOnly: true,
  },
  // Webhook deliveries (admin keys only)
  {
    def: routeDef("listWebhookDeliveries"),
    query: () => ({
      ...page(),
      endpoint_id: fc.constantFrom(...fx.pools.co.webhookEndpoints, fx.pools.other.webhookEndpoints[0]!, "x"),
      event_id: plausibleText(0, 70),
      status: fc.constantFrom(...WEBHOOK_DELIVERY_STATUSES, "PENDING", "other"),
    }),
    adminOnly: true,
  },
  { def: routeDef("getWebhookDelivery"), params: (p) => ({ id: p.webhookDeliveries }), adminOnly: true },
  { def: routeDef("retryWebhookDelivery"), params: (p) => ({ id: p.webhookDeliveries }), adminOnly: true },
];

const METHOD = (route: FuzzRoute) => route.def.method.toUpperCase() as "GET" | "POST" | "PATCH" | "DELETE";
const opId = (route: FuzzRoute) => route.def.operationId!;
const label = (route: FuzzRoute) => `${METHOD(route)} ${route.def.path}`;
/** The route validates a JSON body: "required", "optional", or undefined when it reads none. */
const bodyKind = (route: FuzzRoute) =>
  route.def.request?.body === undefined ? undefined : route.def.request.body.required ? "required" : "optional";
const validatesQuery = (route: FuzzRoute) => route.def.request?.query !== undefined;
const pathParams = (route: FuzzRoute) => [...route.def.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);

/** An object with any subset of `fields` (always `required`), right or wrong, maybe extra keys. */
function objectBody(fields: Fields, required: string[] = []): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.record(fields, { requiredKeys: [] }),
      fc.record(Object.fromEntries(required.map((k) => [k, fields[k]!])), { requiredKeys: required }),
      fc.option(fc.dictionary(extraKey, oddValue, { maxKeys: 3 }), { nil: undefined, freq: 4 }),
    )
    .map(([some, must, extra]) => JSON.stringify({ ...(extra ?? {}), ...some, ...must }));
}

/** Raw request body text (undefined: no body). */
function bodyText(route: FuzzRoute): fc.Arbitrary<string | undefined> {
  const fields = route.fields?.() ?? {};
  return fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 2 },
    { arbitrary: objectBody(fields), weight: 4 },
    { arbitrary: objectBody(fields, route.required), weight: 4 },
    ...(route.valid ? [{ arbitrary: route.valid().map((body) => JSON.stringify(body)), weight: 3 }] : []),
    { arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)), weight: 2 },
    { arbitrary: anyText(60), weight: 1 },
    { arbitrary: oddBodies, weight: 2 },
    { arbitrary: deepNesting, weight: 1 },
    { arbitrary: fc.constant(TOO_BIG), weight: 1 },
  );
}

const contentType = fc.oneof(
  {
    arbitrary: fc.constantFrom(
      undefined,
      "application/json",
      "application/json; charset=utf-8",
      "application/json;charset=UTF-8",
      "APPLICATION/JSON",
      "application/json;",
      "application/json ; charset=utf-8",
      "application/json; charset=latin1",
      "application/json, text/plain",
      "text/plain",
      "text/html",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=xyz",
      "application/vnd.api+json",
      "application/merge-patch+json",
      "application/jsonx",
      "json",
      "*/*",
      "",
    ),
    weight: 5,
  },
  { arbitrary: printableAscii(40), weight: 1 },
);
const jsonContentType = fc.constantFrom("application/json", "application/json; charset=utf-8");

/** Authorization headers: valid keys of each role, keys that must fail, malformed headers. */
const authorization = fc.oneof(
  { arbitrary: fc.constantFrom<KeyName>("admin", "member").map((k) => () => `Bearer ${fx.keys[k]}`), weight: 8 },
  {
    arbitrary: fc.constantFrom<KeyName>("readOnly", "revoked", "expired", "otherCompany").map((k) => () => `Bearer ${fx.keys[k]}`),
    weight: 3,
  },
  {
    arbitrary: fc.constantFrom(
      () => undefined,
      () => "",
      () => "Bearer",
      () => `bearer ${fx.keys.admin}`,
      () => `Bearer  ${fx.keys.admin}`,
      () => `Basic ${btoa(`${fx.keys.admin}:`)}`,
      () => fx.keys.admin,
      () => `Bearer ${fx.keys.admin.slice(0, -1)}${fx.keys.admin.endsWith("0") ? "1" : "0"}`,
      () => `Bearer ${fx.keys.admin}x`,
      () => "Bearer sk_live_00000000000000000000000000000000000000",
    ),
    weight: 3,
  },
  { arbitrary: printableAscii(60).map((s) => () => s), weight: 1 },
  { arbitrary: printableAscii(60).map((s) => () => `Bearer ${s}`), weight: 1 },
);
/** A valid key whose role may make the request, for the properties that aim past authentication. */
const permittedAuthorization = (route: FuzzRoute) => {
  const names: KeyName[] = route.adminOnly ? ["admin"] : METHOD(route) === "GET" ? ["admin", "member", "readOnly"] : ["admin", "member"];
  return fc.constantFrom(...names).map((k) => () => `Bearer ${fx.keys[k]}`);
};

/**
 * Idempotency-Key headers: mostly none; a few shared keys (so that retries replay and reuses
 * collide), fresh keys, and keys the contract refuses (empty, too long, not printable ASCII).
 */
const idempotencyKey = fc.oneof(
  { arbitrary: fc.constant(undefined), weight: 12 },
  { arbitrary: fc.constantFrom("fuzz-shared-1", "fuzz-shared-2", "fuzz-shared-3"), weight: 2 },
  { arbitrary: fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 255 }).map((s) => `${s}-${crypto.randomUUID()}`.slice(-255)), weight: 2 },
  { arbitrary: fc.constantFrom("", " ", "x".repeat(256), "a\tb", "k".repeat(255)), weight: 1 },
);

/** Percent-encodes, keeping lone surrogates from making encodeURIComponent throw. */
function encode(text: string): string {
  return encodeURIComponent(text.replace(/\p{Cs}/gu, "\uFFFD"));
}

const queryValue = fc.oneof(
  fc.constantFrom("", "0", "1", "50", "100", "101", "-1", "1.5", "1e2", "0x10", " 5", "NaN", "Infinity"),
  fc.constantFrom("true", "false", "TRUE", "yes", "null", "9".repeat(30)),
  fc.integer().map(String),
  fc.double().map(String),
  timestampLike,
  anyText(120),
);
const rawEscape = fc.constantFrom("%", "%zz", "%FF", "%C3%28", "%E2%82", "%00", "%2525", "+", "%26", "%3D");

/** A query string: known and unknown keys, repeats, empty values, odd percent-encoding. */
function queryString(route: FuzzRoute): fc.Arbitrary<string> {
  const known = Object.keys(route.query?.() ?? {});
  const key = fc.oneof(
    { arbitrary: fc.constantFrom(...known, "limit", "offset", "starting_after", "ending_before"), weight: 4 },
    { arbitrary: anyText(12), weight: 1 },
  );
  return fc
    .array(fc.tuple(key, fc.option(queryValue, { nil: undefined }), fc.option(rawEscape, { nil: undefined })), { maxLength: 6 })
    .map((pairs) =>
      pairs
        .map(([k, value, raw]) => `${encode(k)}${value === undefined ? "" : `=${encode(value)}`}${raw ?? ""}`)
        .join("&"),
    );
}

/** A query string of the route's own parameters with plausible (mostly valid) values. */
function plausibleQueryString(route: FuzzRoute): fc.Arbitrary<string> {
  return fc
    .record(route.query?.() ?? {}, { requiredKeys: [] })
    .map((query) =>
      Object.entries(query)
        .map(([key, value]) => `${key}=${encode(value as string)}`)
        .join("&"),
    );
}

/** A path parameter: the company's ids (when it has any for it), another company's, junk. */
function paramValue(own: string[] | undefined, strangers: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    ...(own && own.length > 0 ? [{ arbitrary: fc.constantFrom(...own), weight: 6 }] : []),
    { arbitrary: fc.constantFrom(...strangers), weight: 3 },
    {
      arbitrary: fc.constantFrom(
        ...["item_000000000000000000000000", "po_Zz9Zz9Zz9Zz9Zz9Zz9Zz9Zz9", "snap_x", "ITEM_x", "0", "-1", "null"],
        ...["%2F", "%00", "%zz", "a%2F..%2Fb", "%E2%82", "%C0%AF"],
      ),
      weight: 2,
    },
    {
      arbitrary: anyText(40)
        .filter((s) => s.length > 0 && s !== "." && s !== "..")
        .map(encode),
      weight: 2,
    },
  );
}

/**
 * Ids a parameter must not find: another company's objects (of this kind and of others), and the
 * company's own objects of other kinds (an order's id where an item's belongs).
 */
function strangerIds(own: string[], name: string): string[] {
  const theirs = fx.pools.other;
  const foreign = name === "restore_id" ? [theirs.restore, theirs.snapshot.kept] : [theirs.item.live, theirs.txn, theirs.orders[2]!, theirs.snapshot.kept, theirs.users[0]!, theirs.apiKeys[0]!, theirs.webhookEndpoints[0]!, theirs.webhookDeliveries[0]!];
  const p = fx.pools.co;
  const kinds = [Object.values(p.item), [p.txn], p.orders, p.lineIds, Object.values(p.snapshot), [p.restore], p.users, p.apiKeys, p.webhookEndpoints, p.webhookDeliveries];
  const otherKinds = kinds.filter((ids) => !ids.some((id) => own.includes(id))).map((ids) => ids[0]!);
  return [...foreign, ...otherKinds];
}

/** The path parameters: mostly (when `ownFirst`) the company's ids of the right kind. */
function paramsArbitrary(route: FuzzRoute, ownFirst = false): fc.Arbitrary<Record<string, string>> {
  const own = route.params?.(fx.pools.co) ?? {};
  return fc.record(
    Object.fromEntries(
      pathParams(route).map((name) => {
        const value = paramValue(own[name], strangerIds(own[name] ?? [], name));
        return [name, ownFirst && own[name] ? fc.oneof({ arbitrary: fc.constantFrom(...own[name]!), weight: 4 }, value) : value];
      }),
    ),
  );
}

interface Attempt {
  authorization: () => string | undefined;
  contentType: string | undefined;
  idempotencyKey: string | undefined;
  body: string | undefined;
  query: string;
  params: Record<string, string>;
}

function attempt(route: FuzzRoute, overrides: Partial<{ [K in keyof Attempt]: fc.Arbitrary<Attempt[K]> }> = {}) {
  return fc.record<Attempt>({
    authorization: overrides.authorization ?? authorization,
    contentType: overrides.contentType ?? contentType,
    idempotencyKey: overrides.idempotencyKey ?? idempotencyKey,
    // GET requests cannot carry a body.
    body: METHOD(route) === "GET" ? fc.constant(undefined) : (overrides.body ?? bodyText(route)),
    query: overrides.query ?? fc.oneof(fc.constant(""), queryString(route)),
    params: overrides.params ?? paramsArbitrary(route),
  });
}

// ---------------------------------------------------------------------------------------------
// The checks every answer must pass

type Transport = (request: Request) => Promise<Response>;

const direct: Transport = async (request) => {
  const ctx = createExecutionContext();
  const response = await worker.fetch(request, env, ctx);
  await waitOnExecutionContext(ctx);
  return response;
};
const throughRuntime: Transport = (request) => exports.default.fetch(request);

/** Every string the fuzzer has sent: stored text comes back in later answers (the audit log). */
const sentStrings = new Set<string>();

function collectStrings(value: unknown, into: string[]): string[] {
  if (typeof value === "string") into.push(value);
  else if (Array.isArray(value)) for (const v of value) collectStrings(v, into);
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      into.push(k);
      collectStrings(v, into);
    }
  }
  return into;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, " "));
  } catch {
    return text;
  }
}

/** What of the request an answer may repeat: the ids, query keys and values, body text, header. */
function echoesOf(a: Attempt): string[] {
  const echoes = [...Object.values(a.params), ...Object.values(a.params).map(safeDecode)];
  for (const pair of a.query.split("&")) echoes.push(...pair.split("="), ...pair.split("=").map(safeDecode));
  if (a.idempotencyKey) echoes.push(a.idempotencyKey);
  if (a.body !== undefined) {
    echoes.push(a.body);
    try {
      collectStrings(JSON.parse(a.body.replace(/^\uFEFF/, "")), echoes);
    } catch {
      // Not JSON: the text itself is the echo.
    }
  }
  return echoes.filter((s) => s.length >= 2).sort((x, y) => y.length - x.length);
}

/** Asserts that `text` (an error message or field) holds no SQL or stack text of its own. */
function expectNoLeak(text: string, echoes: string[], context: string) {
  if (!SQL_LEAK.test(text) && !STACK_LEAK.test(text)) return;
  let own = text;
  for (const echo of echoes) own = own.replaceAll(echo, "");
  expect(own, context).not.toMatch(SQL_LEAK);
  expect(own, context).not.toMatch(STACK_LEAK);
}

/** Asserts that no string of a success body is SQL or stack text, unless the fuzzer sent it. */
function expectNoLeakIn(value: unknown, context: string) {
  for (const text of collectStrings(value, [])) {
    if (!SQL_LEAK.test(text) && !STACK_LEAK.test(text)) continue;
    const sent = sentStrings.has(text) || [...sentStrings].some((s) => s.includes(text) || (s.length > 8 && text.includes(s)));
    expect(sent, `${context}: ${JSON.stringify(text)}`).toBe(true);
  }
}

function parsesAsJson(text: string | undefined): boolean {
  if (!text) return false;
  try {
    // Decoding the body as UTF-8 drops a byte order mark.
    JSON.parse(text.replace(/^\uFEFF/, ""));
    return true;
  } catch {
    return false;
  }
}

const isPlainObject = (text: string) => {
  const value = JSON.parse(text.replace(/^\uFEFF/, ""));
  return typeof value === "object" && value !== null && !Array.isArray(value);
};

/** The role and company of an Authorization header, as the contract treats it (a model, not the code). */
function caller(header: string | undefined): "none" | "invalid" | { role: Role; company: "co" | "other" } {
  if (header === undefined || header.trim() === "") return "none";
  const token = /^bearer +(\S+)$/i.exec(header.trim())?.[1];
  if (token === fx.keys.admin) return { role: "admin", company: "co" };
  if (token === fx.keys.member) return { role: "member", company: "co" };
  if (token === fx.keys.readOnly) return { role: "read_only", company: "co" };
  if (token === fx.keys.otherCompany) return { role: "read_only", company: "other" };
  return "invalid";
}

/** The schema the route declares for a success status, if it answers JSON. */
function successSchema(route: FuzzRoute, status: number): z.ZodType | undefined {
  const response = (route.def.responses as Record<number, { content?: Record<string, { schema: z.ZodType }> }>)[status];
  return response?.content?.["application/json"]?.schema;
}

const IDEMPOTENCY_CODES: ErrorCode[] = ["idempotency_key_reused", "idempotency_key_in_use"];

async function check(route: FuzzRoute, a: Attempt, transport: Transport = direct) {
  const method = METHOD(route);
  const authorizationHeader = a.authorization();
  const n = ++requests;
  const headers = new Headers({ "CF-Connecting-IP": `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}` });
  if (authorizationHeader !== undefined) headers.set("Authorization", authorizationHeader);
  if (a.contentType !== undefined) headers.set("Content-Type", a.contentType);
  if (a.idempotencyKey !== undefined) headers.set("Idempotency-Key", a.idempotencyKey);
  const path = route.def.path.replace(/\{(\w+)\}/g, (_, name: string) => a.params[name]!);
  const url = `${BASE}${path}${a.query ? `?${a.query}` : ""}`;
  for (const s of echoesOf(a)) sentStrings.add(s);
  const response = await transport(new Request(url, { method, headers, body: a.body }));
  const bytes = new Uint8Array(await response.arrayBuffer());
  const text = new TextDecoder().decode(bytes);
  const { status } = response;
  const replayed = response.headers.get("Idempotent-Replayed") === "true";
  const context = `${method} ${path}${a.query ? `?${a.query}` : ""} [${a.idempotencyKey ?? "-"}] → ${status} ${text.slice(0, 300)}`;

  // For every answer.
  expect(status, context).toBeLessThan(500);
  expect(response.headers.get("Request-Id"), context).toMatch(REQUEST_ID);

  let code: ErrorCode | null = null;
  let field: string | null = null;
  if (status >= 400) {
    expect(response.headers.get("Content-Type"), context).toMatch(/^application\/json/);
    const body = JSON.parse(text);
    expect(ErrorBodySchema.strict().safeParse(body).success, context).toBe(true);
    expect(Object.keys(body.error).sort(), context).toEqual(["code", "field", "message", "request_id"]);
    // A replay repeats the first answer, with its request id; a fresh answer carries its own.
    if (replayed) expect(body.error.request_id, context).toMatch(REQUEST_ID);
    else expect(body.error.request_id, context).toBe(response.headers.get("Request-Id"));
    expect(new ApiError(body.error.code as ErrorCode, "").status, context).toBe(status);
    expect(body.error.message.length, context).toBeGreaterThan(0);
    const echoes = echoesOf(a);
    expectNoLeak(body.error.message, echoes, context);
    if (body.error.field !== null) expectNoLeak(body.error.field, echoes, context);
    code = body.error.code;
    field = body.error.field;
    if (code === "authentication_required") expect(response.headers.get("WWW-Authenticate"), context).toBe("Bearer");
    if (code === "invalid_api_key") expect(response.headers.get("WWW-Authenticate"), context).toMatch(/^Bearer\b/);
    if (status === 429) {
      // No key and no address comes near a rate limit here (see the top of the file).
      expect(route.planLimited && code === "plan_limit_exceeded", context).toBe(true);
      expect(Number(response.headers.get("Retry-After")), context).toBeGreaterThan(0);
    }
  } else if (status === 204) {
    expect(bytes.byteLength, context).toBe(0);
  } else {
    const schema = successSchema(route, status);
    const declared = Object.keys((route.def.responses as Record<number, { content?: object }>)[status]?.content ?? {});
    if (schema === undefined && declared.includes("text/csv")) {
      // CSV exports: a header row at least.
      expect(response.headers.get("Content-Type"), context).toBe("text/csv; charset=utf-8");
      expect(text, context).toMatch(/^[a-z_,]+\r\n/);
    } else if (schema === undefined) {
      // Only the snapshot download answers something other than JSON or CSV.
      expect(response.headers.get("Content-Type"), context).toBe("application/gzip");
      expect(bytes.byteLength, context).toBeGreaterThan(0);
    } else {
      expect(response.headers.get("Content-Type"), context).toMatch(/^application\/json/);
      const json = JSON.parse(text);
      // A replay never repeats a key's secret.
      const shown = replayed && json?.secret === null ? { ...json, secret: "(not replayed)" } : json;
      const parsed = schema.safeParse(shown);
      expect(parsed.success, `${context}\n${parsed.error?.message ?? ""}`).toBe(true);
      // Parsing drops unknown keys: equal means the answer has no field the schema does not declare.
      expect(parsed.data, context).toEqual(shown);
      expectNoLeakIn(json, context);
    }
  }
  if (!documented.get(opId(route))!.has(status)) {
    expect.fail(`${context}\nstatus ${status} is not documented for ${opId(route)}`);
  }
  if (code !== null && !documentedCodes.get(`${opId(route)} ${status}`)?.has(code)) {
    expect.fail(`${context}\ncode ${code} is not documented for ${opId(route)} ${status}`);
  }

  // What the contract predicts from the request alone. Body checks come first (they need no
  // key), then authentication, then the role, then the Idempotency-Key, then validation.
  const sentBody = a.body !== undefined && a.body !== "";
  const mediaType = a.contentType?.split(";")[0]!.trim().toLowerCase();
  if (sentBody && new TextEncoder().encode(a.body).byteLength > MIB) {
    expect(code, context).toBe("payload_too_large");
    return;
  }
  if (sentBody && mediaType !== "application/json") {
    expect(code, context).toBe("unsupported_media_type");
    return;
  }
  if (sentBody && !parsesAsJson(a.body)) {
    expect(code, context).toBe("invalid_json");
    return;
  }
  const who = caller(authorizationHeader);
  if (who === "none") {
    expect(code, context).toBe("authentication_required");
    return;
  }
  if (who === "invalid") {
    expect(code, context).toBe("invalid_api_key");
    return;
  }
  if (!mayCall(who.role, method, route.adminOnly)) {
    expect(code, context).toBe("permission_denied");
    expect(field, context).toBeNull();
    return;
  }
  expect([401, 403], context).not.toContain(status);

  const idempotent = method === "POST" && a.idempotencyKey !== undefined;
  // Headers drop surrounding blanks; what is left must be 1–255 printable ASCII characters.
  if (idempotent && !/^[\x20-\x7E]{1,255}$/.test(a.idempotencyKey!.trim())) {
    expect(code, context).toBe("invalid_request");
    expect(field, context).toBe("Idempotency-Key");
    return;
  }
  if (code !== null && IDEMPOTENCY_CODES.includes(code)) expect(idempotent, context).toBe(true);
  if (replayed) expect(idempotent, context).toBe(true);

  // Another company's ids (and junk) are never found; where nothing else is validated, the
  // answer is exactly the 404 of a missing object.
  const known = route.params?.(fx.pools[who.company]) ?? {};
  const foreignOrUnknown = Object.entries(a.params).filter(([name, value]) => !(known[name] ?? []).includes(value));
  const validatesNothing = bodyKind(route) === undefined && !(validatesQuery(route) && a.query !== "");
  if (foreignOrUnknown.length > 0 && !replayed) {
    expect(status, context).toBeGreaterThanOrEqual(400);
    // The Idempotency-Key is looked at before the path's object (a reuse is a 422 first).
    if (validatesNothing && !idempotent) {
      expect(code, context).toBe("not_found");
      expect(field, context).toBe(route.notFoundField ?? foreignOrUnknown[0]![0]);
    }
  }
  if (code === "invalid_json") {
    // Only an empty body where one is required (nothing else reached here fails to parse) — and,
    // a reported defect not asserted here, an empty body sent with a JSON Content-Type where the
    // body is optional (POST /v1/snapshots, POST /v1/api_keys/:id/roll; orders' receive takes it).
    expect(!sentBody, context).toBe(true);
    expect(bodyKind(route) === "required" || (bodyKind(route) === "optional" && a.contentType !== undefined), context).toBe(true);
  }
  if (code === "invalid_request") {
    expect(bodyKind(route) !== undefined || validatesQuery(route) || idempotent, context).toBe(true);
    if (field === null && a.query === "") {
      // Only a body that is not an object has no single field at fault.
      expect(bodyKind(route) !== undefined && parsesAsJson(a.body) && !isPlainObject(a.body!), context).toBe(true);
    }
  }
  if (code === "unsupported_media_type") {
    // Only a Content-Type that is not plainly JSON, on a route that reads a body.
    expect(bodyKind(route), context).toBeDefined();
    expect(a.contentType ?? "", context).not.toMatch(/^application\/json(; ?charset=[\w-]+)?$/i);
  }
}

// ---------------------------------------------------------------------------------------------

const byRoute = ROUTES.map((route) => [label(route), route] as const);

describe("fuzzing every route", () => {
  it("recognises SQL and stack text (so that the checks below can fail)", () => {
    for (const leak of ["D1_ERROR: UNIQUE constraint failed: items.sku", "SQLITE_CONSTRAINT", "near \"x\": syntax error", "DrizzleQueryError"]) {
      expect(SQL_LEAK.test(leak), leak).toBe(true);
    }
    for (const leak of ["TypeError: x is undefined", "Error: boom\n    at handler (src/app.ts:12:5)", "at async Object.fetch (index.js:3:9)"]) {
      expect(STACK_LEAK.test(leak), leak).toBe(true);
    }
    for (const fine of ["The request body must be at most 1 MiB.", "No item with id 'item_x'.", "The 'sku' field must be at most 64 characters long."]) {
      expect(SQL_LEAK.test(fine) || STACK_LEAK.test(fine), fine).toBe(false);
    }
  });

  it.each(byRoute)(
    "%s: random keys, headers, query strings, ids and bodies",
    async (_name, route) => {
      await fc.assert(
        fc.asyncProperty(attempt(route), (a) => check(route, a)),
        { numRuns: RUNS.random },
      );
    },
    TIMEOUT_MS,
  );

  it.each(byRoute)(
    "%s: a key that may make the request, JSON bodies and the route's own parameters",
    async (_name, route) => {
      await fc.assert(
        fc.asyncProperty(
          attempt(route, {
            authorization: permittedAuthorization(route),
            contentType: jsonContentType,
            body:
              bodyKind(route) === undefined
                ? undefined
                : fc.oneof(
                    ...(route.valid ? [{ arbitrary: route.valid().map((body) => JSON.stringify(body)), weight: 3 }] : []),
                    { arbitrary: bodyText(route).filter((b) => b !== TOO_BIG), weight: 2 },
                  ),
            query: fc.oneof({ arbitrary: plausibleQueryString(route), weight: 3 }, { arbitrary: queryString(route), weight: 1 }),
            params: paramsArbitrary(route, true),
          }),
          (a) => check(route, a),
        ),
        { numRuns: RUNS.validKey },
      );
    },
    TIMEOUT_MS,
  );

  it(
    "every route through the runtime's own fetch: random keys, headers, query strings, ids and bodies",
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...ROUTES).chain((route) => attempt(route).map((a) => [route, a] as const)),
          ([route, a]) => check(route, a, throughRuntime),
        ),
        { numRuns: RUNS.runtime },
      );
    },
    TIMEOUT_MS,
  );

  it("leaves the other company's data untouched, the ledger balanced and every list readable", async () => {
    // No other company's object was reachable: everything it stores is as it was.
    expect(await companyData(fx.other.companyId)).toEqual(otherBefore);
    // Every quantity change went through the ledger: each item's quantity is the sum of its rows.
    expect(await ledgerMismatches(fx.co.companyId)).toEqual([]);
    const api = client(fx.keys.admin);
    for (const route of ROUTES.filter((r) => METHOD(r) === "GET" && pathParams(r).length === 0 && successSchema(r, 200))) {
      const list = await api.get(`${route.def.path}?limit=100`);
      expect(list.status, route.def.path).toBe(200);
      const parsed = successSchema(route, 200)!.safeParse(list.body);
      expect(parsed.success, `${route.def.path} ${parsed.error?.message ?? ""}`).toBe(true);
    }
    const foreign = await client(fx.keys.otherCompany).get(`/v1/items/${fx.pools.other.item.live}`);
    expect(foreign.body).toMatchObject({ name: "Fuzz live", sku: "FUZZ-LIVE", quantity: 5 });
  });
});
