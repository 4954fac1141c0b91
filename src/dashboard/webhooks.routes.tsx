// Settings → Webhooks (admins, as the API's /v1/webhook_endpoints and /v1/webhook_deliveries):
// each action is the API's db function with the API's schemas and URL rules; the endpoint cache
// of this instance is forgotten after a change, as the API's handlers do.
import { Hono, type Context } from "hono";
import { listDeliveries, retryDelivery } from "../db/webhook-deliveries.ts";
import {
  deleteWebhookEndpoint,
  findWebhookEndpoint,
  insertWebhookEndpoint,
  listWebhookEndpoints,
  rollWebhookSecret,
  updateWebhookEndpoint,
} from "../db/webhook-endpoints.ts";
import { cannotRetry, toWebhookDelivery } from "../domain/webhook-deliveries.ts";
import {
  assertWebhookUrl,
  CreateWebhookEndpointBodySchema,
  RollWebhookSecretBodySchema,
  UpdateWebhookEndpointBodySchema,
  type WebhookEndpoint,
} from "../domain/webhook-endpoints.ts";
import { forgetWebhookEndpoints } from "../middleware/dispatch-events.ts";
import { deliveriesQueue, enqueueAttempts } from "../webhooks/queue.ts";
import { attempt, readForm, zodFieldErrors, type FieldErrors, type FormValues } from "./forms.ts";
import { allow } from "./guards.tsx";
import { ErrorPage } from "./pages/errors.tsx";
import { ENDPOINT_FORM_LABELS, EndpointPage, WEBHOOKS_PATH, WebhooksPage } from "./pages/webhooks.tsx";
import { page } from "./render.ts";
import { actorOf } from "./settings.routes.tsx";
import type { DashboardEnv } from "./types.ts";

type DashboardContext = Context<DashboardEnv>;
type Status = 200 | 201 | 400 | 404 | 409 | 429;

const RECENT = { limit: 25 };

async function webhooksPage(
  c: DashboardContext,
  extra: { values?: FormValues; errors?: FieldErrors; created?: { url: string; secret: string; rolled: boolean }; notice?: string } = {},
  status: Status = 200,
) {
  const companyId = c.get("viewer").company.id;
  const [endpoints, deliveries] = await Promise.all([
    listWebhookEndpoints(c.get("db"), companyId, { limit: 100, offset: 0 }),
    listDeliveries(c.get("db"), companyId, {}, RECENT),
  ]);
  return page(
    c,
    <WebhooksPage viewer={c.get("viewer")} endpoints={endpoints.rows} total={endpoints.total} deliveries={deliveries.rows.map(toWebhookDelivery)} {...extra} />,
    status,
  );
}

async function endpointPage(c: DashboardContext, endpoint: WebhookEndpoint, extra: { values?: FormValues; errors?: FieldErrors } = {}, status: Status = 200) {
  const deliveries = await listDeliveries(c.get("db"), c.get("viewer").company.id, { endpointId: endpoint.id }, RECENT);
  return page(c, <EndpointPage viewer={c.get("viewer")} endpoint={endpoint} deliveries={deliveries.rows.map(toWebhookDelivery)} {...extra} />, status);
}

/** The form's values as an API body: events split at commas or spaces. */
function endpointBody(form: FormValues) {
  const values = { url: form.url ?? "", events: form.events ?? "", description: form.description ?? "" };
  const events = values.events.split(/[\s,]+/).filter(Boolean);
  return { values, body: { url: values.url.trim(), events, description: values.description.trim() === "" ? null : values.description } };
}

const noSuchEndpoint = (c: DashboardContext) => page(c, <ErrorPage viewer={c.get("viewer")} title="No such endpoint" message="There is no such webhook endpoint." />, 404);

function setStatus(status: "enabled" | "disabled") {
  return async (c: DashboardContext) => {
    const result = await attempt(() => updateWebhookEndpoint(c.get("db"), actorOf(c), c.req.param("id")!, { status }), {});
    if (!result.ok) return webhooksPage(c, { errors: result.errors }, result.status as Status);
    if (!result.value) return noSuchEndpoint(c);
    forgetWebhookEndpoints(c.get("viewer").company.id);
    return c.redirect(`${WEBHOOKS_PATH}?notice=${status}`, 303);
  };
}

