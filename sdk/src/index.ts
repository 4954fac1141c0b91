// The Inventory Manager API's TypeScript client: openapi-fetch typed by the generated
// `schema.ts`, with what every caller otherwise writes by hand — an Idempotency-Key on every POST
// (the same one on its retries), waiting Retry-After on 429 and 503 (bounded), cursor iteration
// over any list, errors as exceptions, and webhook signature verification.
import createFetchClient, { type Client, type Middleware } from "openapi-fetch";
import { Webhook } from "standardwebhooks";
import type { components, paths } from "./schema.ts";

export type { components, paths, webhooks } from "./schema.ts";
export type Schemas = components["schemas"];
export type Event = Schemas["Event"];
export type ErrorCode = Schemas["Error"]["error"]["code"];

/** An error answer of the API (or, with status 0, no answer at all), as an exception. */
export class InventoryApiError extends Error {
  readonly status: number;
  readonly code: ErrorCode | "network_error";
  readonly field: string | null;
  readonly request_id: string | null;
  /** Seconds the API asked to wait before a retry (429, 503), if it said. */
  readonly retryAfter: number | null;

  constructor(status: number, code: ErrorCode | "network_error", message: string, field: string | null, requestId: string | null, retryAfter: number | null) {
    super(message);
    this.name = "InventoryApiError";
    this.status = status;
    this.code = code;
    this.field = field;
    this.request_id = requestId;
    this.retryAfter = retryAfter;
  }
}

export interface ClientOptions {
  /** `sk_live_…` or `sk_test_…`. */
  apiKey: string;
  /** Default `https://api.modulus-software.com`; `npm run dev` serves `http://127.0.0.1:8787`. */
  baseUrl?: string;
  /** Attempts in all for one call, the first included (default 3). */
  maxAttempts?: number;
  /** The longest single wait for Retry-After, in seconds (default 60): a longer one is not waited, the error is thrown. */
  maxRetryWaitSeconds?: number;
  /** Another fetch (tests, proxies). */
  fetch?: typeof fetch;
  /** How to wait (tests). */
  sleep?: (ms: number) => Promise<void>;
}

const RETRIED_STATUSES = new Set([429, 503]);

function retryAfterSeconds(response: Response): number | null {
  const value = response.headers.get("Retry-After");
  if (value === null || !/^\d+$/.test(value)) return null;
  return Number(value);
}

async function toError(response: Response): Promise<InventoryApiError> {
  const text = await response.text();
  let body: { error?: { code?: ErrorCode; message?: string; field?: string | null; request_id?: string } } = {};
  try {
    body = JSON.parse(text);
  } catch {}
  const error = body.error;
  return new InventoryApiError(
    response.status,
    error?.code ?? "internal_error",
    error?.message ?? `HTTP ${response.status}`,
    error?.field ?? null,
    error?.request_id ?? response.headers.get("Request-Id"),
    retryAfterSeconds(response),
  );
}

/**
 * fetch with the client's rules: a POST gets an Idempotency-Key unless it has one, and keeps it
 * on every retry; a 429 or 503 with Retry-After (at most `maxRetryWaitSeconds`) is retried after
 * that wait, and a failed connection after a short backoff, up to `maxAttempts` attempts.
 */
function retryingFetch(options: Required<Pick<ClientOptions, "maxAttempts" | "maxRetryWaitSeconds" | "sleep">> & { fetch: typeof fetch }) {
  return async (input: Request): Promise<Response> => {
    const template = input.clone();
    if (template.method === "POST" && !template.headers.has("Idempotency-Key")) {
      template.headers.set("Idempotency-Key", crypto.randomUUID());
    }
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      try {
        response = await options.fetch(template.clone());
      } catch (error) {
        if (attempt >= options.maxAttempts) {
          throw new InventoryApiError(0, "network_error", `The request failed: ${String(error)}`, null, null, null);
        }
        await options.sleep(Math.min(250 * 2 ** attempt, options.maxRetryWaitSeconds * 1000));
        continue;
      }
      if (!RETRIED_STATUSES.has(response.status) || attempt >= options.maxAttempts) return response;
      const wait = retryAfterSeconds(response) ?? (response.status === 503 ? 1 : null);
      if (wait === null || wait > options.maxRetryWaitSeconds) return response;
      await response.body?.cancel();
      await options.sleep(wait * 1000);
    }
  };
}

/** Turns every error answer into an InventoryApiError, thrown from the call. */
const throwOnError: Middleware = {
  async onResponse({ response }) {
    if (!response.ok) throw await toError(response);
    return undefined;
  },
};

