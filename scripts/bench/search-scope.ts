// npx tsx scripts/bench/search-scope.ts [--others 9] [--per-company 20000] [--runs 300]
//
// Does a name search's cost grow with other companies' items? Seeds one small company (200
// items), measures the p50 of its name searches, then seeds `--others` companies of
// `--per-company` items each (the same seed names, so the same words) and measures again. The
// statements are the ones GET /v1/items runs (liveItemsQueries), run on local D1 in workerd
// (Miniflare's API, the migrations in migrations/ applied). Prints, as Markdown, the time per
// statement in a D1 batch (which takes out most of the round trip from Node) and the round trip.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { drizzle } from "drizzle-orm/d1";
import { convertV4MiniflareOptions, Miniflare, type V4MiniflareOptions } from "miniflare";
import { unstable_splitSqlQuery } from "wrangler";
import { liveItemsQueries } from "../../src/db/items.ts";
import { provisionCompany } from "../../src/db/provisioning.ts";
import { seedItems } from "../seed.ts";

const { values } = parseArgs({
  options: {
    others: { type: "string", default: "9" },
    "per-company": { type: "string", default: "20000" },
    runs: { type: "string", default: "300" },
  },
});
const others = Number(values.others);
const perCompany = Number(values["per-company"]);
const runs = Number(values.runs);
const SMALL = 200;
// Words every company's seed names share: a short prefix (served by a prefix index), a longer one,
// two words, and a word no item has.
const SEARCHES = ["wid", "widge", "blue wid", "zzz"];
/** Statements per D1 batch: the batch's time over its size takes out most of the round trip. */
const BATCH = 25;

const mf = new Miniflare(
  convertV4MiniflareOptions({
    modules: true,
    script: "export default { fetch() { return new Response(null, { status: 404 }); } };",
    d1Databases: ["DB"],
  } as V4MiniflareOptions),
);
const d1 = (await mf.getD1Database("DB")) as unknown as D1Database;
for (const file of readdirSync("migrations").filter((f) => f.endsWith(".sql")).sort()) {
  const queries = unstable_splitSqlQuery(readFileSync(join("migrations", file), "utf8"));
  await d1.batch(queries.map((query) => d1.prepare(query)));
}
const db = drizzle(d1);

let firstItem = 1;
async function company(items: number) {
  const co = await provisionCompany({ name: "Bench", plan: "enterprise", mode: "test" });
  await d1.batch(co.statements.map((s) => d1.prepare(s.sql).bind(...s.params)));
  for (let done = 0; done < items; done += 5_000) {
    const count = Math.min(5_000, items - done);
    await seedItems(d1, { companyId: co.companyId, userId: co.userId, count, first: firstItem });
    firstItem += count;
  }
  return co.companyId;
}

const p = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!;

async function measure(companyId: string, search: string) {
  const { sql, params } = liveItemsQueries(db, companyId, { search }, { limit: 20, offset: 0 }).rows.toSQL();
  const statement = d1.prepare(sql).bind(...params);
  const perStatement: number[] = [];
  const roundTrip: number[] = [];
  let rows = 0;
  for (let i = 0; i < runs + 20; i++) {
    let start = performance.now();
    const result = await statement.all();
    const single = performance.now() - start;
    start = performance.now();
    await d1.batch(Array.from({ length: BATCH }, () => statement));
    const batched = (performance.now() - start) / BATCH;
    if (i < 20) continue; // warm-up
    roundTrip.push(single);
    perStatement.push(batched);
    rows = result.results.length;
  }
  perStatement.sort((a, b) => a - b);
  roundTrip.sort((a, b) => a - b);
  return { rows, p50: p(perStatement, 0.5), p90: p(perStatement, 0.9), rtp50: p(roundTrip, 0.5) };
}

const small = await company(SMALL);
const before = new Map<string, Awaited<ReturnType<typeof measure>>>();
for (const search of SEARCHES) before.set(search, await measure(small, search));
const seedStart = performance.now();
for (let c = 0; c < others; c++) await company(perCompany);
const seedSeconds = (performance.now() - seedStart) / 1000;
const after = new Map<string, Awaited<ReturnType<typeof measure>>>();
for (const search of SEARCHES) after.set(search, await measure(small, search));

const ms = (n: number) => n.toFixed(3);
console.log(`Company of ${SMALL} items; then ${others} other companies × ${perCompany} items (seeded in ${seedSeconds.toFixed(1)} s); ${runs} runs each.\n`);
console.log(`Per statement: the time of a batch of ${BATCH} over ${BATCH} (ms); round trip: one statement from Node.\n`);
console.log("| search | rows | p50 alone | p50 with others | ratio | p90 alone / with | round trip p50 alone / with |");
console.log("|---|---|---|---|---|---|---|");
for (const search of SEARCHES) {
  const a = before.get(search)!;
  const b = after.get(search)!;
  console.log(
    `| \`${search}\` | ${a.rows} | ${ms(a.p50)} | ${ms(b.p50)} | ${(b.p50 / a.p50).toFixed(1)}× | ${ms(a.p90)} / ${ms(b.p90)} | ${ms(a.rtp50)} / ${ms(b.rtp50)} |`,
  );
}
await mf.dispose();
