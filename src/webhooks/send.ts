// Sending one delivery attempt: a POST of the event with its signed headers, a 2xx within 10 seconds
// being success. Redirects are failures and never followed (a receiver's URL must be its final
// one, and a redirect must not lead the Worker to a host the URL rules refuse).

/** What sends the request, and how long an answer may take: tests give their own receiver and time. */
interface Transport {
  fetch: (request: Request) => Promise<Response>;
  timeoutMs: number;
}

export const WEBHOOK_TIMEOUT_MS = 10_000;
export const USER_AGENT = "InventoryManager-Webhooks/1.0 (+https://api.modulus-software.com)";
/** `last_error` and an attempt's `error` are at most this long. */
export const MAX_ERROR_LENGTH = 500;

const DEFAULT_TRANSPORT: Transport = { fetch: (request) => fetch(request), timeoutMs: WEBHOOK_TIMEOUT_MS };
let transport: Transport = DEFAULT_TRANSPORT;

/** Replaces the transport (tests only: a receiver in the test, a shorter timeout); null restores the real one. */
export function setWebhookTransport(replacement: Partial<Transport> | null): void {
  transport = replacement === null ? DEFAULT_TRANSPORT : { ...DEFAULT_TRANSPORT, ...replacement };
}

export interface SendResult {
  succeeded: boolean;
  /** The HTTP status answered, or null when none came in time. */
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

export function truncateError(message: string): string {
  return message.length <= MAX_ERROR_LENGTH ? message : `${message.slice(0, MAX_ERROR_LENGTH - 1)}…`;
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} seconds` : `${ms} ms`;
}

/** POSTs `body` to `url` with `headers` (the signature's), and tells how it went. */
export async function sendWebhook(url: string, headers: Record<string, string>, body: string): Promise<SendResult> {
  const { fetch: send, timeoutMs } = transport;
  // Real time, not the injectable clock: how long the receiver took.
  const started = Date.now();
  const elapsed = () => Date.now() - started;
  let response: Response;
  try {
    response = await send(
      new Request(url, {
        method: "POST",
        headers: { ...headers, "content-type": "application/json", "user-agent": USER_AGENT },
        body,
        redirect: "manual",
        signal: AbortSignal.timeout(timeoutMs),
      }),
    );
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    const message = timedOut ? `No answer within ${seconds(timeoutMs)}.` : `The request failed: ${String(error instanceof Error ? error.message : error)}`;
    return { succeeded: false, statusCode: null, error: truncateError(message), durationMs: elapsed() };
  }
  const durationMs = elapsed();
  // Only the status matters: the body is not read.
  await response.body?.cancel().catch(() => undefined);
  const status = response.status;
  if (status >= 200 && status < 300) return { succeeded: true, statusCode: status, error: null, durationMs };
  let message = `The endpoint answered ${status}${response.statusText ? ` ${response.statusText}` : ""}; only a 2xx answer is success.`;
  if (status >= 300 && status < 400) {
    const location = response.headers.get("location");
    message = `The endpoint answered ${status}, a redirect${location ? ` to ${location}` : ""}: redirects are not followed, so give the endpoint its final URL.`;
  }
  return { succeeded: false, statusCode: status, error: truncateError(message), durationMs };
}
