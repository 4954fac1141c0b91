import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import worker from "../src/index.ts";
import { setClock } from "../src/lib/clock.ts";
import { ApiError, ErrorBodySchema, type ErrorCode } from "../src/lib/errors.ts";
import { paginated } from "../src/lib/pagination.ts";
import { ItemSchema, TrashedItemSchema } from "../src/routes/items/items.schemas.ts";
import { createCompany, createKey, type TestCompany } from "./helpers/factories.ts";
import { BASE, callJson, client } from "./helpers/http.ts";

// Property-based checks that no request to an item route, however odd, makes the Worker fail:
// never a 5xx, always the contract's error body with a Request-Id, always a documented status.
//
// Most requests go straight to the Worker's fetch handler: through `exports.default.fetch` every
// request in a file gets slower than the one before (cloudflare/workers-sdk#15446), which a few
// thousand requests cannot afford. One property still goes the whole way through the runtime.
//
// Rate limits are kept out of the way, not switched off: the clock moves one second per request
// (so no key makes more than 60 requests in a clock minute) and every request comes from its own
// client address (so failed authentications never add up).

const REQUEST_ID = /^req_[0-9A-Za-z]{20,}$/;
const MIB = 1024 * 1024;
const RUNS = 200;
const TIMEOUT_MS = 40_000;

interface Route {
  operationId: string;
  method: "GET" | "POST" | "PATCH" | "DELETE";
  /** With `{id}` where the path takes an item id. */
  path: string;
}

const ROUTES: Route[] = [
  { operationId: "listItems", method: "GET", path: "/v1/items" },
  { operationId: "createItem", method: "POST", path: "/v1/items" },
  { operationId: "getItem", method: "GET", path: "/v1/items/{id}" },
  { operationId: "updateItem", method: "PATCH", path: "/v1/items/{id}" },
  { operationId: "deleteItem", method: "DELETE", path: "/v1/items/{id}" },
  { operationId: "restoreItem", method: "POST", path: "/v1/items/{id}/restore" },
  { operationId: "listTrash", method: "GET", path: "/v1/trash" },
];

/** The schema each route's success body must match. */
const SUCCESS_SCHEMAS = {
  listItems: paginated(ItemSchema.strict()),
  createItem: ItemSchema.strict(),
  getItem: ItemSchema.strict(),
  updateItem: ItemSchema.strict(),
  restoreItem: ItemSchema.strict(),
  listTrash: paginated(TrashedItemSchema.strict()),
} as const;

let co: TestCompany;
type KeyName = "admin" | "member" | "readOnly" | "revoked" | "expired" | "otherCompany";
let keys: Record<KeyName, string>;
/** `live` is never deleted (so that PATCH finds it); DELETE gets `deletable` instead. */
let ids: { live: string; deletable: string; trashed: string; otherCompany: string };
/** Documented statuses per operationId, read from the OpenAPI document. */
const documented = new Map<string, Set<number>>();

let requests = 0;
const START = Date.now();

beforeAll(async () => {
  setClock(() => START + requests * 1_000);
  // Enterprise: the highest per-key limits, as a margin on top of the moving clock.
  const other = await createCompany("enterprise");
  co = await createCompany("enterprise");
  keys = {
    admin: co.apiKey,
    member: await createKey(co, { role: "member" }),
    readOnly: await createKey(co, { role: "read_only" }),
    revoked: await createKey(co, { revokedAt: "2020-01-01T00:00:00.000Z" }),
    expired: await createKey(co, { expiresAt: "2020-01-01T00:00:00.000Z" }),
    // Read-only, so that nothing the fuzzer sends can change the other company's data.
    otherCompany: await createKey(other, { role: "read_only" }),
  };
  const api = client(co.apiKey);
  const live = await api.post("/v1/items", { name: "Fuzz live", sku: "FUZZ-LIVE", quantity: 5 });
  const deletable = await api.post("/v1/items", { name: "Fuzz deletable", sku: "FUZZ-DEL" });
  const trashed = await api.post("/v1/items", { name: "Fuzz trashed", sku: "FUZZ-TRASH" });
  await api.delete(`/v1/items/${trashed.body.id}`);
  const foreign = await client(other.apiKey).post("/v1/items", { name: "Foreign", sku: "FUZZ-LIVE" });
  ids = {
    live: live.body.id,
    deletable: deletable.body.id,
    trashed: trashed.body.id,
    otherCompany: foreign.body.id,
  };
  expect([live.status, deletable.status, trashed.status, foreign.status]).toEqual([201, 201, 201, 201]);

  const doc = (await callJson("GET", "/v1/openapi.json")).body;
  for (const route of ROUTES) {
    const operation = doc.paths[route.path][route.method.toLowerCase()];
    documented.set(route.operationId, new Set(Object.keys(operation.responses).map(Number)));
  }
});

