// The dashboard's sign-in storage: passwords, one-time set-password links and sessions. Tokens
// and passwords arrive here hashed; nothing in this module sees a plaintext.
import { and, eq, gt, isNull, lte, sql } from "drizzle-orm";
import { SESSION_MAX_MS, MAX_SIGN_IN_CANDIDATES } from "../domain/dashboard-auth.ts";
import { isGuardFailure, nullUnless } from "./batch-guard.ts";
import { runBatch, statementSql, type Database } from "./client.ts";
import { newPasswordToken, type PasswordTokenPurpose } from "./provisioning.ts";
import { companies, dashboardSessions, passwordTokens, userCredentials, users } from "./schema.ts";

const iso = (ms: number) => new Date(ms).toISOString();

/** The users with this (case-folded) email that have a password, with their companies. */
export function signInCandidates(db: Database, emailKey: string) {
  return db
    .select({
      userId: users.id,
      companyId: users.companyId,
      companyName: companies.name,
      passwordHash: userCredentials.passwordHash,
    })
    .from(users)
    .innerJoin(userCredentials, eq(userCredentials.userId, users.id))
    .innerJoin(companies, eq(companies.id, users.companyId))
    .where(eq(users.emailKey, emailKey))
    .orderBy(companies.name, users.id)
    .limit(MAX_SIGN_IN_CANDIDATES);
}

/** The session statement of a sign-in, for a batch: expires 7 days after `now`. */
function insertSession(db: Database, session: { tokenHash: string; userIds: string[]; userId: string | null }, now: number) {
  return db.insert(dashboardSessions).values({
    ...session,
    createdAt: iso(now),
    lastSeenAt: iso(now),
    expiresAt: iso(now + SESSION_MAX_MS),
  });
}

/**
 * Sessions past their 7 days are deleted whenever someone signs in (by the index on expires_at);
 * an idle one is deleted when it is next presented.
 */
function deleteEndedSessions(db: Database, now: number) {
  return db.delete(dashboardSessions).where(lte(dashboardSessions.expiresAt, iso(now)));
}

export async function createSession(
  db: Database,
  session: { tokenHash: string; userIds: string[]; userId: string | null },
  now: number,
): Promise<void> {
  await runBatch(db, [deleteEndedSessions(db, now), insertSession(db, session, now)]);
}

/** A session by its token's hash, with the user it works as and that user's company (if chosen). */
export async function findSession(db: Database, tokenHash: string) {
  const [row] = await db
    .select({
      session: dashboardSessions,
      user: { id: users.id, name: users.name, email: users.email, role: users.role },
      company: { id: companies.id, name: companies.name, plan: companies.plan },
    })
    .from(dashboardSessions)
    .leftJoin(users, eq(users.id, dashboardSessions.userId))
    .leftJoin(companies, eq(companies.id, users.companyId))
    .where(eq(dashboardSessions.tokenHash, tokenHash))
    .limit(1);
  return row;
}

/** The companies a session's person may switch between: one per user they signed in as. */
export function sessionCompanies(db: Database, userIds: string[]) {
  return db
    .select({ userId: users.id, companyId: companies.id, companyName: companies.name, role: users.role })
    .from(users)
    .innerJoin(companies, eq(companies.id, users.companyId))
    .where(sql`${users.id} IN (SELECT value FROM json_each(${JSON.stringify(userIds)}))`)
    .orderBy(companies.name, users.id);
}

/** Records a request of the session, at most once a minute (the condition is in the UPDATE). */
export async function touchSession(db: Database, tokenHash: string, now: number, intervalMs: number): Promise<void> {
  await db
    .update(dashboardSessions)
    .set({ lastSeenAt: iso(now) })
    .where(and(eq(dashboardSessions.tokenHash, tokenHash), lte(dashboardSessions.lastSeenAt, iso(now - intervalMs))));
}

/** Makes the session work as one of the users it signed in as; false for any other user. */
export async function chooseSessionUser(db: Database, tokenHash: string, userId: string): Promise<boolean> {
  const rows = await db
    .update(dashboardSessions)
    .set({ userId })
    .where(
      and(
        eq(dashboardSessions.tokenHash, tokenHash),
        sql`EXISTS (SELECT 1 FROM json_each(${dashboardSessions.userIds}) WHERE value = ${userId})`,
      ),
    )
    .returning({ tokenHash: dashboardSessions.tokenHash });
  return rows.length > 0;
}

