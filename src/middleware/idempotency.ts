import { createMiddleware } from "hono/factory";
import {
  claimIdempotencyKey,
  findIdempotencyRecord,
  releaseIdempotencyKey,
  saveIdempotentResponse,
  takeOverIdempotencyKey,
  type IdempotencyRecord,
} from "../db/idempotency.ts";
import { DAY_MS, nowIso, nowMs } from "../lib/clock.ts";
import { uploadOf } from "../imports/upload.ts";
import { ApiError } from "../lib/errors.ts";
import { sha256Hex } from "../lib/sha256.ts";
import type { AppEnv } from "../types.ts";

const KEY_PATTERN = /^[\x20-\x7E]{1,255}$/;
/** A record whose request has not finished after this long is taken to be abandoned (a crash). */
const ABANDONED_AFTER_MS = 60_000;
/** How long a retry waits for the first request to finish before answering 409. */
const WAIT_MS = 1_000;
const POLL_MS = 25;
/**
 * Answers that are not stored, so that a retry runs again: validation failures (400, 413, 415),
 * refusals that say nothing ran (401, 403, and 429 — a limit that resets, so a stored copy would
 * keep failing after it did), 404 and 405 (an unknown path or resource) and 5xx.
 */
const NOT_STORED = new Set([400, 401, 403, 404, 405, 413, 415, 429]);

/** What an answer shows once and its stored copy never holds. */
const SHOWN_ONCE = ["secret", "invitation_url"];

/**
 * The stored copy of an answer never holds an API key's plaintext (`secret`, shown once when a
 * key is created or rolled) nor a set-password link (`invitation_url`): a replay answers null.
 */
function withoutSecret(body: string): string {
  if (!SHOWN_ONCE.some((field) => body.includes(`"${field}"`))) return body;
  const parsed = JSON.parse(body) as Record<string, unknown>;
  let changed = false;
  for (const field of SHOWN_ONCE) {
    if (typeof parsed[field] === "string") {
      parsed[field] = null;
      changed = true;
    }
  }
  return changed ? JSON.stringify(parsed) : body;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function replay(record: IdempotencyRecord): Response {
  const status = record.responseStatus!;
  const body = record.responseBody || null;
  return new Response(body, {
    status,
    headers: {
      ...(body === null ? {} : { "Content-Type": "application/json" }),
      "Idempotent-Replayed": "true",
    },
  });
}

/**
 * `Idempotency-Key` on any POST, scoped to the company: the first request with a key runs and its
 * answer is stored for 24 hours; a retry with the same method, path and body gets that answer
 * again; the same key with a different request is a 422; a retry while the first still runs waits
 * for it briefly, then 409.
 */
export const idempotency = createMiddleware<AppEnv>(async (c, next) => {
  const key = c.req.header("Idempotency-Key");
  if (c.req.method !== "POST" || key === undefined) return next();
  if (!KEY_PATTERN.test(key)) {
    throw new ApiError(
      "invalid_request",
      "The 'Idempotency-Key' header must be 1–255 printable ASCII characters.",
      "Idempotency-Key",
    );
  }
  const { db } = c.var;
  const { companyId } = c.get("auth");
  const url = new URL(c.req.url);
  // An import's file (up to 50 MiB) is already in R2: it is fingerprinted by the SHA-256 found on the way.
  const upload = uploadOf(c);
  const body = upload ? `sha256:${upload.sha256}` : await c.req.text();
  const fingerprint = await sha256Hex(`POST ${url.pathname}${url.search}\n${body}`);

  // Waiting is real time, not the (injectable) clock that dates the records.
  const deadline = Date.now() + WAIT_MS;
  let createdAt: string;
  for (;;) {
    createdAt = nowIso();
    const found = await claimIdempotencyKey(db, { companyId, key, fingerprint, createdAt });
    if (found === true) break;
    const age = nowMs() - Date.parse(found.createdAt);
    const stale = age >= DAY_MS || (found.responseStatus === null && age >= ABANDONED_AFTER_MS);
    if (stale && (await takeOverIdempotencyKey(db, found, fingerprint, createdAt))) break;
    if (stale) continue;
    if (found.fingerprint !== fingerprint) {
      throw new ApiError(
        "idempotency_key_reused",
        "This Idempotency-Key was already used for a different request.",
        "Idempotency-Key",
      );
    }
    if (found.responseStatus !== null) return replay(found);
    // The first request is still running: wait for its answer, for a short while.
    while (Date.now() < deadline) {
      await sleep(POLL_MS);
      const current = await findIdempotencyRecord(db, companyId, key);
      if (current?.fingerprint === fingerprint && current.responseStatus !== null) return replay(current);
      if (!current) break;
    }
    if (Date.now() >= deadline) {
      throw new ApiError(
        "idempotency_key_in_use",
        "A request with this Idempotency-Key is still being processed; retry shortly.",
        "Idempotency-Key",
      );
    }
  }

  await next();
  const status = c.res.status;
  const claim = { companyId, key, createdAt };
  if (status >= 500 || NOT_STORED.has(status)) {
    await releaseIdempotencyKey(db, claim);
  } else {
    await saveIdempotentResponse(db, claim, { status, body: withoutSecret(await c.res.clone().text()) });
  }
});
