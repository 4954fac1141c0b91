// The one table of plan numbers. Rate limits, retention, snapshot limits and import sizes read it.
export const PLAN_NAMES = ["starter", "professional", "enterprise"] as const;
export type PlanName = (typeof PLAN_NAMES)[number];

export interface Plan {
  requestsPerMinute: number;
  /** Per key and UTC day; `null` is unlimited. */
  requestsPerDay: number | null;
  /** `null` keeps audit entries forever. */
  auditRetentionDays: number | null;
  manualSnapshotsPerDay: number;
  restoresPerDay: number;
  automaticDailySnapshot: boolean;
  snapshotRetentionDays: number;
  webhookEndpoints: number;
  eventRetentionDays: number;
  /** Data rows (after the header) a CSV import may have. */
  rowsPerImport: number;
}

export const PLANS: Record<PlanName, Plan> = {
  starter: {
    requestsPerMinute: 60,
    requestsPerDay: 10_000,
    auditRetentionDays: 30,
    manualSnapshotsPerDay: 1,
    restoresPerDay: 1,
    automaticDailySnapshot: false,
    snapshotRetentionDays: 7,
    webhookEndpoints: 1,
    eventRetentionDays: 30,
    rowsPerImport: 5_000,
  },
  professional: {
    requestsPerMinute: 300,
    requestsPerDay: 100_000,
    auditRetentionDays: 365,
    manualSnapshotsPerDay: 10,
    restoresPerDay: 5,
    automaticDailySnapshot: false,
    snapshotRetentionDays: 30,
    webhookEndpoints: 10,
    eventRetentionDays: 30,
    rowsPerImport: 100_000,
  },
  enterprise: {
    requestsPerMinute: 1_000,
    requestsPerDay: null,
    auditRetentionDays: null,
    manualSnapshotsPerDay: 100,
    restoresPerDay: 50,
    automaticDailySnapshot: true,
    snapshotRetentionDays: 365,
    webhookEndpoints: 50,
    eventRetentionDays: 30,
    rowsPerImport: 500_000,
  },
};

export function isPlanName(value: string): value is PlanName {
  return (PLAN_NAMES as readonly string[]).includes(value);
}
