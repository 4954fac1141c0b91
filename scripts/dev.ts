// npm run dev: applies local migrations, makes sure the demo company and its admin key exist,
// prints the key and the way into the dashboard, and serves the API with local D1, R2 and
// Durable Objects (wrangler dev).
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { hashApiKey } from "../src/lib/api-key-format.ts";
import { newPasswordToken, provisionCompany, setPlanStatement } from "../src/db/provisioning.ts";
import { DASHBOARD_PATH, setPasswordUrl } from "../src/dashboard/paths.ts";
import { nowIso } from "../src/lib/clock.ts";
import { isPlanName, PLAN_NAMES, type PlanName } from "../src/plans.ts";
import { applyMigrations, execute } from "./wrangler-d1.ts";

// The demo key's plaintext is kept beside the local database (never committed) so that every
// `npm run dev` can print it again; only its hash is in D1, as for every key.
const DEMO_FILE = ".wrangler/demo-key.json";
const local = { remote: false };
const port = process.env.PORT ?? "8787";
const demoPlan = process.env.DEMO_PLAN ?? "professional";
if (!isPlanName(demoPlan)) {
  console.error(`DEMO_PLAN must be one of ${PLAN_NAMES.join(", ")}.`);
  process.exit(1);
}
const plan: PlanName = demoPlan;

interface Demo {
  company_id: string;
  api_key: string;
}

async function demoStillValid(demo: Demo): Promise<boolean> {
  const [rows] = execute(local, [
    {
      sql: "SELECT id FROM api_keys WHERE key_hash = ? AND company_id = ? AND revoked_at IS NULL",
      params: [await hashApiKey(demo.api_key), demo.company_id],
    },
  ]);
  return (rows?.length ?? 0) > 0;
}

async function ensureDemo(): Promise<Demo> {
  if (existsSync(DEMO_FILE)) {
    const demo = JSON.parse(readFileSync(DEMO_FILE, "utf8")) as Demo;
    if (await demoStillValid(demo)) {
      execute(local, [setPlanStatement(demo.company_id, plan)]);
      return demo;
    }
  }
  const company = await provisionCompany({ name: "Demo Company", plan, mode: "test" });
  execute(local, company.statements);
  const demo = { company_id: company.companyId, api_key: company.apiKey };
  mkdirSync(".wrangler", { recursive: true });
  writeFileSync(DEMO_FILE, `${JSON.stringify(demo, null, 2)}\n`);
  return demo;
}

/**
 * How to get into the dashboard: the admin's email, and while they have no password a new
 * one-time set-password link (earlier unused ones stop working, so only the printed link works).
 */
async function dashboardAccess(demo: Demo): Promise<string> {
  const [admins] = execute(local, [
    {
      sql: `SELECT u.id, u.email, EXISTS (SELECT 1 FROM user_credentials c WHERE c.user_id = u.id) AS has_password
            FROM users u WHERE u.company_id = ? AND u.role = 'admin' ORDER BY u.created_at, u.id LIMIT 1`,
      params: [demo.company_id],
    },
  ]);
  const admin = admins?.[0] as { id: string; email: string; has_password: number } | undefined;
  if (!admin) return "  (the demo company has no admin user)";
  if (admin.has_password) return `  Sign in as ${admin.email} with the password you set.`;
  const setup = await newPasswordToken({ companyId: demo.company_id, userId: admin.id, purpose: "setup" });
  execute(local, [
    {
      sql: "UPDATE password_tokens SET used_at = ? WHERE user_id = ? AND purpose = 'setup' AND used_at IS NULL",
      params: [nowIso(), admin.id],
    },
    setup.statement,
  ]);
  return `  Dashboard setup link (${admin.email}, one-time, 24 h): ${setPasswordUrl(`http://127.0.0.1:${port}`, setup.token)}`;
}

applyMigrations(local);
const demo = await ensureDemo();
const access = await dashboardAccess(demo);
console.log(`
  Inventory Manager API — local development
  Demo company: ${demo.company_id} (plan ${plan})
  Demo admin key: ${demo.api_key}

  Try:  curl http://127.0.0.1:${port}/v1/items -H "Authorization: Bearer ${demo.api_key}"
  Docs: http://127.0.0.1:${port}/docs
  Cron: curl "http://127.0.0.1:${port}/__scheduled?cron=0+3+*+*+*"   (the daily job; the webhook
        outbox's every-minute sweep is run by this script, as the Cron Trigger does when deployed)

  Dashboard: http://127.0.0.1:${port}${DASHBOARD_PATH}
${access}
`);

// Local development needs no network. Miniflare would otherwise download the `Request.cf` object
// (client location and TLS details) from workers.cloudflare.com at every start, printing a stack
// trace when offline; the API reads none of it, so its built-in placeholder does. No usage metrics
// are sent either. Either can be switched back on from the shell.
const offline = {
  CLOUDFLARE_CF_FETCH_ENABLED: process.env.CLOUDFLARE_CF_FETCH_ENABLED ?? "false",
  WRANGLER_SEND_METRICS: process.env.WRANGLER_SEND_METRICS ?? "false",
};

const server = spawn(
  "npx",
  // --var: keys made through the local API are sk_test_ (wrangler.toml's "live" is for deployments).
  ["wrangler", "dev", "--ip", "127.0.0.1", "--port", port, "--test-scheduled", "--show-interactive-dev-session=false",
    "--var", "API_KEY_MODE:test"],
  { stdio: "inherit", env: { ...process.env, ...offline } },
);
// Miniflare does not fire Cron Triggers by itself: the every-minute one (the webhook outbox's
// sweep, which sends what a lost queue message or a failed enqueue left behind) is fired from here.
const sweep = setInterval(() => {
  fetch(`http://127.0.0.1:${port}/__scheduled?cron=*+*+*+*+*`).catch(() => {});
}, 60_000);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    clearInterval(sweep);
    server.kill(signal);
  });
}
server.on("exit", (code) => process.exit(code ?? 0));