export async function deleteSession(db: Database, tokenHash: string): Promise<void> {
  await db.delete(dashboardSessions).where(eq(dashboardSessions.tokenHash, tokenHash));
}

/** A set-password link that still works at `now`, with its user and company; else undefined. */
export async function findUsablePasswordToken(db: Database, tokenHash: string, now: number) {
  const [row] = await db
    .select({
      userId: passwordTokens.userId,
      purpose: passwordTokens.purpose,
      expiresAt: passwordTokens.expiresAt,
      email: users.email,
      name: users.name,
      companyName: companies.name,
    })
    .from(passwordTokens)
    .innerJoin(users, eq(users.id, passwordTokens.userId))
    .innerJoin(companies, eq(companies.id, passwordTokens.companyId))
    .where(and(eq(passwordTokens.tokenHash, tokenHash), isNull(passwordTokens.usedAt), gt(passwordTokens.expiresAt, iso(now))))
    .limit(1);
  return row;
}

/**
 * Sets a user's password through a set-password link, in one batch: the link is used up (its
 * guard fails the batch unless it is still unused and unexpired, so two concurrent uses cannot
 * both succeed), the password is stored, every session of the user ends, and a new session of
 * the user alone begins. Answers false when the link no longer works.
 */
export async function setPasswordWithToken(
  db: Database,
  input: { tokenHash: string; userId: string; passwordHash: string; sessionTokenHash: string },
  now: number,
): Promise<boolean> {
  const usable = sql`used_at IS NULL AND expires_at > ${iso(now)}`;
  try {
    await runBatch(db, [
      sql`UPDATE ${passwordTokens} SET used_at = ${iso(now)}, user_id = ${nullUnless(usable, sql`user_id`)}
          WHERE token_hash = ${input.tokenHash}`,
      db
        .insert(userCredentials)
        .values({ userId: input.userId, passwordHash: input.passwordHash, updatedAt: iso(now) })
        .onConflictDoUpdate({ target: userCredentials.userId, set: { passwordHash: input.passwordHash, updatedAt: iso(now) } }),
      endSessionsOf(db, input.userId),
      deleteEndedSessions(db, now),
      insertSession(db, { tokenHash: input.sessionTokenHash, userIds: [input.userId], userId: input.userId }, now),
    ]);
  } catch (error) {
    if (isGuardFailure(error, "password_tokens.user_id")) return false;
    throw error;
  }
  return true;
}

/** Ends every session that signed in as the user (a new password ends the others). */
function endSessionsOf(db: Database, userId: string) {
  return db
    .delete(dashboardSessions)
    .where(sql`EXISTS (SELECT 1 FROM json_each(${dashboardSessions.userIds}) WHERE value = ${userId})`);
}

/** A new set-password link for a user, as a statement for the batch that needs it. */
export async function passwordTokenStatement(companyId: string, userId: string, purpose: PasswordTokenPurpose, createdAt?: string) {
  const { token, expiresAt, statement } = await newPasswordToken({ companyId, userId, purpose, createdAt });
  return { token, expiresAt, statement: statementSql(statement) };
}

/** Makes a new invitation link for a user of the company; undefined when it has no such user. */
export async function createInvitation(db: Database, companyId: string, userId: string) {
  const [user] = await db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.companyId, companyId), eq(users.id, userId)))
    .limit(1);
  if (!user) return undefined;
  const invitation = await passwordTokenStatement(companyId, userId, "invitation");
  await runBatch(db, [invitation.statement]);
  return { token: invitation.token, expiresAt: invitation.expiresAt };
}

/** Whether each of the company's users has set a password, by user id. */
export async function usersWithPassword(db: Database, companyId: string): Promise<Set<string>> {
  const rows = await db
    .select({ userId: userCredentials.userId })
    .from(userCredentials)
    .innerJoin(users, eq(users.id, userCredentials.userId))
    .where(eq(users.companyId, companyId));
  return new Set(rows.map((row) => row.userId));
}
