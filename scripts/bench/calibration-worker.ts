// Calibration for the benchmark: what the platform's own calls cost in this workerd, with no
// application code around them. Hono answering the same small JSON as the baseline, after:
//   /do        one RPC to a Durable Object that only counts in memory
//   /do-write  one RPC to a Durable Object that also writes its count (one KV write, as the
//              rate limiter did for every request it let through before it coalesced its writes)
//   /do-write-unconfirmed  the same write through the asynchronous API with allowUnconfirmed: the
//              answer does not wait for it
//   /do-write-timer  counts in memory; a timer writes the latest count at most once a second
//              (one confirmed KV write a second, behind the answers)
//   /do-write-alarm  as the rate limiter does: the first call after a write sets an alarm a second
//              ahead, and the alarm writes the latest count (both unconfirmed)
//   /d1        one D1 query (SELECT 1)
//   /do-d1     /do-write then /d1: the least an authenticated, rate-limited read can cost
//   /do-d1-write  /do-write then one D1 batch of three small INSERTs: the least a rate-limited
//              write that records its change, a ledger row and an audit entry can cost
//   /do-alarm-d1, /do-alarm-d1-write  the same two with the DO call of /do-write-alarm (the answer
//              does not wait for a write; an alarm writes the count at most once a second): the
//              floors now that the rate limiter answers before writing (src/rate-limiter.ts)
//   /own-read   the DO call of /do-alarm-d1, then GET item's own query (a random item) instead of
//              SELECT 1
//   /own-write  the same DO call, then a stock movement's own D1 batch (ledger row, item quantity,
//              audit entry, events: the API's statements over its schema) in a D1 Session, then
//              the key's bookmark handed to the DO in a second call: everything POST
//              /v1/transactions asks of the platform, with none of its application code
// The two "own" floors need POST /setup first, with the statements of scripts/bench/api-statements.ts.
import { DurableObject } from "cloudflare:workers";
import { Hono } from "hono";
import type { ApiStatements, PostedStatement } from "./api-statements.ts";
import { bindParam } from "./statement-params.ts";

interface CalibrationEnv {
  DB: D1Database;
  COUNTER: DurableObjectNamespace<Counter>;
}

type Persist = "none" | "write" | "unconfirmed" | "timer" | "alarm";

export class Counter extends DurableObject {
  #count = 0;
  #flushPending = false;
  #bookmark: string | null = null;

  hit(persist: Persist | boolean): { count: number } {
    const mode = persist === true ? "write" : persist === false ? "none" : persist;
    this.#count += 1;
    if (mode === "write") this.ctx.storage.kv.put("count", this.#count);
    if (mode === "unconfirmed") void this.ctx.storage.put("count", this.#count, { allowUnconfirmed: true });
    if ((mode === "timer" || mode === "alarm") && !this.#flushPending) {
      this.#flushPending = true;
      if (mode === "timer") setTimeout(() => this.#timerWrite(), 1_000);
      else void this.ctx.storage.setAlarm(Date.now() + 1_000, { allowUnconfirmed: true });
    }
    return { count: this.#count };
  }

  #timerWrite(): void {
    this.#flushPending = false;
    this.ctx.storage.kv.put("count", this.#count);
  }

  /** As the rate limiter keeps the key's bookmark: in memory. */
  recordBookmark(bookmark: string): void {
    this.#bookmark = bookmark;
  }

  override alarm(): void {
    this.#flushPending = false;
    void this.ctx.storage.put("count", this.#count, { allowUnconfirmed: true });
  }
}

const app = new Hono<{ Bindings: CalibrationEnv }>();
const counter = (env: CalibrationEnv) => env.COUNTER.getByName("bench");
const ok = { status: "ok" };

app.get("/do", async (c) => {
  await counter(c.env).hit(false);
  return c.json(ok);
});
app.get("/do-write", async (c) => {
  await counter(c.env).hit(true);
  return c.json(ok);
});
for (const mode of ["unconfirmed", "timer", "alarm"] as const) {
  app.get(`/do-write-${mode}`, async (c) => {
    await counter(c.env).hit(mode);
    return c.json(ok);
  });
}
app.get("/d1", async (c) => {
  await c.env.DB.prepare("SELECT 1 AS one").first();
  return c.json(ok);
});
app.get("/do-d1", async (c) => {
  await counter(c.env).hit(true);
  await c.env.DB.prepare("SELECT 1 AS one").first();
  return c.json(ok);
});
app.get("/do-d1-write", async (c) => {
  await counter(c.env).hit(true);
  const insert = c.env.DB.prepare("INSERT INTO bench_rows (value) VALUES (?)");
  await c.env.DB.batch([insert.bind("a"), insert.bind("b"), insert.bind("c")]);
  return c.json(ok);
});
app.get("/do-alarm-d1", async (c) => {
  await counter(c.env).hit("alarm");
  await c.env.DB.prepare("SELECT 1 AS one").first();
  return c.json(ok);
});
app.get("/do-alarm-d1-write", async (c) => {
  await counter(c.env).hit("alarm");
  const insert = c.env.DB.prepare("INSERT INTO bench_rows (value) VALUES (?)");
  await c.env.DB.batch([insert.bind("a"), insert.bind("b"), insert.bind("c")]);
  return c.json(ok);
});
let own: ApiStatements | undefined;
let calls = 0;
app.post("/setup", async (c) => {
  own = await c.req.json<ApiStatements>();
  return c.json(ok);
});
/** The statements for one call, with a random item of the posted ones. */
function bound(db: D1Database | D1DatabaseSession, pick: (own: ApiStatements) => PostedStatement[]) {
  if (!own) throw new Error("POST /setup first");
  const statements = pick(own);
  const call = ++calls;
  const item = own.itemIds[Math.floor(Math.random() * own.itemIds.length)]!;
  return statements.map((s) => db.prepare(s.sql).bind(...s.params.map((p) => bindParam(p, call, item))));
}
app.get("/own-read", async (c) => {
  await counter(c.env).hit("alarm");
  await bound(c.env.DB, (o) => [o.getItem])[0]!.first();
  return c.json(ok);
});
app.get("/own-write", async (c) => {
  const limiter = counter(c.env);
  await limiter.hit("alarm");
  const session = c.env.DB.withSession("first-unconstrained");
  await session.batch(bound(session, (o) => o.movement));
  await limiter.recordBookmark(session.getBookmark()!);
  return c.json(ok);
});
app.get("*", (c) => c.json(ok));

export default app;
