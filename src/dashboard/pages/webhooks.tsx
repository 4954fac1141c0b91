// Settings → Webhooks (admins): the endpoints (create with the signing secret shown once, edit,
// enable / disable, roll the secret with a grace period, delete) and the recent deliveries with
// their status and a retry for the failed ones.
import { MAX_SECRET_GRACE_HOURS } from "../../domain/webhook-endpoints.ts";
import type { WebhookEndpoint } from "../../domain/webhook-endpoints.ts";
import type { WebhookDelivery } from "../../domain/webhook-deliveries.ts";
import type { FieldErrors, FormValues } from "../forms.ts";
import { AppPage, Field, FormError, formatTime, Notice, ShownOnce } from "../layout.tsx";
import { DASHBOARD_PATH } from "../paths.ts";
import type { Viewer } from "../types.ts";

export const WEBHOOKS_PATH = `${DASHBOARD_PATH}/settings/webhooks`;
export const ENDPOINT_FORM_LABELS = { url: "URL", events: "Events", description: "Description" };

const GRACE_OPTIONS = [
  ["0", "Old secret stops now"],
  ["24", "Old secret: 1 more day"],
  [String(MAX_SECRET_GRACE_HOURS), "Old secret: 7 more days"],
] as const;

const NOTICES: Record<string, string> = {
  saved: "The endpoint's changes are saved.",
  enabled: "The endpoint is enabled: it gets deliveries again.",
  disabled: "The endpoint is disabled: it gets no deliveries.",
  deleted: "The endpoint is deleted.",
  retried: "The delivery is sent again now.",
};

function DeliveryStatus({ status }: { status: WebhookDelivery["status"] }) {
  const kind = status === "succeeded" ? "badge badge-ok" : status === "failed" ? "badge badge-danger" : "badge badge-accent";
  return <span class={kind}>{status}</span>;
}

function EndpointFields({ values, errors }: { values?: FormValues; errors?: FieldErrors }) {
  return (
    <>
      <Field name="url" label="URL" type="url" required maxlength={2048} values={values} errors={errors} hint="https:// with a public host (test mode: also http://127.0.0.1)." />
      <Field name="events" label="Events" required values={values} errors={errors} hint="Comma-separated: item.low_stock, order.*, or * for all." />
      <Field name="description" label="Description" maxlength={500} values={values} errors={errors} hint="Optional." />
    </>
  );
}

