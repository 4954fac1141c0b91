import { and, asc, eq, gt } from "drizzle-orm";
import type { PlanName } from "../plans.ts";
import type { Database } from "./client.ts";
import { companies } from "./schema.ts";

/** Ids of companies on `plan` after `afterId`, in id order: for jobs that walk all companies. */
export async function companyIdsOnPlan(db: Database, plan: PlanName, afterId: string, limit: number) {
  const rows = await db
    .select({ id: companies.id })
    .from(companies)
    .where(and(eq(companies.plan, plan), gt(companies.id, afterId)))
    .orderBy(asc(companies.id))
    .limit(limit);
  return rows.map((row) => row.id);
}
