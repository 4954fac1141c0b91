// Drives one scenario with autocannon at a fixed concurrency for a fixed time, and measures it:
// requests per second, latency percentiles (from autocannon's per-response times, in fractional
// milliseconds) and errors (connection errors, timeouts, and answers with another status than
// the scenario expects: 2xx unless said otherwise). Timeouts: 30 s.
import autocannon from "autocannon";

export interface RequestSpec {
  method: "GET" | "POST";
  path: string;
  body?: unknown;
}

export interface Target {
  url: string;
  /** An API key for the next request; undefined for unauthenticated requests. */
  key?: () => string;
}

export interface Measurement {
  requests: number;
  seconds: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  mean: number;
  errors: number;
  statuses: Record<string, number>;
  /** What the connection errors and timeouts were (code or message, with counts). */
  errorKinds: Record<string, number>;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export async function drive(
  target: Target,
  next: () => RequestSpec,
  options: { connections: number; seconds: number; expectStatus?: (status: number) => boolean },
): Promise<Measurement> {
  const expected = options.expectStatus ?? ((status: number) => status >= 200 && status < 300);
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let unexpected = 0;
  const errorKinds: Record<string, number> = {};
  const instance = autocannon({
    url: target.url,
    connections: options.connections,
    duration: options.seconds,
    timeout: 30,
    renderProgressBar: false,
    renderResultsTable: false,
    requests: [
      {
        setupRequest(request) {
          const spec = next();
          const headers: Record<string, string> = {};
          if (target.key) headers.Authorization = `Bearer ${target.key()}`;
          if (spec.body !== undefined) headers["Content-Type"] = "application/json";
          return {
            ...request,
            method: spec.method,
            path: spec.path,
            headers,
            body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
          };
        },
      },
    ],
  });
  instance.on("response", (_client: unknown, status: number, _bytes: number, time: number) => {
    latencies.push(time);
    statuses[status] = (statuses[status] ?? 0) + 1;
    if (!expected(status)) unexpected++;
  });
  instance.on("reqError", (error: Error & { code?: string }) => {
    const kind = error?.code ?? error?.message ?? String(error);
    errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
  });
  const start = performance.now();
  const result = await instance;
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    seconds,
    rps: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p90: percentile(latencies, 90),
    p99: percentile(latencies, 99),
    mean: latencies.reduce((sum, value) => sum + value, 0) / Math.max(1, latencies.length),
    // autocannon's `errors` are connection errors, timeouts included.
    errors: unexpected + result.errors,
    statuses,
    errorKinds,
  };
}

/**
 * API keys to stay under the per-key limit (Enterprise: 1,000 requests a clock minute): keys are
 * used one after another, each for at most `perMinute` requests in the current clock minute, so
 * that (like a single client) only one key is hot at a time. `perMinute` stays well below the
 * limit so that requests in flight across a minute boundary cannot push a key over it.
 */
export class KeyPool {
  readonly #keys: string[] = [];
  #counts: number[] = [];
  #minute = -1;
  #index = 0;
  /** Requests that found every key used up this minute (they were sent with the last key). */
  exhausted = 0;

  readonly perMinute: number;

  constructor(perMinute: number) {
    this.perMinute = perMinute;
  }

  get size(): number {
    return this.#keys.length;
  }

  add(keys: string[]): void {
    this.#keys.push(...keys);
    this.#counts.push(...keys.map(() => 0));
  }

  take = (): string => {
    const minute = Math.floor(Date.now() / 60_000);
    if (minute !== this.#minute) {
      this.#minute = minute;
      this.#counts = this.#keys.map(() => 0);
      this.#index = 0;
    }
    while (this.#index < this.#keys.length - 1 && this.#counts[this.#index]! >= this.perMinute) this.#index++;
    if (this.#counts[this.#index]! >= this.perMinute) this.exhausted++;
    this.#counts[this.#index]!++;
    return this.#keys[this.#index]!;
  };
}
