// The users of a company. They are created through the API (admins only) or by provisioning, and
// never deleted: API keys and audit entries refer to them.
import { and, count, desc, eq } from "drizzle-orm";
import { ApiError } from "../lib/errors.ts";
import type { Page } from "../lib/pagination.ts";
import { auditEntry, type Actor } from "./audit.ts";
import { runBatch, statementSql, type Database } from "./client.ts";
import { d1ErrorMessage } from "./batch-guard.ts";
import { newUser } from "./provisioning.ts";
import { users, type Role } from "./schema.ts";

type UserRow = typeof users.$inferSelect;

/** The public representation of a user: API responses and audit entries. */
export function toUser(row: Omit<UserRow, "emailKey">) {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    role: row.role,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

export type PublicUser = ReturnType<typeof toUser>;

export async function findUser(db: Database, companyId: string, id: string): Promise<UserRow | undefined> {
  const [row] = await db
    .select()
    .from(users)
    .where(and(eq(users.companyId, companyId), eq(users.id, id)))
    .limit(1);
  return row;
}

export async function listUsers(db: Database, companyId: string, page: Page) {
  const where = eq(users.companyId, companyId);
  const [rows, [total]] = await db.batch([
    db
      .select()
      .from(users)
      .where(where)
      .orderBy(desc(users.createdAt), desc(users.id))
      .limit(page.limit)
      .offset(page.offset),
    db.select({ total: count() }).from(users).where(where),
  ]);
  return { rows, total: total?.total ?? 0 };
}

function emailTaken(): ApiError {
  return new ApiError("invalid_state", "Another user of your company already has this email address.", "email");
}

/**
 * Creates a user with a `create` audit entry, in one batch. Emails are unique in the company
 * case-insensitively: the unique index on the case-folded email fails the batch as a whole, so
 * two concurrent requests cannot both pass.
 */
export async function insertUser(
  db: Database,
  actor: Actor,
  input: { name: string; email: string; role: Role },
): Promise<PublicUser> {
  const { userId, createdAt, statement } = newUser({ companyId: actor.companyId, ...input });
  const user = toUser({ id: userId, companyId: actor.companyId, ...input, createdAt, updatedAt: createdAt });
  try {
    await runBatch(db, [
      statementSql(statement),
      auditEntry(db, actor, {
        action: "create",
        resourceType: "user",
        resourceId: userId,
        changes: user,
        createdAt: user.created_at,
      }),
    ]);
  } catch (error) {
    const message = d1ErrorMessage(error);
    if (message.includes("UNIQUE constraint failed: users.")) {
      throw emailTaken();
    }
    throw error;
  }
  return user;
}
