// Creating companies, users and keys outside the API: used by `npm run provision`, `npm run dev`
// and the test factories. Plain SQL with parameters (no drizzle) so that the Node scripts can run
// it through `wrangler d1 execute` as well as a Worker through a D1 binding.
import { generateApiKey, hashApiKey, type ApiKeyMode } from "../lib/api-key-format.ts";
import { foldCase } from "../lib/case-fold.ts";
import { nowIso } from "../lib/clock.ts";
import { newId } from "../lib/ids.ts";
import { newSecretToken } from "../lib/secret-token.ts";
import { PASSWORD_TOKEN_TTL_MS } from "../domain/dashboard-auth.ts";
import type { PlanName } from "../plans.ts";
import type { Role } from "./schema.ts";

export interface Statement {
  sql: string;
  params: (string | null)[];
}

export interface NewApiKey {
  apiKeyId: string;
  apiKey: string;
  last4: string;
  createdAt: string;
  statement: Statement;
}

export async function newApiKey(options: {
  companyId: string;
  userId: string;
  role: Role;
  mode: ApiKeyMode;
  name?: string;
  expiresAt?: string | null;
  revokedAt?: string | null;
}): Promise<NewApiKey> {
  const apiKeyId = newId("key");
  const apiKey = generateApiKey(options.mode);
  const last4 = apiKey.slice(-4);
  const createdAt = nowIso();
  const statement: Statement = {
    sql: `INSERT INTO api_keys (id, company_id, user_id, name, role, key_hash, last4, created_at, expires_at, revoked_at)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    params: [
      apiKeyId,
      options.companyId,
      options.userId,
      options.name ?? "Default key",
      options.role,
      await hashApiKey(apiKey),
      last4,
      createdAt,
      options.expiresAt ?? null,
      options.revokedAt ?? null,
    ],
  };
  return { apiKeyId, apiKey, last4, createdAt, statement };
}

export function newUser(options: { companyId: string; name: string; email: string; role: Role }) {
  const userId = newId("user");
  const createdAt = nowIso();
  const statement: Statement = {
    sql: `INSERT INTO users (id, company_id, name, email, email_key, role, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    params: [userId, options.companyId, options.name, options.email, foldCase(options.email), options.role, createdAt, createdAt],
  };
  return { userId, createdAt, statement };
}

export type PasswordTokenPurpose = keyof typeof PASSWORD_TOKEN_TTL_MS;

/**
 * A one-time set-password link's token for a user: `setup` for a provisioned admin (24 hours),
 * `invitation` for a user added by an admin (7 days). Only its SHA-256 is stored.
 */
export async function newPasswordToken(options: {
  companyId: string;
  userId: string;
  purpose: PasswordTokenPurpose;
  /** When the link is made (default now): the user's own creation time for an invitation made with it. */
  createdAt?: string;
}) {
  const { token, hash } = await newSecretToken();
  const createdAt = options.createdAt ?? nowIso();
  const expiresAt = new Date(Date.parse(createdAt) + PASSWORD_TOKEN_TTL_MS[options.purpose]).toISOString();
  const statement: Statement = {
    sql: `INSERT INTO password_tokens (token_hash, user_id, company_id, purpose, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
    params: [hash, options.userId, options.companyId, options.purpose, createdAt, expiresAt],
  };
  return { token, expiresAt, statement };
}

export const DEFAULT_ADMIN_EMAIL = "admin@example.com";

/** A company with one admin user, one admin key and a set-password link (token) for the admin. */
export async function provisionCompany(options: { name: string; plan: PlanName; mode: ApiKeyMode; email?: string }) {
  const companyId = newId("co");
  const now = nowIso();
  const company: Statement = {
    sql: `INSERT INTO companies (id, name, plan, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
    params: [companyId, options.name, options.plan, now, now],
  };
  const email = options.email ?? DEFAULT_ADMIN_EMAIL;
  const user = newUser({ companyId, name: "Admin", email, role: "admin" });
  const key = await newApiKey({ companyId, userId: user.userId, role: "admin", mode: options.mode });
  const setup = await newPasswordToken({ companyId, userId: user.userId, purpose: "setup" });
  return {
    companyId,
    userId: user.userId,
    email,
    apiKeyId: key.apiKeyId,
    apiKey: key.apiKey,
    setupToken: setup.token,
    statements: [company, user.statement, key.statement, setup.statement],
  };
}

export function setPlanStatement(companyId: string, plan: PlanName): Statement {
  return {
    sql: `UPDATE companies SET plan = ?, updated_at = ? WHERE id = ?`,
    params: [plan, nowIso(), companyId],
  };
}

/** The statement with its parameters written in as SQL literals, for `wrangler d1 execute`. */
export function inlineParams(statement: Statement): string {
  let index = 0;
  return statement.sql.replace(/\?/g, () => {
    const value = statement.params[index++];
    return value === null || value === undefined ? "NULL" : `'${value.replaceAll("'", "''")}'`;
  });
}