afterAll(() => setClock(null));

// ---------------------------------------------------------------------------------------------
// Arbitraries

const printableAscii = (maxLength: number) =>
  fc.string({ unit: "grapheme-ascii", maxLength });

/** Any text, including control characters, astral characters and (sometimes) lone surrogates. */
const anyText = (maxLength = 40) =>
  fc.oneof(
    fc.string({ unit: "grapheme", maxLength }),
    fc.string({ unit: "binary", maxLength }),
    fc.string({ unit: "binary-ascii", maxLength }),
    printableAscii(maxLength),
    fc.constantFrom("\uD800", "a\uDFFFb", "\u0000", "\u202E", "'; DROP TABLE items; --"),
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

const skuLike = fc.oneof(fc.stringMatching(/^[A-Za-z0-9._-]{1,64}$/), anyText(70));

const itemFields = {
  name: fc.oneof(anyText(210), fc.string({ unit: "grapheme-ascii", minLength: 195, maxLength: 205 }), oddValue),
  sku: fc.oneof(skuLike, oddValue),
  quantity: fc.oneof(fc.integer({ min: -10, max: 1_000_000_010 }), oddValue),
  location: fc.oneof(anyText(110), oddValue),
  barcode: fc.oneof(anyText(70), oddValue),
  reorder_point: fc.oneof(fc.integer({ min: -10, max: 1_000_000_010 }), oddValue),
};

const extraKey = fc.oneof(
  printableAscii(12),
  fc.constantFrom("__proto__", "id", "company_id", "constructor", "deleted_at", ""),
);

/** An object shaped like an item, with any subset of fields, each right or wrong, maybe extra keys. */
const itemLikeBody = fc
  .tuple(
    fc.record(itemFields, { requiredKeys: [] }),
    fc.option(fc.dictionary(extraKey, oddValue, { maxKeys: 3 }), { nil: undefined }),
  )
  .map(([fields, extra]) => JSON.stringify(extra ? { ...extra, ...fields } : fields));

/** Bodies that pass validation, or nearly: odd but allowed text reaches the database. */
const plausibleText = (min: number, max: number) =>
  anyText(max).filter((s) => s.length >= min && s.length <= max);
const plausibleItemBody = fc
  .record(
    {
      name: plausibleText(1, 200),
      sku: fc.stringMatching(/^[A-Za-z0-9._-]{1,64}$/),
      quantity: fc.integer({ min: 0, max: 1_000_000_000 }),
      location: fc.option(plausibleText(0, 100)),
      barcode: fc.option(plausibleText(1, 64)),
      reorder_point: fc.option(fc.integer({ min: 0, max: 1_000_000_000 })),
    },
    { requiredKeys: ["name", "sku"] },
  )
  .map((body) => JSON.stringify(body));

const deepNesting = fc.integer({ min: 1, max: 50_000 }).chain((depth) =>
  fc.constantFrom(
    "[".repeat(depth) + "]".repeat(depth),
    '{"a":'.repeat(depth) + "1" + "}".repeat(depth),
    `{"name":${"[".repeat(depth)}${"]".repeat(depth)},"sku":"DEEP"}`,
    "[".repeat(depth),
  ),
);

const TOO_BIG = JSON.stringify({ name: "x".repeat(MIB), sku: "BIG" });

/** Raw request body text (undefined: no body). */
const bodyText = fc.oneof(
  { arbitrary: fc.constant(undefined), weight: 2 },
  { arbitrary: itemLikeBody, weight: 4 },
  { arbitrary: plausibleItemBody, weight: 3 },
  { arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)), weight: 3 },
  { arbitrary: anyText(60), weight: 2 },
  {
    arbitrary: fc.constantFrom(
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
      "\uFEFF{}",
      "{}",
      "null",
      "[]",
    ),
    weight: 2,
  },
  { arbitrary: deepNesting, weight: 1 },
  { arbitrary: fc.constant(TOO_BIG), weight: 1 },
);

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