export function Deliveries({ deliveries, endpointUrls }: { deliveries: WebhookDelivery[]; endpointUrls?: Map<string, string> }) {
  if (deliveries.length === 0) return <p class="muted">No deliveries yet.</p>;
  return (
    <div class="table-wrap" tabindex={0}>
      <table>
        <thead>
          <tr>
            <th scope="col">Created</th>
            <th scope="col">Event</th>
            {endpointUrls && <th scope="col">Endpoint</th>}
            <th scope="col">Status</th>
            <th scope="col" class="num">Attempts</th>
            <th scope="col">Last answer</th>
            <th scope="col"><span class="sr-only">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {deliveries.map((delivery) => (
            <tr>
              <td>{formatTime(delivery.created_at)}</td>
              <td class="mono">{delivery.event_type ?? "—"}</td>
              {endpointUrls && <td class="wrap">{endpointUrls.get(delivery.endpoint_id) ?? delivery.endpoint_id}</td>}
              <td>
                <DeliveryStatus status={delivery.status} />
              </td>
              <td class="num">{delivery.attempts}</td>
              <td class="wrap">
                {delivery.last_status_code ?? ""} {delivery.last_error ?? (delivery.last_attempt_at ? "" : <span class="muted">Not sent yet</span>)}
              </td>
              <td class="actions">
                {delivery.status === "failed" && (
                  <form method="post" action={`${WEBHOOKS_PATH}/deliveries/${delivery.id}/retry`}>
                    <button class="button button-secondary button-small" type="submit" aria-label={`Retry the delivery of ${formatTime(delivery.created_at)}`}>Retry</button>
                  </form>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function WebhooksPage(props: {
  viewer: Viewer;
  endpoints: WebhookEndpoint[];
  total: number;
  deliveries: WebhookDelivery[];
  values?: FormValues;
  errors?: FieldErrors;
  created?: { url: string; secret: string; rolled: boolean };
  notice?: string;
}) {
  const notice = props.notice ? NOTICES[props.notice] : undefined;
  const urls = new Map(props.endpoints.map((endpoint) => [endpoint.id, endpoint.url]));
  return (
    <AppPage viewer={props.viewer} title="Webhooks" current={WEBHOOKS_PATH} subtitle="Endpoints that receive your company's events, signed with their secret. Only admins see this page.">
      {props.created && (
        <ShownOnce id="webhook-secret" label={props.created.rolled ? `New signing secret for ${props.created.url}` : `Signing secret for ${props.created.url}`} value={props.created.secret}>
          <p>Copy it now: it is shown this once. Verify each delivery's signature with it (Standard Webhooks).</p>
        </ShownOnce>
      )}
      {notice && (
        <Notice kind="ok">
          <p>{notice}</p>
        </Notice>
      )}
      <FormError errors={props.errors} />
      <section class="card" aria-labelledby="new-endpoint">
        <h2 id="new-endpoint">Add an endpoint</h2>
        <form class="inline-fields" method="post" action={WEBHOOKS_PATH} novalidate>
          <EndpointFields values={props.values} errors={props.errors} />
          <div class="form-actions field">
            <span class="sr-only">Add</span>
            <button class="button" type="submit">Add endpoint</button>
          </div>
        </form>
      </section>
      <section class="card" aria-labelledby="endpoints">
        <h2 id="endpoints">Endpoints ({props.total})</h2>
        {props.endpoints.length === 0 ? (
          <p class="muted">No endpoints yet.</p>
        ) : (
          <div class="table-wrap" tabindex={0}>
            <table>
              <thead>
                <tr>
                  <th scope="col">URL</th>
                  <th scope="col">Events</th>
                  <th scope="col">Status</th>
                  <th scope="col"><span class="sr-only">Actions</span></th>
                </tr>
              </thead>
              <tbody>
                {props.endpoints.map((endpoint) => {
                  const path = `${WEBHOOKS_PATH}/${endpoint.id}`;
                  const enabled = endpoint.status === "enabled";
                  return (
                    <tr>
                      <td class="wrap">
                        <a href={path}>{endpoint.url}</a>
                        {endpoint.description && <p class="hint">{endpoint.description}</p>}
                      </td>
                      <td class="mono wrap-any">{endpoint.events.join(", ")}</td>
                      <td>
                        <span class={enabled ? "badge badge-ok" : "badge badge-warn"}>{endpoint.status}</span>
                        {endpoint.disabled_reason && <p class="hint">{endpoint.disabled_reason}</p>}
                      </td>
                      <td class="actions">
                        <form method="post" action={`${path}/${enabled ? "disable" : "enable"}`}>
                          <button class="button button-secondary button-small" type="submit" aria-label={`${enabled ? "Disable" : "Enable"} ${endpoint.url}`}>{enabled ? "Disable" : "Enable"}</button>
                        </form>
                        <form method="post" action={`${path}/roll`}>
                          <label class="sr-only" for={`grace-${endpoint.id}`}>Grace period for the old secret of {endpoint.url}</label>
                          <select id={`grace-${endpoint.id}`} name="expires_in_hours">
                            {GRACE_OPTIONS.map(([value, label]) => (
                              <option value={value}>{label}</option>
                            ))}
                          </select>
                          <button class="button button-secondary button-small" type="submit" aria-label={`Roll secret of ${endpoint.url}`}>Roll secret</button>
                        </form>
                        <form method="post" action={`${path}/delete`}>
                          <button class="button button-danger button-small" type="submit" aria-label={`Delete ${endpoint.url}`}>Delete</button>
                        </form>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section class="card" aria-labelledby="deliveries">
        <h2 id="deliveries">Recent deliveries</h2>
        <Deliveries deliveries={props.deliveries} endpointUrls={urls} />
      </section>
    </AppPage>
  );
}

export function EndpointPage(props: { viewer: Viewer; endpoint: WebhookEndpoint; deliveries: WebhookDelivery[]; values?: FormValues; errors?: FieldErrors }) {
  const { endpoint } = props;
  const values = props.values ?? { url: endpoint.url, events: endpoint.events.join(", "), description: endpoint.description ?? "" };
  return (
    <AppPage viewer={props.viewer} title="Webhook endpoint" current={WEBHOOKS_PATH} subtitle={<a href={WEBHOOKS_PATH}>← Webhooks</a>}>
      <FormError errors={props.errors} />
      <section class="card" aria-labelledby="edit-endpoint">
        <h2 id="edit-endpoint">Endpoint</h2>
        <form class="stack" method="post" action={`${WEBHOOKS_PATH}/${endpoint.id}`} novalidate>
          <EndpointFields values={values} errors={props.errors} />
          <div class="form-actions">
            <button class="button" type="submit">Save changes</button>
          </div>
        </form>
      </section>
      <section class="card" aria-labelledby="endpoint-deliveries">
        <h2 id="endpoint-deliveries">Recent deliveries</h2>
        <Deliveries deliveries={props.deliveries} />
      </section>
    </AppPage>
  );
}