export const webhooksRoutes = new Hono<DashboardEnv>()
  .get("/settings/webhooks", allow(["GET", "/v1/webhook_endpoints"]), (c) => webhooksPage(c, { notice: c.req.query("notice") }))
  .post("/settings/webhooks", allow(["POST", "/v1/webhook_endpoints"]), async (c) => {
    const { values, body } = endpointBody(await readForm(c));
    const parsed = CreateWebhookEndpointBodySchema.safeParse(body);
    if (!parsed.success) return webhooksPage(c, { values, errors: zodFieldErrors(parsed.error, ENDPOINT_FORM_LABELS, eventRenames(parsed.error)) }, 400);
    const result = await attempt(async () => {
      assertWebhookUrl(parsed.data.url, c.get("keyMode"));
      return insertWebhookEndpoint(c.get("db"), actorOf(c), c.get("viewer").company.plan, parsed.data);
    }, ENDPOINT_FORM_LABELS);
    if (!result.ok) return webhooksPage(c, { values, errors: result.errors }, result.status as Status);
    forgetWebhookEndpoints(c.get("viewer").company.id);
    return webhooksPage(c, { created: { url: result.value.url, secret: result.value.secret!, rolled: false } }, 201);
  })
  .get("/settings/webhooks/:id", allow(["GET", "/v1/webhook_endpoints/:id"]), async (c) => {
    const endpoint = await findWebhookEndpoint(c.get("db"), c.get("viewer").company.id, c.req.param("id"));
    return endpoint ? endpointPage(c, endpoint) : noSuchEndpoint(c);
  })
  .post("/settings/webhooks/:id", allow(["PATCH", "/v1/webhook_endpoints/:id"]), async (c) => {
    const form = await readForm(c);
    const endpoint = await findWebhookEndpoint(c.get("db"), c.get("viewer").company.id, c.req.param("id"));
    if (!endpoint) return noSuchEndpoint(c);
    const { values, body } = endpointBody(form);
    const parsed = UpdateWebhookEndpointBodySchema.safeParse(body);
    if (!parsed.success) return endpointPage(c, endpoint, { values, errors: zodFieldErrors(parsed.error, ENDPOINT_FORM_LABELS, eventRenames(parsed.error)) }, 400);
    const result = await attempt(async () => {
      if (parsed.data.url !== undefined) assertWebhookUrl(parsed.data.url, c.get("keyMode"));
      return updateWebhookEndpoint(c.get("db"), actorOf(c), endpoint.id, parsed.data);
    }, ENDPOINT_FORM_LABELS);
    if (!result.ok) return endpointPage(c, endpoint, { values, errors: result.errors }, result.status as Status);
    if (!result.value) return noSuchEndpoint(c);
    forgetWebhookEndpoints(c.get("viewer").company.id);
    return c.redirect(`${WEBHOOKS_PATH}?notice=saved`, 303);
  })
  .post("/settings/webhooks/:id/enable", allow(["PATCH", "/v1/webhook_endpoints/:id"]), setStatus("enabled"))
  .post("/settings/webhooks/:id/disable", allow(["PATCH", "/v1/webhook_endpoints/:id"]), setStatus("disabled"))
  .post("/settings/webhooks/:id/roll", allow(["POST", "/v1/webhook_endpoints/:id/roll_secret"]), async (c) => {
    const form = await readForm(c);
    const parsed = RollWebhookSecretBodySchema.safeParse({ expires_in_hours: Number(form.expires_in_hours ?? "0") });
    if (!parsed.success) return webhooksPage(c, { errors: { "": "Choose one of the grace periods offered." } }, 400);
    const result = await attempt(() => rollWebhookSecret(c.get("db"), actorOf(c), c.req.param("id")!, parsed.data.expires_in_hours ?? 0), {});
    if (!result.ok) return webhooksPage(c, { errors: result.errors }, result.status as Status);
    if (!result.value) return noSuchEndpoint(c);
    return webhooksPage(c, { created: { url: result.value.url, secret: result.value.secret!, rolled: true } }, 201);
  })
  .post("/settings/webhooks/:id/delete", allow(["DELETE", "/v1/webhook_endpoints/:id"]), async (c) => {
    const deleted = await deleteWebhookEndpoint(c.get("db"), actorOf(c), c.req.param("id")!);
    if (!deleted) return noSuchEndpoint(c);
    forgetWebhookEndpoints(c.get("viewer").company.id);
    return c.redirect(`${WEBHOOKS_PATH}?notice=deleted`, 303);
  })
  .post("/settings/webhooks/deliveries/:id/retry", allow(["POST", "/v1/webhook_deliveries/:id/retry"]), async (c) => {
    const result = await attempt(async () => {
      const retried = await retryDelivery(c.get("db"), c.get("viewer").company.id, c.req.param("id")!);
      if (retried && typeof retried === "string") throw cannotRetry(retried);
      return retried;
    }, {});
    if (!result.ok) return webhooksPage(c, { errors: result.errors }, result.status as Status);
    if (!result.value) return page(c, <ErrorPage viewer={c.get("viewer")} title="No such delivery" message="There is no such webhook delivery." />, 404);
    const { delivery } = result.value;
    await enqueueAttempts(deliveriesQueue(c.env), [{ deliveryId: delivery.id, attempt: delivery.attempts + 1 }]);
    return c.redirect(`${WEBHOOKS_PATH}?notice=retried`, 303);
  });

/** `events[2]` (one pattern of the list) is shown beside the Events field. */
function eventRenames(error: import("@hono/zod-openapi").z.ZodError): Record<string, string> {
  const rename: Record<string, string> = {};
  for (const issue of error.issues) {
    if (issue.path[0] === "events" && issue.path.length > 1) rename[`events[${String(issue.path[1])}]`] = "events";
  }
  return rename;
}
