import { createExecutionContext, env, evictDurableObject, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { NO_POSITION } from "../../src/middleware/services.ts";
import worker from "../../src/index.ts";
import { createServices } from "../../src/services/index.ts";
import { createCompany } from "../helpers/factories.ts";
import { BASE, callJson, client, expectApiError } from "../helpers/http.ts";

// Locally Miniflare has a single database, so a replica cannot lag here: these tests show where
// each D1 Session is opened (the binding's withSession is wrapped to record it) and that the
// Consistency-Token travels, in responses, back in with a request, and through the key's limiter.
const BOOKMARK = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}$/;

/** The D1 binding, recording where each session is opened. */
function recordingDb() {
  const starts: string[] = [];
  const DB = {
    withSession(start: string) {
      starts.push(start);
      return env.DB.withSession(start);
    },
  } as unknown as D1Database;
  return { DB, starts };
}

interface Sent {
  status: number;
  token: string | null;
  body: any;
  /** Where the request's sessions were opened, in order. */
  starts: string[];
}

/** One request through the Worker with a recording D1 binding; waits for its after-response work. */
async function send(method: string, path: string, key: string, options: { body?: unknown; token?: string } = {}): Promise<Sent> {
  const { DB, starts } = recordingDb();
  const headers: Record<string, string> = { Authorization: `Bearer ${key}` };
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  if (options.token !== undefined) headers["Consistency-Token"] = options.token;
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    new Request(`${BASE}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    }),
    { ...env, DB },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  const text = await response.text();
  return {
    status: response.status,
    token: response.headers.get("Consistency-Token"),
    body: text ? JSON.parse(text) : null,
    starts,
  };
}

/**
 * A company whose key has been used once, so that its once-a-minute last-use write is behind it.
 * That first request went to the primary (the key's limiter object was new, so it knew no
 * bookmark) and gave the object the primary's bookmark, its `token`.
 */
async function warmCompany() {
  const company = await createCompany();
  const first = await send("GET", "/v1/items", company.apiKey);
  expect(first.starts.at(-1)).toBe("first-primary");
  return { ...company, token: first.token! };
}

/**
 * The request's queries ran in a session continued from `from`: opened at `start` if the key's
 * look-up queried D1 (not when the isolate had the key cached), then at `from`.
 */
function expectStarts(sent: Sent, start: string, from: string): void {
  expect([[start, from], [from]]).toContainEqual(sent.starts);
}

const newItem = (sku: string) => ({ name: "Consistent widget", sku, quantity: 3 });

describe("Consistency-Token", () => {
  it("a write answers the bookmark of its session, and the key's next request opens its session at least there", async () => {
    const { apiKey, token } = await warmCompany();
    const write = await send("POST", "/v1/items", apiKey, { body: newItem("CT-1") });
    expect(write.status).toBe(201);
    expect(write.token).toMatch(BOOKMARK);
    // The write's session continued from where the key's first request read; the dispatch of its
    // events after the response opened one of its own, where the write's ended.
    expect([["first-unconstrained", token, write.token], [token, write.token]]).toContainEqual(write.starts);

    // A fresh call, no token sent: the session starts unconstrained (for the key look-up, unless
    // the key is in the isolate's cache), then continues from the key's last write, which its
    // limiter object handed back.
    const read = await send("GET", `/v1/items/${write.body.id}`, apiKey);
    expect(read.status).toBe(200);
    expect(read.body.sku).toBe("CT-1");
    expectStarts(read, "first-unconstrained", write.token!);
    expect(read.token).toMatch(BOOKMARK);
    expect(read.token! >= write.token!).toBe(true);
  });

  it("a read or a refused change does not move the key's bookmark; the next write does, forward only", async () => {
    const { apiKey } = await warmCompany();
    const first = await send("POST", "/v1/items", apiKey, { body: newItem("CT-2") });
    const read = await send("GET", "/v1/items", apiKey);
    expect(read.token! > first.token!).toBe(true); // locally every query moves the bookmark on
    const afterRead = await send("GET", "/v1/items", apiKey);
    expectStarts(afterRead, "first-unconstrained", first.token!);
    // Nor does a refused change (a 4xx writes nothing).
    const refused = await send("POST", "/v1/items", apiKey, { body: newItem("CT-2") });
    expect(refused.status).toBe(409);
    expectStarts(await send("GET", "/v1/items", apiKey), "first-unconstrained", first.token!);

    const second = await send("PATCH", `/v1/items/${first.body.id}`, apiKey, { body: { location: "Shelf 9" } });
    expect(second.status).toBe(200);
    const afterWrite = await send("GET", `/v1/items/${first.body.id}`, apiKey);
    expectStarts(afterWrite, "first-unconstrained", second.token!);
    expect(second.token! > first.token!).toBe(true);
    expect(afterWrite.body.location).toBe("Shelf 9");
  });

  it("a sent token opens the session there; a newer key bookmark still catches it up", async () => {
    const { apiKey } = await warmCompany();
    const old = await send("GET", "/v1/items", apiKey);
    const write = await send("POST", "/v1/items", apiKey, { body: newItem("CT-3") });

    // The client's token is older than the key's last write: the session goes on to the write's.
    const behind = await send("GET", "/v1/items", apiKey, { token: old.token! });
    expectStarts(behind, old.token!, write.token!);

    // A token newer than the key's last write (a second client's): the session starts there and
    // does not step back.
    const other = await createCompany();
    const newer = await send("GET", "/v1/items", other.apiKey);
    expect(newer.token! > write.token!).toBe(true);
    const ahead = await send("GET", "/v1/items", apiKey, { token: newer.token! });
    expect(ahead.starts).toEqual([newer.token]);
    expect(ahead.token! >= newer.token!).toBe(true);
  });

  it("a request that reads nothing answers the token it was given, or the no-position token", async () => {
    const noKey = await callJson("GET", "/v1/items");
    expect(noKey.status).toBe(401);
    expect(noKey.headers.get("Consistency-Token")).toBe(NO_POSITION);

    // The no-position token asks for nothing: the session opens unconstrained.
    const { apiKey, token } = await warmCompany();
    const sent = await send("GET", "/v1/items", apiKey, { token: NO_POSITION });
    expect(sent.status).toBe(200);
    expectStarts(sent, "first-unconstrained", token);
  });

  it.each(["garbage", "", "00000000-0000000a-00000000", "0000000g-0000000a-00000000-00000000000000000000000000000000"])(
    "a malformed token %j is 400 invalid_request naming the header",
    async (token) => {
      const { apiKey } = await createCompany();
      const response = await callJson("GET", "/v1/items", { key: apiKey, headers: { "Consistency-Token": token } });
      expectApiError(response, 400, "invalid_request", "Consistency-Token");
      expect(response.headers.get("Consistency-Token")).toBe(NO_POSITION);
    },
  );

  it("every /v1 response carries a token: errors, replays and lists alike", async () => {
    const { apiKey } = await createCompany();
    const api = client(apiKey);
    for (const response of [
      await api.get("/v1/items"),
      await api.get("/v1/items/item_doesnotexist000000000"),
      await api.post("/v1/items", { name: "" }),
      await api.get("/v1/audit-log"),
    ]) {
      expect(response.headers.get("Consistency-Token")).toMatch(BOOKMARK);
    }
  });

  it("a write followed by a read on another connection with the same key sees the write", async () => {
    const { apiKey } = await createCompany();
    const created = await callJson("POST", "/v1/items", { key: apiKey, body: newItem("CT-4") });
    expect(created.status).toBe(201);
    const read = await callJson("GET", `/v1/items/${created.body.id}`, { key: apiKey });
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body);
    expect(read.headers.get("Consistency-Token")! >= created.headers.get("Consistency-Token")!).toBe(true);
  });

  it("the limiter object keeps the newest bookmark only", async () => {
    const stub = env.RATE_LIMITER.getByName(`bookmark-test-${crypto.randomUUID()}`);
    const newer = "00000000-00000020-00000000-00000000000000000000000000000000";
    const older = "00000000-00000010-00000000-00000000000000000000000000000000";
    await stub.recordBookmark(newer);
    await stub.recordBookmark(older);
    const decision = await stub.hitWithBookmark(Date.now(), { perMinute: 10, perDay: null });
    expect(decision).toMatchObject({ bookmark: newer, readFromPrimary: false, allowed: true });
  });

  it("a limiter object that knows no bookmark (new, or started again) sends its requests to the primary", async () => {
    const stub = env.RATE_LIMITER.getByName(`bookmark-test-${crypto.randomUUID()}`);
    expect(await stub.hitWithBookmark(Date.now(), { perMinute: 10, perDay: null })).toMatchObject({ bookmark: null, readFromPrimary: true });
    await stub.recordBookmark("00000000-00000020-00000000-00000000000000000000000000000000");
    // Kept in memory only: a started object cannot know whether the one before saw a newer write.
    await evictDurableObject(stub);
    expect(await stub.hitWithBookmark(Date.now(), { perMinute: 10, perDay: null })).toMatchObject({ bookmark: null, readFromPrimary: true });
  });

  it("after the key's limiter object is evicted, a read still sees the key's last write, and tells the object the primary's bookmark", async () => {
    const { apiKey, apiKeyId } = await warmCompany();
    const write = await send("POST", "/v1/items", apiKey, { body: newItem("CT-5") });
    expect(write.status).toBe(201);
    const limiterObject = env.RATE_LIMITER.getByName(apiKeyId);
    await evictDurableObject(limiterObject);

    const read = await send("GET", `/v1/items/${write.body.id}`, apiKey);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(write.body);
    expectStarts(read, "first-unconstrained", "first-primary");
    const kept = (await limiterObject.hitWithBookmark(Date.now(), { perMinute: 1_000, perDay: null })).bookmark;
    expect(kept).toMatch(BOOKMARK);
    expect(kept! >= write.token!).toBe(true);
    // From then on the key's requests continue from there, near the caller.
    expectStarts(await send("GET", "/v1/items", apiKey), "first-unconstrained", kept!);
  });
});

describe("sessions outside requests", () => {
  it("Durable Objects and the daily job open theirs at the primary", async () => {
    const { DB, starts } = recordingDb();
    const services = createServices({ ...env, DB });
    await services.db.run("SELECT 1");
    expect(starts).toEqual(["first-primary"]);
    expect(services.session.bookmark()).toMatch(BOOKMARK);
  });
});
