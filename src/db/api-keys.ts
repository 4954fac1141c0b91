import { eq } from "drizzle-orm";
import type { Database } from "./client.ts";
import { apiKeys, companies } from "./schema.ts";

/** The key with this hash, its company's plan, or undefined. */
export async function findApiKeyByHash(db: Database, keyHash: string) {
  const [row] = await db
    .select({
      id: apiKeys.id,
      keyHash: apiKeys.keyHash,
      companyId: apiKeys.companyId,
      userId: apiKeys.userId,
      role: apiKeys.role,
      expiresAt: apiKeys.expiresAt,
      revokedAt: apiKeys.revokedAt,
      plan: companies.plan,
    })
    .from(apiKeys)
    .innerJoin(companies, eq(companies.id, apiKeys.companyId))
    .where(eq(apiKeys.keyHash, keyHash))
    .limit(1);
  return row;
}
