import { env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { z } from "@hono/zod-openapi";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { validationError } from "../../src/lib/validation.ts";
import { createCompany, type TestCompany } from "../helpers/factories.ts";
import { BASE, call, callJson, client } from "../helpers/http.ts";

// Cross-cutting HTTP conventions of API.md §1 that hold for every route.

const REQUEST_ID = /^req_[0-9A-Za-z]{20,}$/;
const MIB = 1024 * 1024;

let co: TestCompany;
let itemId: string;

beforeAll(async () => {
  co = await createCompany();
  const created = await client(co.apiKey).post("/v1/items", { name: "Conventions", sku: "CONV-1" });
  expect(created.status).toBe(201);
  itemId = created.body.id;
});

/** Asserts the contract's error body (exactly these four keys) and its Request-Id header. */
function expectError(
  result: { status: number; headers: Headers; body: any },
  status: number,
  code: string,
  field: string | null = null,
) {
  expect(result.status).toBe(status);
  expect(Object.keys(result.body)).toEqual(["error"]);
  expect(Object.keys(result.body.error).sort()).toEqual(["code", "field", "message", "request_id"]);
  expect(result.body.error.code).toBe(code);
  expect(result.body.error.field).toBe(field);
  expect(typeof result.body.error.message).toBe("string");
  expect(result.body.error.message.length).toBeGreaterThan(0);
  expectHumanMessage(result.body.error.message);
  expect(result.headers.get("Request-Id")).toMatch(REQUEST_ID);
  expect(result.body.error.request_id).toBe(result.headers.get("Request-Id"));
  expect(result.headers.get("Content-Type")).toMatch(/^application\/json/);
}

/** No stack trace, no SQL, no library internals. */
function expectHumanMessage(message: string) {
  expect(message).not.toMatch(/\n\s+at |\.ts:\d+|\.js:\d+/);
  expect(message).not.toMatch(/\b(SELECT|INSERT|UPDATE|DELETE FROM|SQLITE|D1_ERROR|constraint failed)\b/i);
  expect(message).not.toMatch(/ZodError|HTTPException|TypeError|undefined/);
}

/** A request built by hand (for bodies and headers the `call` helper would not send). */
async function send(method: string, path: string, init: RequestInit = {}) {
  const response = await exports.default.fetch(new Request(`${BASE}${path}`, { method, ...init }));
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: text ? JSON.parse(text) : null };
}

const auth = () => ({ Authorization: `Bearer ${co.apiKey}` });

describe("unknown routes", () => {
  it("answers 404 not_found for a path no route has", async () => {
    const result = await callJson("GET", "/nowhere");
    expectError(result, 404, "not_found");
    expect(result.body.error.message).toContain("/nowhere");
  });

  it("answers 404 not_found for an unknown /v1 path with a valid key", async () => {
    const result = await callJson("GET", "/v1/widgets", { key: co.apiKey });
    expectError(result, 404, "not_found");
  });

  it("does not treat a longer path under a known one as that route", async () => {
    const result = await callJson("GET", `/v1/items/${itemId}/nothing`, { key: co.apiKey });
    expectError(result, 404, "not_found");
  });
});

