import type { Context } from "hono";
import type { Actor } from "../db/audit.ts";
import type { AppEnv } from "../types.ts";

/** The authenticated caller and request, as recorded in the audit log and the ledger. */
export function actorOf(c: Context<AppEnv>): Actor {
  const auth = c.get("auth");
  return {
    companyId: auth.companyId,
    userId: auth.userId,
    apiKeyId: auth.apiKeyId,
    requestId: c.get("requestId"),
  };
}
