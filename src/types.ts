import type { RouteConfig, RouteHandler } from "@hono/zod-openapi";
import type { Actor } from "./db/audit.ts";
import type { Role } from "./db/schema.ts";
import type { PlanName } from "./plans.ts";
import type { Services } from "./services/index.ts";

/** Who is calling: set by the authentication middleware for every /v1 route. */
export interface AuthContext {
  companyId: string;
  userId: string;
  apiKeyId: string;
  /** The rate limiter object the key counts in (shared with the keys it was rolled from). */
  rateLimitId: string;
  role: Role;
  plan: PlanName;
}

/**
 * A request's context: its services (`c.get("db")` in the request's D1 Session, `c.get("session")`,
 * `c.get("blobs")`, …, built once by the `services` middleware), its id, and under /v1 the caller
 * (`auth`) and the actor its changes are recorded as.
 */
export interface AppEnv {
  Bindings: Env;
  Variables: Services & {
    requestId: string;
    auth: AuthContext;
    actor: Actor;
  };
}

export type AppRouteHandler<R extends RouteConfig> = RouteHandler<R, AppEnv>;