describe("405 method_not_allowed", () => {
  it.each([
    ["GET", "/v1/items/"],
    ["POST", "/v1/items/"],
    ["GET", "/v1/trash/"],
    ["POST", "/v1/items/item_000000000000000000000000/restore/"],
    ["POST", "/v1/openapiXjson"],
    ["GET", "/healthz"],
  ])("is not used for %s %s, which no route matches", async (method, path) => {
    const result = await callJson(method, path, { key: co.apiKey });
    expectError(result, 404, "not_found");
    expect(result.headers.get("Allow")).toBeNull();
  });

  it("never lists the refused method in Allow", async () => {
    const paths = ["/v1/items", "/v1/items/x", "/v1/items/x/restore", "/v1/trash"];
    paths.push("/health", "/v1/openapi.json");
    for (const path of paths) {
      for (const method of ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]) {
        const result = await call(method, path, { key: co.apiKey });
        await result.body?.cancel();
        if (result.status !== 405) continue;
        const allowed = (result.headers.get("Allow") ?? "").split(", ");
        expect(allowed.length, `${method} ${path}`).toBeGreaterThan(0);
        expect(allowed, `${method} ${path}`).not.toContain(method);
      }
    }
  });

  const allowOf = (headers: Headers) =>
    (headers.get("Allow") ?? "")
      .split(",")
      .map((m) => m.trim())
      .filter(Boolean)
      .sort();

  it.each([
    ["PUT", "/v1/items", ["GET", "POST"]],
    ["DELETE", "/v1/items", ["GET", "POST"]],
    ["PATCH", "/v1/items", ["GET", "POST"]],
    ["POST", "/v1/items/item_000000000000000000000000", ["DELETE", "GET", "PATCH"]],
    ["PUT", "/v1/items/item_000000000000000000000000", ["DELETE", "GET", "PATCH"]],
    ["GET", "/v1/items/item_000000000000000000000000/restore", ["POST"]],
    ["DELETE", "/v1/trash", ["GET"]],
    ["POST", "/health", ["GET"]],
  ])("%s %s → 405 with Allow: %j", async (method, path, allowed) => {
    const result = await callJson(method, path, { key: co.apiKey });
    expectError(result, 405, "method_not_allowed");
    expect(allowOf(result.headers)).toEqual(allowed);
    expect(result.body.error.message).toContain(method);
  });
});

