import { env } from "cloudflare:test";
import { newApiKey, provisionCompany, type Statement } from "../../src/db/provisioning.ts";
import type { Role } from "../../src/db/schema.ts";
import type { PlanName } from "../../src/plans.ts";

export async function run(statements: Statement[]): Promise<void> {
  await env.DB.batch(statements.map((s) => env.DB.prepare(s.sql).bind(...s.params)));
}

export interface TestCompany {
  companyId: string;
  userId: string;
  apiKeyId: string;
  /** The admin key's plaintext. */
  apiKey: string;
}

/** A company with an admin user and an admin key, through the same code as `npm run provision`. */
export async function createCompany(plan: PlanName = "professional"): Promise<TestCompany> {
  const company = await provisionCompany({ name: "Test Co", plan, mode: "test" });
  await run(company.statements);
  return company;
}

/** Another key of the company's admin user, with the given role and state. */
export async function createKey(
  company: TestCompany,
  options: { role?: Role; expiresAt?: string; revokedAt?: string } = {},
): Promise<string> {
  const key = await newApiKey({
    companyId: company.companyId,
    userId: company.userId,
    role: options.role ?? "admin",
    mode: "test",
    expiresAt: options.expiresAt,
    revokedAt: options.revokedAt,
  });
  await run([key.statement]);
  return key.apiKey;
}
