// node scripts/bench/webhook-cost.ts [--rounds 3] [--seconds 5] [--items 2000] [--connections 10]
//
// What a subscribed webhook endpoint costs a change, delivery included: POST /v1/transactions for
// a company with no endpoint, then for one whose endpoint (a local receiver) subscribes to
// `transaction.created`, alternating in every round. The second's workerd CPU is counted from its
// first request until the receiver has had every delivery its requests caused (the dispatch, the
// queue, the consumer's claims, sends and records), so none of the delivery work falls outside
// the measurement, as it partly does in `npm run bench`'s scenario. Prints CPU µs per request of
// each and their ratio (issue 14's goal: at most 1.15).
import { parseArgs } from "node:util";
import { newApiKey, provisionCompany } from "../../src/db/provisioning.ts";
import { startLocalWorker } from "../local-runtime.ts";
import { seedItemId, seedItems } from "../seed.ts";
import { workerdCpuSeconds } from "./cpu.ts";
import { drive, KeyPool, type RequestSpec, type Target } from "./load.ts";
import { startWebhookReceiver } from "./webhook-receiver.ts";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    seconds: { type: "string", default: "5" },
    items: { type: "string", default: "2000" },
    connections: { type: "string", default: "10" },
  },
});
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const items = Number(values.items);
const connections = Number(values.connections);

const runtime = await startLocalWorker();
const receiver = await startWebhookReceiver();
try {
  const { db } = runtime;
  /** A company with `items` items (seed numbers from `first`) and a pool of keys. */
  async function company(name: string, first: number): Promise<Target> {
    const made = await provisionCompany({ name, plan: "enterprise", mode: "test" });
    await db.batch(made.statements.map((s) => db.prepare(s.sql).bind(...s.params)));
    await seedItems(db, { companyId: made.companyId, userId: made.userId, count: items, first });
    const keys = await Promise.all(
      Array.from({ length: 40 }, () => newApiKey({ companyId: made.companyId, userId: made.userId, role: "admin", mode: "test" })),
    );
    await db.batch(keys.map((k) => db.prepare(k.statement.sql).bind(...k.statement.params)));
    const pool = new KeyPool(800);
    pool.add([made.apiKey, ...keys.map((k) => k.apiKey)]);
    return { url: runtime.url, key: pool.take };
  }
  const plain = await company("Webhook cost: no endpoint", 1);
  const subscribed = await company("Webhook cost: one endpoint", items + 1);
  const register = await fetch(`${runtime.url}/v1/webhook_endpoints`, {
    method: "POST",
    headers: { Authorization: `Bearer ${subscribed.key!()}`, "Content-Type": "application/json" },
    body: JSON.stringify({ url: receiver.url, events: ["transaction.created"], description: "webhook cost" }),
  });
  if (register.status !== 201) throw new Error(`could not register the endpoint: ${register.status} ${await register.text()}`);

  /** A receipt of 1 for one of the company's items (seed numbers from `first`). */
  const receiptFrom = (first: number) => (): RequestSpec => ({
    method: "POST",
    path: "/v1/transactions",
    body: { item_id: seedItemId(first + Math.floor(Math.random() * items)), type: "receive", quantity: 1 },
  });
  const plainReceipt = receiptFrom(1);
  const subscribedReceipt = receiptFrom(items + 1);
  /** Waits until `count` deliveries have arrived (or none for 10 s); answers whether all did. */
  async function deliveriesReach(count: number): Promise<boolean> {
    let last = receiver.deliveries;
    let quietSince = performance.now();
    while (receiver.deliveries < count) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      if (receiver.deliveries !== last) [last, quietSince] = [receiver.deliveries, performance.now()];
      else if (performance.now() - quietSince > 10_000) return false;
    }
    return true;
  }

  const ratios: number[] = [];
  for (let round = 1; round <= rounds; round++) {
    await drive(plain, plainReceipt, { connections, seconds: 1 });
    let before = workerdCpuSeconds();
    const alone = await drive(plain, plainReceipt, { connections, seconds });
    const aloneUs = ((workerdCpuSeconds() - before) * 1e6) / alone.requests;

    // A warm-up of its own, drained, so that the measured window starts with no delivery pending.
    const warm = await drive(subscribed, subscribedReceipt, { connections, seconds: 1 });
    await deliveriesReach(receiver.deliveries + warm.requests - warm.errors);
    const expected = receiver.deliveries;
    before = workerdCpuSeconds();
    const started = performance.now();
    const withEndpoint = await drive(subscribed, subscribedReceipt, { connections, seconds });
    const answered = withEndpoint.requests - withEndpoint.errors;
    const allArrived = await deliveriesReach(expected + answered);
    const drainedMs = performance.now() - started - seconds * 1000;
    const withUs = ((workerdCpuSeconds() - before) * 1e6) / withEndpoint.requests;
    ratios.push(withUs / aloneUs);
    console.log(
      `round ${round}  without an endpoint ${alone.rps.toFixed(0).padStart(4)} req/s ${aloneUs.toFixed(0).padStart(5)} µs CPU` +
        `  |  with one ${withEndpoint.rps.toFixed(0).padStart(4)} req/s ${withUs.toFixed(0).padStart(5)} µs CPU, delivery included` +
        ` (${allArrived ? "all" : "NOT all"} ${answered} delivered ${(drainedMs / 1000).toFixed(1)} s after the window)` +
        `  ratio ${(withUs / aloneUs).toFixed(2)}  errors ${alone.errors + withEndpoint.errors}`,
    );
  }
  const sorted = [...ratios].sort((a, b) => a - b);
  console.log(`median ratio (with an endpoint ÷ without, CPU a request): ${sorted[Math.floor(sorted.length / 2)]!.toFixed(2)}`);
} finally {
  await receiver.stop();
  await runtime.stop();
}