describe("request bodies", () => {
  it("accepts 'application/json; charset=utf-8'", async () => {
    const result = await send("POST", "/v1/items", {
      headers: { ...auth(), "Content-Type": "application/json; charset=utf-8" },
      body: JSON.stringify({ name: "Charset", sku: "CHARSET-1" }),
    });
    expect(result.status).toBe(201);
    expect(result.body).toMatchObject({ name: "Charset", sku: "CHARSET-1", quantity: 0 });
  });

  it("accepts the media type in any letter case", async () => {
    const result = await send("POST", "/v1/items", {
      headers: { ...auth(), "Content-Type": "Application/JSON" },
      body: JSON.stringify({ name: "Upper case", sku: "UPPER-1" }),
    });
    expect(result.status).toBe(201);
    expect(result.body).toMatchObject({ name: "Upper case", sku: "UPPER-1" });
  });

  it.each([
    ["text/plain", "text/plain"],
    ["form data", "application/x-www-form-urlencoded"],
    ["a JSON look-alike", "application/jsonx"],
    ["a vendor JSON type", "application/vnd.api+json"],
  ])("answers 415 unsupported_media_type for %s", async (_label, contentType) => {
    const result = await send("POST", "/v1/items", {
      headers: { ...auth(), "Content-Type": contentType },
      body: JSON.stringify({ name: "Nope", sku: "NOPE-1" }),
    });
    expectError(result, 415, "unsupported_media_type");
    const list = await client(co.apiKey).get("/v1/items?search=NOPE-1");
    expect(list.body.pagination.total).toBe(0);
  });

  it("answers 415 for a body without a Content-Type", async () => {
    const result = await send("POST", "/v1/items", {
      headers: auth(),
      body: new TextEncoder().encode(JSON.stringify({ name: "Bare", sku: "BARE-1" })),
    });
    expectError(result, 415, "unsupported_media_type");
  });

  it.each([
    ["a trailing semicolon", "application/json;"],
    ["a space before the parameter", "application/json ; charset=utf-8"],
  ])("reads or refuses with 415 (never 400) a JSON Content-Type with %s", async (_l, type) => {
    const result = await send("PATCH", `/v1/items/${itemId}`, {
      headers: { ...auth(), "Content-Type": type },
      body: JSON.stringify({ location: "Shelf 9" }),
    });
    // Either the body is read as JSON (200 with the change) or refused as 415; never a silent no-op
    // and never a misleading invalid_request.
    if (result.status === 200) {
      expect(result.body.location).toBe("Shelf 9");
    } else {
      expectError(result, 415, "unsupported_media_type");
    }
  });

  it("treats a streamed body that turns out to be empty as no body (no Content-Type needed)", async () => {
    const created = await client(co.apiKey).post("/v1/items", { name: "Stream restore", sku: "STREAM-R" });
    await client(co.apiKey).delete(`/v1/items/${created.body.id}`);
    const request = new Request(`${BASE}/v1/items/${created.body.id}/restore`, {
      method: "POST",
      headers: auth(),
      body: new ReadableStream({ start: (controller) => controller.close() }),
      // @ts-expect-error -- `duplex` is required for a streamed body but not in workerd's types.
      duplex: "half",
    });
    expect(request.headers.get("Content-Length")).toBeNull();
    const response = await exports.default.fetch(request);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ id: created.body.id, sku: "STREAM-R" });
  });

  it("answers 413 payload_too_large for a body over 1 MiB with a Content-Length", async () => {
    const body = JSON.stringify({ name: "x".repeat(MIB), sku: "BIG-1" });
    const result = await send("POST", "/v1/items", {
      headers: { ...auth(), "Content-Type": "application/json", "Content-Length": String(body.length) },
      body,
    });
    expectError(result, 413, "payload_too_large");
  });

  it("answers 413 payload_too_large for a streamed body over 1 MiB without a Content-Length", async () => {
    const chunk = new TextEncoder().encode(" ".repeat(64 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent === 0) controller.enqueue(new TextEncoder().encode('{"name":"stream","sku":"S-1"}'));
        if (sent >= 2 * MIB) return controller.close();
        controller.enqueue(chunk);
        sent += chunk.length;
      },
    });
    const request = new Request(`${BASE}/v1/items`, {
      method: "POST",
      headers: { ...auth(), "Content-Type": "application/json" },
      body: stream,
      // @ts-expect-error -- `duplex` is required for a streamed body but not in workerd's types.
      duplex: "half",
    });
    expect(request.headers.get("Content-Length")).toBeNull();
    const response = await exports.default.fetch(request);
    const result = { status: response.status, headers: response.headers, body: await response.json() };
    expectError(result, 413, "payload_too_large");
  });

  it("accepts a body of just under 1 MiB (it then fails validation, not the size check)", async () => {
    const body = JSON.stringify({ name: "x".repeat(MIB - 100), sku: "NEAR-1" });
    expect(body.length).toBeLessThanOrEqual(MIB);
    const result = await callJson("POST", "/v1/items", { key: co.apiKey, body });
    expectError(result, 400, "invalid_request", "name");
  });

  it.each([
    ["truncated JSON", '{"name": "Widget"'],
    ["single quotes", "{'name': 'Widget'}"],
    ["a trailing comma", '{"name": "Widget", "sku": "W-1",}'],
    ["bare words", "hello"],
    ["whitespace only", "   "],
  ])("answers 400 invalid_json for %s", async (_label, body) => {
    const result = await callJson("POST", "/v1/items", { key: co.apiKey, body });
    expectError(result, 400, "invalid_json");
  });

  it("answers 400 invalid_json for an empty body sent as JSON", async () => {
    const result = await send("POST", "/v1/items", {
      headers: { ...auth(), "Content-Type": "application/json" },
      body: "",
    });
    expectError(result, 400, "invalid_json");
  });

  it.each([["[]"], ['"x"'], ["null"], ["42"], ["true"], ['[{"name":"A","sku":"A-1"}]']])(
    "answers 400 invalid_request (field null) for the non-object body %s",
    async (body) => {
      const result = await callJson("POST", "/v1/items", { key: co.apiKey, body });
      expectError(result, 400, "invalid_request");
      expect(result.body.error.message).toMatch(/object/);
    },
  );

  it("answers 400 invalid_request for a non-object PATCH body", async () => {
    const result = await callJson("PATCH", `/v1/items/${itemId}`, { key: co.apiKey, body: "[]" });
    expectError(result, 400, "invalid_request");
  });

  it.each([["id"], ["company_id"], ["created_at"], ["deleted_at"], ["colour"]])(
    "answers 400 invalid_request naming the unknown field '%s'",
    async (field) => {
      const result = await callJson("POST", "/v1/items", {
        key: co.apiKey,
        body: { name: "Mass", sku: `MASS-${field}`, [field]: "x" },
      });
      expectError(result, 400, "invalid_request", field);
      expect(result.body.error.message).toContain(`'${field}'`);
    },
  );

  it("names an unknown field whose name is empty", async () => {
    const result = await callJson("POST", "/v1/items", {
      key: co.apiKey,
      body: { "": 1, name: "Empty key", sku: "EMPTY-KEY" },
    });
    expectError(result, 400, "invalid_request", "");
    expect(result.body.error.message).toBe("Unknown field ''.");
  });

  it("does not let an unknown PATCH field through either", async () => {
    const result = await callJson("PATCH", `/v1/items/${itemId}`, {
      key: co.apiKey,
      body: { company_id: "co_other" },
    });
    expectError(result, 400, "invalid_request", "company_id");
  });

  it("names the field that fails validation, with a message for people", async () => {
    const result = await callJson("POST", "/v1/items", {
      key: co.apiKey,
      body: { name: "Neg", sku: "NEG-1", quantity: -1 },
    });
    expectError(result, 400, "invalid_request", "quantity");
    expect(result.body.error.message).toBe("The 'quantity' field must be at least 0.");
  });
});

