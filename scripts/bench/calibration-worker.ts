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
import { DurableObject } from "cloudflare:workers";
import { Hono } from "hono";

interface CalibrationEnv {
  DB: D1Database;
  COUNTER: DurableObjectNamespace<Counter>;
}

type Persist = "none" | "write" | "unconfirmed" | "timer" | "alarm";

export class Counter extends DurableObject {
  #count = 0;
  #flushPending = false;

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
app.get("*", (c) => c.json(ok));

export default app;