type ListPath = {
  [P in keyof paths]: paths[P] extends { get: { responses: { 200: { content: { "application/json": { data: unknown[]; pagination: unknown } } } } } } ? P : never;
}[keyof paths];
type ListQuery<P extends ListPath> = NonNullable<paths[P]["get"]["parameters"]["query"]>;
type ListItem<P extends ListPath> = paths[P]["get"]["responses"][200]["content"]["application/json"]["data"][number];
type PathParams<P extends ListPath> = paths[P]["get"]["parameters"] extends { path: infer T } ? (T extends Record<string, string> ? T : never) : never;

export interface InventoryClient extends Client<paths> {
  /**
   * Every object of a list, page after page by cursor (`starting_after` the last id seen), for
   * any list path: `for await (const order of client.list("/v1/orders", { status: "submitted" }))`.
   */
  list<P extends ListPath>(path: P, query?: Omit<ListQuery<P>, "offset" | "starting_after" | "ending_before">, pathParams?: PathParams<P>): AsyncIterable<ListItem<P>>;
  items: { list(query?: Omit<ListQuery<"/v1/items">, "offset" | "starting_after" | "ending_before">): AsyncIterable<ListItem<"/v1/items">> };
  transactions: { list(query?: Omit<ListQuery<"/v1/transactions">, "offset" | "starting_after" | "ending_before">): AsyncIterable<ListItem<"/v1/transactions">> };
  orders: { list(query?: Omit<ListQuery<"/v1/orders">, "offset" | "starting_after" | "ending_before">): AsyncIterable<ListItem<"/v1/orders">> };
  events: { list(query?: Omit<ListQuery<"/v1/events">, "offset" | "starting_after" | "ending_before">): AsyncIterable<ListItem<"/v1/events">> };
}

/**
 * A client for the API. Its `GET`, `POST`, `PATCH` and `DELETE` are openapi-fetch's, typed by
 * path and operation; an error answer is thrown as an InventoryApiError, so `data` is the answer.
 */
export function createClient(options: ClientOptions): InventoryClient {
  const client = createFetchClient<paths>({
    baseUrl: (options.baseUrl ?? "https://api.modulus-software.com").replace(/\/$/, ""),
    headers: { Authorization: `Bearer ${options.apiKey}` },
    fetch: retryingFetch({
      fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
      maxAttempts: options.maxAttempts ?? 3,
      maxRetryWaitSeconds: options.maxRetryWaitSeconds ?? 60,
      sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    }),
  });
  client.use(throwOnError);

  async function* list(path: string, query: Record<string, unknown> = {}, pathParams?: Record<string, string>) {
    let after: string | undefined;
    for (;;) {
      const get = client.GET as (path: string, init: object) => Promise<{ data?: { data: { id: string }[]; pagination: { has_more: boolean } } }>;
      const { data: page } = await get(path, {
        params: { query: { limit: 100, ...query, ...(after === undefined ? {} : { starting_after: after }) }, path: pathParams },
      });
      if (!page) return;
      yield* page.data;
      if (!page.pagination.has_more || page.data.length === 0) return;
      after = page.data[page.data.length - 1]!.id;
    }
  }
  const lister = <P extends ListPath>(path: P) => ({ list: (query?: object) => list(path, query as Record<string, unknown>) as AsyncIterable<ListItem<P>> });
  return Object.assign(client, {
    list: list as InventoryClient["list"],
    items: lister("/v1/items"),
    transactions: lister("/v1/transactions"),
    orders: lister("/v1/orders"),
    events: lister("/v1/events"),
  });
}

/**
 * Verifies a webhook delivery's Standard Webhooks signature (`webhook-id`, `webhook-timestamp`,
 * `webhook-signature`; either secret of a roll's grace period) against the endpoint's `whsec_…`
 * secret and the raw body, and answers the event. Throws when the signature or timestamp (more
 * than 5 minutes off) is wrong.
 */
export function verifyWebhook(rawBody: string, headers: Headers | Record<string, string | undefined>, secret: string): Event {
  const get = (name: string) => (headers instanceof Headers ? headers.get(name) : (headers[name] ?? headers[name.toLowerCase()])) ?? "";
  return new Webhook(secret).verify(rawBody, {
    "webhook-id": get("webhook-id"),
    "webhook-timestamp": get("webhook-timestamp"),
    "webhook-signature": get("webhook-signature"),
  }) as Event;
}