describe("field paths of nested fields", () => {
  // No item field is nested, so the formatting is checked on the shared validation function that
  // every router's hook calls.
  const Order = z
    .object({
      line_items: z.array(z.object({ item_id: z.string(), quantity_ordered: z.int().min(1) }).strict()),
    })
    .strict();

  it("writes array indexes in brackets and object keys with dots", () => {
    const parsed = Order.safeParse({
      line_items: [
        { item_id: "a", quantity_ordered: 1 },
        { item_id: "b", quantity_ordered: 1 },
        { item_id: "c", quantity_ordered: 0 },
      ],
    });
    expect(parsed.success).toBe(false);
    const error = validationError(parsed.error!);
    expect(error.code).toBe("invalid_request");
    expect(error.status).toBe(400);
    expect(error.field).toBe("line_items[2].quantity_ordered");
    expect(error.message).toBe("The 'line_items[2].quantity_ordered' field must be at least 1.");
  });

  it("names a nested unknown field by its full path", () => {
    const parsed = Order.safeParse({ line_items: [{ item_id: "a", quantity_ordered: 1, price: 3 }] });
    const error = validationError(parsed.error!);
    expect(error.field).toBe("line_items[0].price");
    expect(error.message).toBe("Unknown field 'line_items[0].price'.");
  });

  it("keeps an empty key as a field of its own", () => {
    const parsed = Order.safeParse({ line_items: [], "": true });
    const error = validationError(parsed.error!);
    expect(error.field).toBe("");
    expect(error.message).toBe("Unknown field ''.");
  });

  it("leaves field null for a problem with the whole body", () => {
    const parsed = Order.safeParse([]);
    const error = validationError(parsed.error!);
    expect(error.field).toBeNull();
    expect(error.message).toBe("The request body must be an object.");
  });
});

describe("query parameters", () => {
  it("calls an unknown query parameter a query parameter, naming it", async () => {
    const result = await callJson("GET", "/v1/items?lmit=5", { key: co.apiKey });
    expectError(result, 400, "invalid_request", "lmit");
    expect(result.body.error.message).toBe("Unknown query parameter 'lmit'.");
  });

  it("calls a query parameter that fails validation a query parameter", async () => {
    const result = await callJson("GET", "/v1/users?limit=0", { key: co.apiKey });
    expectError(result, 400, "invalid_request", "limit");
    expect(result.body.error.message).toBe("The 'limit' query parameter must be at least 1.");
  });

  it("still calls an unknown body member a field", async () => {
    const result = await callJson("POST", "/v1/items", { key: co.apiKey, body: { name: "Q", sku: "Q-1", colour: "red" } });
    expectError(result, 400, "invalid_request", "colour");
    expect(result.body.error.message).toBe("Unknown field 'colour'.");
  });
});