/** Authorization headers: valid keys of each role, keys that must fail, malformed headers. */
const authorization = fc.oneof(
  {
    arbitrary: fc.constantFrom<KeyName>("admin", "member").map((k) => () => `Bearer ${keys[k]}`),
    weight: 8,
  },
  {
    arbitrary: fc
      .constantFrom<KeyName>("readOnly", "revoked", "expired", "otherCompany")
      .map((k) => () => `Bearer ${keys[k]}`),
    weight: 3,
  },
  {
    arbitrary: fc.constantFrom(
      () => undefined,
      () => "",
      () => "Bearer",
      () => `bearer ${keys.admin}`,
      () => `Bearer  ${keys.admin}`,
      () => `Basic ${btoa(`${keys.admin}:`)}`,
      () => keys.admin,
      () => `Bearer ${keys.admin.slice(0, -1)}${keys.admin.endsWith("0") ? "1" : "0"}`,
      () => `Bearer ${keys.admin}x`,
      () => "Bearer sk_live_00000000000000000000000000000000000000",
    ),
    weight: 3,
  },
  { arbitrary: printableAscii(60).map((s) => () => s), weight: 1 },
  { arbitrary: printableAscii(60).map((s) => () => `Bearer ${s}`), weight: 1 },
);

/** Percent-encodes, keeping lone surrogates from making encodeURIComponent throw. */
function encode(text: string): string {
  return encodeURIComponent(text.replace(/\p{Cs}/gu, "\uFFFD"));
}

const queryKey = fc.oneof(
  { arbitrary: fc.constantFrom("limit", "offset", "search", "location", "low_stock"), weight: 4 },
  { arbitrary: anyText(12), weight: 1 },
);
const queryValue = fc.oneof(
  fc.constantFrom("", "0", "1", "50", "100", "101", "-1", "1.5", "1e2", "0x10", " 5", "NaN", "Infinity"),
  fc.constantFrom("true", "false", "TRUE", "yes", "null", "9".repeat(30)),
  fc.integer().map(String),
  fc.double().map(String),
  anyText(120),
);
const rawEscape = fc.constantFrom("%", "%zz", "%FF", "%C3%28", "%E2%82", "%00", "%2525", "+", "%26", "%3D");

/** A query string every list accepts, with odd but allowed search and location text. */
const validQueryString = fc
  .record(
    {
      limit: fc.integer({ min: 1, max: 100 }).map(String),
      offset: fc.integer({ min: 0, max: 1_000 }).map(String),
      search: plausibleText(0, 100),
      location: plausibleText(0, 100),
      low_stock: fc.constantFrom("true", "false", "1", "0"),
    },
    { requiredKeys: [] },
  )
  .map((query) =>
    Object.entries(query)
      .map(([key, value]) => `${key}=${encode(value)}`)
      .join("&"),
  );

/** A query string: known and unknown keys, repeats, empty values, odd percent-encoding. */
const queryString = fc
  .array(
    fc.tuple(queryKey, fc.option(queryValue, { nil: undefined }), fc.option(rawEscape, { nil: undefined })),
    { maxLength: 6 },
  )
  .map((pairs) =>
    pairs
      .map(([key, value, raw]) => {
        const assignment = value === undefined ? "" : `=${encode(value)}`;
        return `${encode(key)}${assignment}${raw ?? ""}`;
      })
      .join("&"),
  );

const itemId = (route: Route) =>
  fc.oneof(
    fc
      .constantFrom<keyof typeof ids>(
        route.method === "DELETE" ? "deletable" : "live",
        "trashed",
        "otherCompany",
      )
      .map((k) => () => ids[k]),
    fc
      .constantFrom(
        ...["item_000000000000000000000000", "ITEM_x", "0", "-1", "null"],
        ...["%2F", "%00", "%zz", "a%2F..%2Fb"],
      )
      .map((s) => () => s),
    anyText(40)
      .filter((s) => s.length > 0 && s !== "." && s !== "..")
      .map((s) => () => encode(s)),
  );

