// Where the dashboard lives, for the Worker and for the Node scripts that print its links.
export const DASHBOARD_PATH = "/dashboard";

/** The one-time link where a user sets their password (from provisioning or an invitation). */
export function setPasswordUrl(origin: string, token: string): string {
  return `${origin.replace(/\/+$/, "")}${DASHBOARD_PATH}/set-password/${token}`;
}
