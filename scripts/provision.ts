// npm run provision -- --company "Acme" --plan enterprise [--email ada@acme.com] [--remote] [--origin https://…]
// npm run provision -- set-plan --company co_… --plan starter [--remote]
// Prints {"company_id", "user_id", "email", "api_key", "dashboard_setup_url"} (or the new plan) as
// JSON on the last line. The setup URL is a one-time link (24 h) where the admin sets a password.
import { parseArgs } from "node:util";
import { DEFAULT_ADMIN_EMAIL, provisionCompany, setPlanStatement } from "../src/db/provisioning.ts";
import { setPasswordUrl } from "../src/dashboard/paths.ts";
import { email as emailSchema } from "../src/lib/validation.ts";
import { isPlanName, PLAN_NAMES, type PlanName } from "../src/plans.ts";
import { applyMigrations, execute, type Target } from "./wrangler-d1.ts";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    company: { type: "string" },
    plan: { type: "string" },
    email: { type: "string" },
    remote: { type: "boolean", default: false },
    // Where the dashboard is served: the local dev server, or the deployed Worker's address.
    origin: { type: "string" },
  },
});

function fail(message: string): never {
  console.error(`provision: ${message}`);
  process.exit(1);
}

function planFrom(value: string | undefined): PlanName {
  if (!value || !isPlanName(value)) fail(`--plan must be one of ${PLAN_NAMES.join(", ")}.`);
  return value;
}

const target: Target = { remote: values.remote };
const command = positionals[0] ?? "create";
if (!values.company) fail("--company is required.");

if (command === "create") {
  const plan = planFrom(values.plan ?? "starter");
  const email = values.email ?? DEFAULT_ADMIN_EMAIL;
  if (!emailSchema().safeParse(email).success) fail(`--email must be an email address such as ada@example.com.`);
  const origin = values.origin ?? (target.remote ? "https://api.modulus-software.com" : `http://127.0.0.1:${process.env.PORT ?? "8787"}`);
  if (!/^https?:\/\/[^/]+$/.test(origin)) fail("--origin must be a scheme and host, such as https://api.example.com.");
  applyMigrations(target);
  const company = await provisionCompany({
    name: values.company,
    plan,
    email,
    mode: target.remote ? "live" : "test",
  });
  execute(target, company.statements);
  console.log(
    JSON.stringify({
      company_id: company.companyId,
      user_id: company.userId,
      email: company.email,
      api_key: company.apiKey,
      dashboard_setup_url: setPasswordUrl(origin, company.setupToken),
    }),
  );
} else if (command === "set-plan") {
  const plan = planFrom(values.plan);
  const [, rows] = execute(target, [
    setPlanStatement(values.company, plan),
    { sql: "SELECT id, plan FROM companies WHERE id = ?", params: [values.company] },
  ]);
  if (!rows?.length) fail(`no company with id '${values.company}'.`);
  console.log(JSON.stringify({ company_id: values.company, plan }));
} else {
  fail(`unknown command '${command}' (use set-plan, or no command to create a company).`);
}
