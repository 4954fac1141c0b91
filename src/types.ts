import type { RouteConfig, RouteHandler } from "@hono/zod-openapi";
import type { Role } from "./db/schema.ts";
import type { PlanName } from "./plans.ts";

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

export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    auth: AuthContext;
  };
}

export type AppRouteHandler<R extends RouteConfig> = RouteHandler<R, AppEnv>;
