// Settings → Plan: the plan's limits (src/plans.ts, the one table) and today's use.
import type { Plan } from "../../plans.ts";
import { AppPage } from "../layout.tsx";
import { DASHBOARD_PATH } from "../paths.ts";
import type { Viewer } from "../types.ts";
import { capitalise } from "./home.tsx";

export const PLAN_PATH = `${DASHBOARD_PATH}/settings/plan`;

export interface PlanUse {
  manualSnapshots: number;
  restores: number;
  /** Admins only: keys and webhooks are theirs to see. */
  admin?: { activeKeys: number; maxActiveKeys: number; webhookEndpoints: number };
}

const number = (value: number | null) => (value === null ? "Unlimited" : value.toLocaleString("en-US"));
const days = (value: number | null) => (value === null ? "Forever" : `${number(value)} days`);

function Usage({ label, used, limit, note }: { label: string; used: number; limit: number; note: string }) {
  const share = Math.min(100, Math.round((used / Math.max(1, limit)) * 100));
  return (
    <div class="stat">
      <p class="stat-label">{label}</p>
      <p class="stat-value">
        {used} <span class="muted">of {limit}</span>
      </p>
      <div
        class="meter"
        role="meter"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={limit}
        aria-valuenow={used}
      >
        <span class={`w-${Math.round(share / 5) * 5}`}></span>
      </div>
      <p class="stat-note">{note}</p>
    </div>
  );
}

export function PlanPage({ viewer, plan, use }: { viewer: Viewer; plan: Plan; use: PlanUse }) {
  const rows: [string, string][] = [
    ["Requests per minute, per key", number(plan.requestsPerMinute)],
    ["Requests per day, per key (UTC)", number(plan.requestsPerDay)],
    ["Audit log kept", days(plan.auditRetentionDays)],
    ["Manual snapshots per day", number(plan.manualSnapshotsPerDay)],
    ["Snapshot restores per day", number(plan.restoresPerDay)],
    ["Automatic daily snapshot", plan.automaticDailySnapshot ? "Yes, at 03:00 UTC" : "No"],
    ["Snapshots kept", days(plan.snapshotRetentionDays)],
    ["Webhook endpoints", number(plan.webhookEndpoints)],
    ["Events kept", days(plan.eventRetentionDays)],
  ];
  return (
    <AppPage viewer={viewer} title="Plan" current={PLAN_PATH} subtitle={`${viewer.company.name} is on the ${capitalise(viewer.company.plan)} plan.`}>
      <section aria-labelledby="today">
        <h2 id="today">Today's use</h2>
        <div class="stats">
          <Usage label="Manual snapshots today" used={use.manualSnapshots} limit={plan.manualSnapshotsPerDay} note="Counts start over at 00:00 UTC." />
          <Usage label="Snapshot restores today" used={use.restores} limit={plan.restoresPerDay} note="Counts start over at 00:00 UTC." />
          {use.admin && (
            <Usage label="Webhook endpoints" used={use.admin.webhookEndpoints} limit={plan.webhookEndpoints} note="Endpoints your company has now." />
          )}
          {use.admin && (
            <Usage label="Active API keys" used={use.admin.activeKeys} limit={use.admin.maxActiveKeys} note="Neither revoked nor expired." />
          )}
        </div>
      </section>
      <section class="card" aria-labelledby="limits">
        <h2 id="limits">Limits of the {capitalise(viewer.company.plan)} plan</h2>
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Limit</th>
                <th scope="col">Your plan</th>
              </tr>
            </thead>
            <tbody>
              {rows.map(([label, value]) => (
                <tr>
                  <td>{label}</td>
                  <td>{value}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </AppPage>
  );
}
