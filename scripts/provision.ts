// npm run provision -- --company "Acme" --plan enterprise [--remote]
// npm run provision -- set-plan --company co_… --plan starter [--remote]
// Prints {"company_id", "user_id", "api_key"} (or the new plan) as JSON on the last line.
import { parseArgs } from "node:util";
import { provisionCompany, setPlanStatement } from "../src/db/provisioning.ts";
import { isPlanName, PLAN_NAMES, type PlanName } from "../src/plans.ts";
import { applyMigrations, execute, type Target } from "./wrangler-d1.ts";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    company: { type: "string" },
    plan: { type: "string" },
    remote: { type: "boolean", default: false },
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
  applyMigrations(target);
  const company = await provisionCompany({
    name: values.company,
    plan,
    mode: target.remote ? "live" : "test",
  });
  execute(target, company.statements);
  console.log(
    JSON.stringify({ company_id: company.companyId, user_id: company.userId, api_key: company.apiKey }),
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
