import { findDelivery, listDeliveries, retryDelivery } from "../../db/webhook-deliveries.ts";
import { notFound } from "../../domain/errors.ts";
import { cannotRetry, toWebhookDelivery, toWebhookDeliveryAttempt } from "../../domain/webhook-deliveries.ts";
import { paginate } from "../../lib/pagination.ts";
import type { AppRouteHandler } from "../../types.ts";
import { deliveriesQueue, enqueueAttempts } from "../../webhooks/queue.ts";
import type * as routes from "./webhook-deliveries.routes.ts";

const RESOURCE = "webhook delivery";

export const listWebhookDeliveries: AppRouteHandler<typeof routes.listWebhookDeliveries> = async (c) => {
  const { endpoint_id, event_id, status, ...page } = c.req.valid("query");
  const { rows, ...list } = await listDeliveries(
    c.get("db"),
    c.get("auth").companyId,
    { endpointId: endpoint_id, eventId: event_id, status },
    page,
  );
  return c.json(paginate(rows.map(toWebhookDelivery), list, page), 200);
};

export const getWebhookDelivery: AppRouteHandler<typeof routes.getWebhookDelivery> = async (c) => {
  const { id } = c.req.valid("param");
  const found = await findDelivery(c.get("db"), c.get("auth").companyId, id);
  if (!found) throw notFound(RESOURCE, id);
  return c.json({ ...toWebhookDelivery(found.delivery), attempt_history: found.attempts.map(toWebhookDeliveryAttempt) }, 200);
};

/**
 * Makes the delivery pending and enqueues its next attempt now. Should the enqueue fail, the
 * delivery is due now in D1 all the same, and the sweep sends it within a few minutes.
 */
export const retryWebhookDelivery: AppRouteHandler<typeof routes.retryWebhookDelivery> = async (c) => {
  const { id } = c.req.valid("param");
  const retried = await retryDelivery(c.get("db"), c.get("auth").companyId, id);
  if (!retried) throw notFound(RESOURCE, id);
  if (typeof retried === "string") throw cannotRetry(retried);
  const { delivery, attempts } = retried;
  await enqueueAttempts(deliveriesQueue(c.env), [{ deliveryId: delivery.id, attempt: delivery.attempts + 1 }]);
  return c.json({ ...toWebhookDelivery(delivery), attempt_history: attempts.map(toWebhookDeliveryAttempt) }, 200);
};
