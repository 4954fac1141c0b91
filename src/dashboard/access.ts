// What a role may use in the dashboard is what it may do through the API: each page and action
// names the API request it stands for, and the API's own rule (src/roles.ts) decides. So read_only
// sees, member works with inventory, admin also manages users, keys and webhooks.
import type { Role } from "../db/schema.ts";
import { roleRefusal } from "../roles.ts";

export type ApiRequest = readonly [method: "GET" | "POST" | "PATCH" | "DELETE", path: string];

export function mayUse(role: Role, [method, path]: ApiRequest): boolean {
  return roleRefusal(role, method, path) === null;
}