describe("Request-Id", () => {
  it("is on every kind of response and unique per request", async () => {
    const results = [
      await callJson("GET", "/health"),
      await callJson("GET", "/v1/items", { key: co.apiKey }),
      await callJson("GET", `/v1/items/${itemId}`, { key: co.apiKey }),
      await callJson("GET", "/v1/items"),
      await callJson("GET", "/v1/items/item_missing", { key: co.apiKey }),
      await callJson("PUT", "/v1/items", { key: co.apiKey }),
      await callJson("GET", "/nowhere"),
      await callJson("POST", "/v1/items", { key: co.apiKey, body: "{" }),
    ];
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 401, 404, 405, 404, 400]);
    const ids = results.map((r) => r.headers.get("Request-Id"));
    for (const id of ids) expect(id).toMatch(REQUEST_ID);
    expect(new Set(ids).size).toBe(ids.length);
    for (const r of results.filter((r) => r.status >= 400)) {
      expect(r.body.error.request_id).toBe(r.headers.get("Request-Id"));
    }
  });

  it("is on a 204 and on the OpenAPI document", async () => {
    const created = await client(co.apiKey).post("/v1/items", { name: "Gone", sku: "GONE-RID" });
    const deleted = await call("DELETE", `/v1/items/${created.body.id}`, { key: co.apiKey });
    expect(deleted.status).toBe(204);
    expect(deleted.headers.get("Request-Id")).toMatch(REQUEST_ID);
    const doc = await call("GET", "/v1/openapi.json");
    expect(doc.status).toBe(200);
    expect(doc.headers.get("Request-Id")).toMatch(REQUEST_ID);
  });
});

describe("internal errors", () => {
  afterEach(() => vi.restoreAllMocks());

  it("answer 500 internal_error without SQL or a stack trace, and log the request id", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    // A key never used before (so not in the key cache) whose look-up fails: the table it reads
    // is hidden for the duration of one request.
    const fresh = await createCompany();
    await env.DB.exec("ALTER TABLE api_keys RENAME TO api_keys_hidden");
    let result;
    try {
      result = await callJson("GET", "/v1/items", { key: fresh.apiKey });
    } finally {
      await env.DB.exec("ALTER TABLE api_keys_hidden RENAME TO api_keys");
    }
    expectError(result, 500, "internal_error");
    expect(result.body.error.message).not.toMatch(/api_keys|no such table/i);
    const lines = logged.mock.calls.map((args) => args.map(String).join(" "));
    expect(lines.some((line) => line.includes(result.body.error.request_id))).toBe(true);
    // And the service works again.
    expect((await client(fresh.apiKey).get("/v1/items")).status).toBe(200);
  });

  it("a uniqueness conflict is explained without the database's wording", async () => {
    const api = client(co.apiKey);
    expect((await api.post("/v1/items", { name: "One", sku: "DUP-1" })).status).toBe(201);
    const result = await api.post("/v1/items", { name: "Two", sku: "dup-1" });
    expectError(result, 409, "sku_taken", "sku");
  });
});

describe("GET /health", () => {
  it("answers {status: ok} without authentication", async () => {
    const result = await callJson("GET", "/health");
    expect(result.status).toBe(200);
    expect(result.body).toEqual({ status: "ok" });
    expect(result.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(result.headers.get("Request-Id")).toMatch(REQUEST_ID);
  });

  it("ignores a bad Authorization header", async () => {
    const result = await callJson("GET", "/health", { headers: { Authorization: "Bearer nonsense" } });
    expect(result.status).toBe(200);
    expect(result.body).toEqual({ status: "ok" });
  });
});

describe("DELETE", () => {
  it("answers 204 with an empty body", async () => {
    const created = await client(co.apiKey).post("/v1/items", { name: "Delete me", sku: "DEL-204" });
    const response = await call("DELETE", `/v1/items/${created.body.id}`, { key: co.apiKey });
    expect(response.status).toBe(204);
    expect(await response.text()).toBe("");
    expect(response.headers.get("Content-Type")).toBeNull();
    const gone = await client(co.apiKey).get(`/v1/items/${created.body.id}`);
    expectError(gone, 404, "not_found", "id");
  });
});