interface Attempt {
  authorization: () => string | undefined;
  contentType: string | undefined;
  body: string | undefined;
  query: string;
  id: () => string;
}

const attempt = (route: Route, overrides: Partial<Record<keyof Attempt, fc.Arbitrary<any>>> = {}) =>
  fc.record<Attempt>({
    authorization: overrides.authorization ?? authorization,
    contentType: overrides.contentType ?? contentType,
    // GET requests cannot carry a body.
    body: route.method === "GET" ? fc.constant(undefined) : (overrides.body ?? bodyText),
    query: overrides.query ?? fc.oneof(fc.constant(""), queryString),
    id: overrides.id ?? itemId(route),
  });

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

async function send(route: Route, a: Attempt, transport: Transport) {
  const n = ++requests;
  const headers = new Headers({ "CF-Connecting-IP": `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}` });
  const auth = a.authorization();
  if (auth !== undefined) headers.set("Authorization", auth);
  if (a.contentType !== undefined) headers.set("Content-Type", a.contentType);
  const path = route.path.replace("{id}", a.id());
  const url = `${BASE}${path}${a.query ? `?${a.query}` : ""}`;
  const response = await transport(new Request(url, { method: route.method, headers, body: a.body }));
  return { response, text: await response.text() };
}

/** How the contract says this Authorization header must be treated (a model, not the code). */
function authKind(header: string | undefined): "none" | "invalid" | "readOnly" | "valid" {
  if (header === undefined || header.trim() === "") return "none";
  const token = /^bearer +(\S+)$/i.exec(header.trim())?.[1];
  if (token === keys.readOnly || token === keys.otherCompany) return "readOnly";
  if (token === keys.admin || token === keys.member) return "valid";
  return "invalid";
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

/** Routes that validate a JSON body. */
const takesBody = (route: Route) => route.operationId === "createItem" || route.operationId === "updateItem";
/** Routes that validate nothing but the (string) id: no query schema, no body. */
const validatesNothing = (route: Route) =>
  ["getItem", "deleteItem", "restoreItem"].includes(route.operationId);

async function check(route: Route, a: Attempt, transport: Transport = direct) {
  const authorizationHeader = a.authorization();
  const id = a.id();
  const fixed = { ...a, authorization: () => authorizationHeader, id: () => id };
  const { response, text } = await send(route, fixed, transport);
  const { status } = response;
  const context = `${route.method} ${route.path} → ${status} ${text.slice(0, 300)}`;

  // For every answer.
  expect(status, context).toBeLessThan(500);
  // No key and no address comes near a limit here (see the top of the file).
  expect(status, context).not.toBe(429);
  expect(documented.get(route.operationId)!.has(status), context).toBe(true);
  const requestId = response.headers.get("Request-Id");
  expect(requestId, context).toMatch(REQUEST_ID);

  let code: string | null = null;
  if (status >= 400) {
    expect(response.headers.get("Content-Type"), context).toMatch(/^application\/json/);
    const body = JSON.parse(text);
    expect(ErrorBodySchema.strict().safeParse(body).success, context).toBe(true);
    expect(Object.keys(body.error).sort(), context).toEqual(["code", "field", "message", "request_id"]);
    expect(body.error.request_id, context).toBe(requestId);
    expect(new ApiError(body.error.code as ErrorCode, "").status, context).toBe(status);
    expect(body.error.message.length, context).toBeGreaterThan(0);
    expect(body.error.message, context).not.toMatch(/\n\s+at |SQLITE|D1_ERROR|constraint failed|ZodError/);
    code = body.error.code;
    if (code === "authentication_required") {
      expect(response.headers.get("WWW-Authenticate"), context).toBe("Bearer");
    }
    if (code === "invalid_request" && body.error.field === null && a.query === "") {
      // Only a body that is not an object has no single field at fault.
      expect(takesBody(route) && parsesAsJson(a.body) && !isPlainObject(a.body!), context).toBe(true);
    }
  } else if (status === 204) {
    expect(text, context).toBe("");
  } else {
    const schema = SUCCESS_SCHEMAS[route.operationId as keyof typeof SUCCESS_SCHEMAS];
    const parsed = schema.safeParse(JSON.parse(text));
    expect(parsed.success, `${context}\n${parsed.error?.message ?? ""}`).toBe(true);
  }

  // What the contract predicts from the request alone. Body checks come first (they need no
  // key), then authentication, then validation.
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
  const kind = authKind(authorizationHeader);
  if (kind === "none") expect(code, context).toBe("authentication_required");
  if (kind === "invalid") expect(code, context).toBe("invalid_api_key");
  if (kind === "readOnly" && route.method !== "GET") expect(code, context).toBe("permission_denied");
  if (kind === "valid" || (kind === "readOnly" && route.method === "GET")) {
    expect([401, 403], context).not.toContain(status);
  }
  const ownKeyOfOtherCompany = authorizationHeader?.includes(keys.otherCompany) ?? false;
  if (route.path.includes("{id}") && id === ids.otherCompany && !ownKeyOfOtherCompany) {
    // Another company's item is never found with this company's keys, whatever their role.
    expect(status, context).toBeGreaterThanOrEqual(400);
  }
  if (code === "invalid_json") expect(takesBody(route) && !sentBody, context).toBe(true);
  if (code === "invalid_request") expect(validatesNothing(route), context).toBe(false);
  if (code === "unsupported_media_type") {
    // Only a Content-Type that is not plainly JSON, on a route that reads a body.
    expect(takesBody(route), context).toBe(true);
    expect(a.contentType ?? "", context).not.toMatch(/^application\/json(; ?charset=[\w-]+)?$/i);
  }
}

// ---------------------------------------------------------------------------------------------

describe("fuzzing every item route", () => {
  it.each(ROUTES.map((r) => [`${r.method} ${r.path}`, r] as const))(
    "%s: random headers, query strings, ids and bodies",
    async (_name, route) => {
      await fc.assert(
        fc.asyncProperty(attempt(route), (a) => check(route, a)),
        { numRuns: RUNS },
      );
    },
    TIMEOUT_MS,
  );

  it.each(ROUTES.filter((r) => r.method !== "GET").map((r) => [`${r.method} ${r.path}`, r] as const))(
    "%s: random bodies with a valid key and JSON content type",
    async (_name, route) => {
      await fc.assert(
        fc.asyncProperty(
          attempt(route, {
            authorization: fc.constant(() => `Bearer ${keys.admin}`),
            contentType: fc.constantFrom("application/json", "application/json; charset=utf-8"),
            body: bodyText.filter((b) => b !== undefined),
            query: fc.constant(""),
            id: fc.constant(() => ids.live),
          }),
          (a) => check(route, a),
        ),
        { numRuns: RUNS },
      );
    },
    TIMEOUT_MS,
  );

  it.each(ROUTES.filter((r) => r.method === "GET").map((r) => [`${r.method} ${r.path}`, r] as const))(
    "%s: random query strings with a valid key",
    async (_name, route) => {
      await fc.assert(
        fc.asyncProperty(
          attempt(route, {
            authorization: fc.constant(() => `Bearer ${keys.member}`),
            contentType: fc.constant(undefined),
            query: fc.oneof(queryString, validQueryString),
          }),
          (a) => check(route, a),
        ),
        { numRuns: RUNS },
      );
    },
    TIMEOUT_MS,
  );

  it(
    "every route through the runtime's own fetch: random headers, query strings, ids and bodies",
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...ROUTES).chain((route) => attempt(route).map((a) => [route, a] as const)),
          ([route, a]) => check(route, a, throughRuntime),
        ),
        { numRuns: RUNS },
      );
    },
    TIMEOUT_MS,
  );

  it("the items it started with are intact or changed only through the API's own rules", async () => {
    // After all of the above the live item still satisfies the item schema wherever it is.
    const api = client(keys.admin);
    const list = await api.get("/v1/items?limit=100");
    expect(list.status).toBe(200);
    expect(paginated(ItemSchema.strict()).safeParse(list.body).success).toBe(true);
    const trash = await api.get("/v1/trash?limit=100");
    expect(trash.status).toBe(200);
    expect(paginated(TrashedItemSchema.strict()).safeParse(trash.body).success).toBe(true);
    // No other company's item was reachable: the foreign item is unchanged.
    const foreign = await client(keys.otherCompany).get(`/v1/items/${ids.otherCompany}`);
    expect(foreign.status).toBe(200);
    expect(foreign.body).toMatchObject({ name: "Foreign", sku: "FUZZ-LIVE", quantity: 0 });
  });
});
