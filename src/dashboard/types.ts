import type { Role } from "../db/schema.ts";
import type { PlanName } from "../plans.ts";
import type { AppEnv } from "../types.ts";

/** The signed-in person: their session, and the user (so company and role) it works as. */
export interface Viewer {
  /** The SHA-256 of the session cookie's token. */
  sessionHash: string;
  /** The users signed in as at once (one email, several companies): more than one can switch. */
  sessionUserIds: string[];
  user: { id: string; name: string; email: string; role: Role };
  company: { id: string; name: string; plan: PlanName };
}

/** A dashboard request: the API's request context, and on signed-in pages the viewer. */
export interface DashboardEnv {
  Bindings: AppEnv["Bindings"];
  Variables: AppEnv["Variables"] & { viewer: Viewer; sessionHash: string; sessionUserIds: string[] };
}
