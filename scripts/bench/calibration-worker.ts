// Calibration for the benchmark: what the platform's own calls cost in this workerd, with no
// application code around them. Hono answering the same small JSON as the baseline, after:
//   /do        one RPC to a Durable Object that only counts in memory
//   /do-write  one RPC to a Durable Object that also writes its count (one KV write, as the
//              rate limiter does for every request it lets through)
//   /d1        one D1 query (SELECT 1)
//   /do-d1     /do-write then /d1: the least an authenticated, rate-limited read can cost
//   /do-d1-write  /do-write then one D1 batch of three small INSERTs: the least a rate-limited
//              write that records its change, a ledger row and an audit entry can cost
import { DurableObject } from "cloudflare:workers";
import { Hono } from "hono";

interface CalibrationEnv {
  DB: D1Database;
  COUNTER: DurableObjectNamespace<Counter>;
}

export class Counter extends DurableObject {
  #count = 0;

  hit(write: boolean): { count: number } {
    this.#count += 1;
    if (write) this.ctx.storage.kv.put("count", this.#count);
    return { count: this.#count };
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
app.get("*", (c) => c.json(ok));

export default app;
