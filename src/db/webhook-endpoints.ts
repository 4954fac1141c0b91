// Webhook endpoints: their management through the API (each change with its audit entry in the
// same batch) and the look-ups that delivery signs with. The secrets leave this module only
// through the signing look-ups and in the answer of a create or a roll.
import { and, eq, sql, type SQL } from "drizzle-orm";
import {
  generateWebhookSecret,
  secretRoll,
  signingSecrets,
  toWebhookEndpoint,
  tooManyEndpoints,
  type NewWebhookEndpoint,
  type WebhookEndpoint,
} from "../domain/webhook-endpoints.ts";
import { nowIso } from "../lib/clock.ts";
import { newId } from "../lib/ids.ts";
import type { Page } from "../lib/pagination.ts";
import { PLANS, type PlanName } from "../plans.ts";
import type { Actor, AuditInput } from "./audit.ts";
import { auditEntry } from "./audit.ts";
import { failBatchWhen, guardedRow, isGuardFailure } from "./batch-guard.ts";
import { runBatch, type Database } from "./client.ts";
import { listPage } from "./list-page.ts";
import { withOptimisticRetry } from "./optimistic-retry.ts";
import { auditLog, webhookDeliveries, webhookEndpoints, type WebhookEndpointRow } from "./schema.ts";

/** The plan-limit guard fails its batch by emptying the new endpoint's (NOT NULL) url. */
const LIMIT_GUARD_COLUMN = "url";

async function findRow(db: Database, companyId: string, id: string): Promise<WebhookEndpointRow | undefined> {
  const [row] = await db
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.companyId, companyId), eq(webhookEndpoints.id, id)))
    .limit(1);
  return row;
}

export async function findWebhookEndpoint(db: Database, companyId: string, id: string): Promise<WebhookEndpoint | undefined> {
  const row = await findRow(db, companyId, id);
  return row && toWebhookEndpoint(row);
}

/** All of the company's endpoints, disabled ones included, newest first. */
export async function listWebhookEndpoints(db: Database, companyId: string, page: Page) {
  const company = eq(webhookEndpoints.companyId, companyId);
  const list = await listPage(
    db,
    { table: webhookEndpoints, where: company, orderBy: [webhookEndpoints.createdAt, webhookEndpoints.id], cursorScope: company },
    page,
  );
  return { ...list, rows: list.rows.map(toWebhookEndpoint) };
}

// --- Signing (for delivery) --------------------------------------------------------------------

/** An endpoint as delivery needs it: where to send, what it subscribes to, and what signs. */
export interface SigningEndpoint {
  id: string;
  companyId: string;
  url: string;
  events: string[];
  status: WebhookEndpointRow["status"];
  /** The current secret first, then the previous one while its grace period lasts at `now`. */
  secrets: string[];
}

function toSigningEndpoint(row: WebhookEndpointRow, now: string): SigningEndpoint {
  return {
    id: row.id,
    companyId: row.companyId,
    url: row.url,
    events: row.events,
    status: row.status,
    secrets: signingSecrets(row, now),
  };
}

/** One endpoint of the company with its signing secrets at `now` (whatever its status), or undefined. */
export async function findEndpointForSigning(
  db: Database,
  companyId: string,
  id: string,
  now: string = nowIso(),
): Promise<SigningEndpoint | undefined> {
  const row = await findRow(db, companyId, id);
  return row && toSigningEndpoint(row, now);
}

/** The company's enabled endpoints, oldest first, with their signing secrets at `now`. */
export async function enabledEndpointsForSigning(
  db: Database,
  companyId: string,
  now: string = nowIso(),
): Promise<SigningEndpoint[]> {
  const rows = await db
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.companyId, companyId), eq(webhookEndpoints.status, "enabled")))
    .orderBy(webhookEndpoints.createdAt, webhookEndpoints.id);
  return rows.map((row) => toSigningEndpoint(row, now));
}

// --- Changes -----------------------------------------------------------------------------------

/**
 * The audit entry of a change to an endpoint that was read first, and an optimistic lock for it:
 * unless the endpoint still has every value that was read (`row`), the entry has no resource_id
 * (NOT NULL, the batch guard) and the whole batch fails, so that two concurrent changes never
 * both record a change from the same state.
 */
