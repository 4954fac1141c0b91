// The dashboard's navigation, in one list: a page is shown to the roles that may make the API
// request it stands for (`api`). Add a page here and it appears in the sidebar for those roles.
import type { ApiRequest } from "./access.ts";
import { DASHBOARD_PATH } from "./paths.ts";

export interface NavItem {
  href: string;
  label: string;
  section: "main" | "settings";
  api: ApiRequest;
}

export const NAV_ITEMS: NavItem[] = [
  { href: DASHBOARD_PATH, label: "Overview", section: "main", api: ["GET", "/v1/items"] },
  { href: `${DASHBOARD_PATH}/inventory`, label: "Inventory", section: "main", api: ["GET", "/v1/items"] },
  { href: `${DASHBOARD_PATH}/orders`, label: "Purchase orders", section: "main", api: ["GET", "/v1/orders"] },
  { href: `${DASHBOARD_PATH}/audit-log`, label: "Audit log", section: "main", api: ["GET", "/v1/audit_log"] },
  { href: `${DASHBOARD_PATH}/snapshots`, label: "Snapshots", section: "main", api: ["GET", "/v1/snapshots"] },
  { href: `${DASHBOARD_PATH}/imports`, label: "Imports", section: "main", api: ["GET", "/v1/imports"] },
  { href: `${DASHBOARD_PATH}/settings/api-keys`, label: "API Keys", section: "settings", api: ["GET", "/v1/api_keys"] },
  { href: `${DASHBOARD_PATH}/settings/users`, label: "Users", section: "settings", api: ["GET", "/v1/users"] },
  { href: `${DASHBOARD_PATH}/settings/webhooks`, label: "Webhooks", section: "settings", api: ["GET", "/v1/webhook_endpoints"] },
  { href: `${DASHBOARD_PATH}/settings/plan`, label: "Plan", section: "settings", api: ["GET", "/v1/items"] },
];
