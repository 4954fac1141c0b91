// The users of a company. They are created through the API (admins only) or by provisioning, and
// never deleted: API keys and audit entries refer to them.
import { and, eq, inArray } from "drizzle-orm";
import { emailTaken, toUser, type User } from "../domain/users.ts";
import type { Page } from "../lib/pagination.ts";
import { auditEntry, type Actor } from "./audit.ts";
import { isUniqueViolation } from "./batch-guard.ts";
import { runBatch, statementSql, type Database } from "./client.ts";
import { passwordTokenStatement } from "./dashboard-auth.ts";
import { listPage } from "./list-page.ts";
import { newUser } from "./provisioning.ts";
import { users, type Role } from "./schema.ts";

export async function findUser(db: Database, companyId: string, id: string): Promise<User | undefined> {
  const [row] = await db
    .select()
    .from(users)
    .where(and(eq(users.companyId, companyId), eq(users.id, id)))
    .limit(1);
  return row && toUser(row);
}

/** The company's users, newest first. */
export async function listUsers(db: Database, companyId: string, page: Page) {
  const company = eq(users.companyId, companyId);
  const list = await listPage(db, { table: users, where: company, orderBy: [users.createdAt, users.id], cursorScope: company }, page);
  return { ...list, rows: list.rows.map(toUser) };
}

/** The names of the company's users among `ids`, by id (a page of API keys shows whose each is). */
export async function userNames(db: Database, companyId: string, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .select({ id: users.id, name: users.name })
    .from(users)
    .where(and(eq(users.companyId, companyId), inArray(users.id, [...new Set(ids)])));
  return new Map(rows.map((row) => [row.id, row.name]));
}

/**
 * Creates a user with a `create` audit entry and an invitation (a one-time set-password link's
 * token, 7 days), in one batch. Emails are unique in the company case-insensitively: the unique
 * index on the case-folded email fails the batch as a whole, so two concurrent requests cannot
 * both pass.
 */
export async function insertUser(
  db: Database,
  actor: Actor,
  input: { name: string; email: string; role: Role },
): Promise<{ user: User; invitation: { token: string; expiresAt: string } }> {
  const { userId, createdAt, statement } = newUser({ companyId: actor.companyId, ...input });
  const user = toUser({ id: userId, ...input, createdAt, updatedAt: createdAt });
  // The invitation is made at the user's creation time: it expires 7 days after `created_at`.
  const invitation = await passwordTokenStatement(actor.companyId, userId, "invitation", createdAt);
  try {
    await runBatch(db, [
      statementSql(statement),
      invitation.statement,
      auditEntry(db, actor, {
        action: "create",
        resourceType: "user",
        resourceId: userId,
        changes: user,
        createdAt: user.created_at,
      }),
    ]);
  } catch (error) {
    if (isUniqueViolation(error, "users.company_id, users.email_key")) throw emailTaken();
    throw error;
  }
  return { user, invitation: { token: invitation.token, expiresAt: invitation.expiresAt } };
}