function auditEndpointChange(actor: Actor, row: WebhookEndpointRow, entry: Omit<AuditInput, "resourceType" | "resourceId">) {
  const unchanged = sql`w.id = ${row.id} AND w.company_id = ${actor.companyId}
    AND w.url = ${row.url} AND w.events = ${JSON.stringify(row.events)} AND w.description IS ${row.description}
    AND w.status = ${row.status} AND w.disabled_reason IS ${row.disabledReason} AND w.secret = ${row.secret}
    AND w.previous_secret_expires_at IS ${row.previousSecretExpiresAt}`;
  return sql`
    INSERT INTO ${auditLog} (id, company_id, action, resource_type, resource_id, item_id, user_id,
                             api_key_id, changes, transaction_id, request_id, created_at)
    SELECT ${newId("evt")}, ${actor.companyId}, ${entry.action}, 'webhook_endpoint', w.id, NULL, ${actor.userId},
           ${actor.apiKeyId}, ${JSON.stringify(entry.changes)}, NULL, ${actor.requestId}, ${entry.createdAt}
    ${guardedRow(webhookEndpoints, "w", unchanged)}`;
}

/**
 * Fails the batch when the company has more endpoints than `limit` once the new endpoint
 * `endpointId`, inserted earlier in the batch, is counted. D1 runs a batch as one transaction, so
 * concurrent creates cannot together go past the limit.
 */
function endpointLimit(companyId: string, endpointId: string, limit: number): SQL {
  return failBatchWhen(
    webhookEndpoints,
    LIMIT_GUARD_COLUMN,
    sql`id = ${endpointId}
      AND (SELECT count(*) FROM ${webhookEndpoints} w WHERE w.company_id = ${companyId}) > ${limit}`,
  );
}

export interface NewEndpointInput {
  /** Checked by the caller against the key mode's URL rules. */
  url: string;
  events: string[];
  description?: string | null;
}

/**
 * Creates an enabled endpoint with a new secret and a `create` audit entry (the object without
 * its secret), in one batch. Throws invalid_state when the company has as many endpoints as its
 * plan allows (enabled and disabled ones count alike).
 */
export async function insertWebhookEndpoint(
  db: Database,
  actor: Actor,
  plan: PlanName,
  input: NewEndpointInput,
): Promise<NewWebhookEndpoint> {
  const now = nowIso();
  const row: WebhookEndpointRow = {
    id: newId("we"),
    companyId: actor.companyId,
    url: input.url,
    events: input.events,
    description: input.description ?? null,
    status: "enabled",
    disabledReason: null,
    secret: generateWebhookSecret(),
    previousSecret: null,
    previousSecretExpiresAt: null,
    failingSince: null,
    createdAt: now,
    updatedAt: now,
  };
  const created = toWebhookEndpoint(row);
  const limit = PLANS[plan].webhookEndpoints;
  try {
    await runBatch(db, [
      db.insert(webhookEndpoints).values(row),
      endpointLimit(actor.companyId, row.id, limit),
      auditEntry(db, actor, {
        action: "create",
        resourceType: "webhook_endpoint",
        resourceId: row.id,
        changes: created,
        createdAt: now,
      }),
    ]);
  } catch (error) {
    if (isGuardFailure(error, `webhook_endpoints.${LIMIT_GUARD_COLUMN}`)) throw tooManyEndpoints(limit);
    throw error;
  }
  return { ...created, secret: row.secret };
}

export interface EndpointChanges {
  /** Checked by the caller against the key mode's URL rules. */
  url?: string;
  events?: string[];
  description?: string | null;
  status?: WebhookEndpointRow["status"];
}

/** The fields of the public object that changed, as `{field: {from, to}}`. */
function changedFields(before: WebhookEndpoint, after: WebhookEndpoint) {
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  for (const field of ["url", "events", "description", "status", "disabled_reason"] as const) {
    if (JSON.stringify(before[field]) !== JSON.stringify(after[field])) {
      changes[field] = { from: before[field], to: after[field] };
    }
  }
  return changes;
}

/**
 * Changes an endpoint, with an `update` audit entry of the changed fields, in one batch. Enabling
 * a disabled endpoint clears `disabled_reason` and `failing_since` (its failures start over);
 * disabling it by request leaves `disabled_reason` null. Nothing is written (and no entry) when
 * every value sent equals the current one. Answers undefined when the company has no such endpoint.
 */
export async function updateWebhookEndpoint(
  db: Database,
  actor: Actor,
  id: string,
  changes: EndpointChanges,
): Promise<WebhookEndpoint | undefined> {
  return withOptimisticRetry(async () => {
    const row = await findRow(db, actor.companyId, id);
    if (!row) return undefined;
    const enabling = changes.status === "enabled" && row.status !== "enabled";
    const disabling = changes.status === "disabled" && row.status !== "disabled";
    const next: WebhookEndpointRow = {
      ...row,
      url: changes.url ?? row.url,
      events: changes.events ?? row.events,
      description: changes.description === undefined ? row.description : changes.description,
      status: changes.status ?? row.status,
      disabledReason: enabling || disabling ? null : row.disabledReason,
      failingSince: enabling ? null : row.failingSince,
    };
    const before = toWebhookEndpoint(row);
    const changed = changedFields(before, toWebhookEndpoint(next));
    if (Object.keys(changed).length === 0 && !enabling) return before;

    const now = nowIso();
    next.updatedAt = now;
    await runBatch(db, [
      auditEndpointChange(actor, row, { action: "update", changes: changed, createdAt: now }),
      db
        .update(webhookEndpoints)
        .set({
          url: next.url,
          events: next.events,
          description: next.description,
          status: next.status,
          disabledReason: next.disabledReason,
          failingSince: next.failingSince,
          updatedAt: now,
        })
        .where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.companyId, actor.companyId))),
    ]);
    return toWebhookEndpoint(next);
  });
}

/**
 * Deletes an endpoint and its pending deliveries (succeeded and failed ones stay, as history),
 * with a `delete` audit entry holding the endpoint, in one batch. False when the company has no
 * such endpoint (also when a concurrent request deleted it first).
 */
export async function deleteWebhookEndpoint(db: Database, actor: Actor, id: string): Promise<boolean> {
  return withOptimisticRetry(async () => {
    const row = await findRow(db, actor.companyId, id);
    if (!row) return false;
    const now = nowIso();
    await runBatch(db, [
      auditEndpointChange(actor, row, { action: "delete", changes: toWebhookEndpoint(row), createdAt: now }),
      db
        .delete(webhookDeliveries)
        .where(
          and(
            eq(webhookDeliveries.companyId, actor.companyId),
            eq(webhookDeliveries.endpointId, id),
            eq(webhookDeliveries.status, "pending"),
          ),
        ),
      db.delete(webhookEndpoints).where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.companyId, actor.companyId))),
    ]);
    return true;
  });
}

/**
 * Gives an endpoint a new secret. With a grace period the old one keeps signing beside it until
 * `now + graceHours`; without one it stops at once. One batch with an `update` audit entry that
 * names the change but holds neither secret. Answers the endpoint with its new secret, or
 * undefined when the company has no such endpoint.
 */
export async function rollWebhookSecret(
  db: Database,
  actor: Actor,
  id: string,
  graceHours: number,
): Promise<NewWebhookEndpoint | undefined> {
  return withOptimisticRetry(async () => {
    const row = await findRow(db, actor.companyId, id);
    if (!row) return undefined;
    const now = nowIso();
    const secret = generateWebhookSecret();
    const kept = secretRoll(row.secret, graceHours, now);
    const changes = {
      secret: { from: "[redacted]", to: "[redacted]" },
      previous_secret_expires_at: { from: row.previousSecretExpiresAt, to: kept.previousSecretExpiresAt },
    };
    await runBatch(db, [
      auditEndpointChange(actor, row, { action: "update", changes, createdAt: now }),
      db
        .update(webhookEndpoints)
        .set({ secret, ...kept, updatedAt: now })
        .where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.companyId, actor.companyId))),
    ]);
    return { ...toWebhookEndpoint({ ...row, updatedAt: now }), secret };
  });
}
