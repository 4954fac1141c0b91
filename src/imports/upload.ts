// The body of `POST /v1/imports`: a CSV file of up to 50 MiB, streamed to R2 before anything
// else looks at it (the one route whose body is not JSON of at most 1 MiB). As the bytes pass,
// their SHA-256 (the request's idempotency fingerprint) and the file's rows are counted, so that
// the import knows its size at once and a file over the plan's rows is refused in the request.
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { MAX_IMPORT_BYTES } from "../domain/imports.ts";
import { RecordCounter } from "../lib/csv.ts";
import { ApiError } from "../lib/errors.ts";
import { newId } from "../lib/ids.ts";
import type { AppEnv } from "../types.ts";

export const IMPORTS_PATH = "/v1/imports";
const CSV_CONTENT_TYPE = /^(text\/csv|application\/csv|text\/plain)\s*(;|$)/i;

/** The uploaded file: where it is in R2, its size, its SHA-256 and its rows (the header included). */
export interface CsvUpload {
  importId: string;
  key: string;
  size: number;
  sha256: string;
  records: number;
  unclosedQuote: boolean;
  /** Set by the handler that made an import of it; otherwise the object is deleted after the answer. */
  claimed: boolean;
}

const uploads = new WeakMap<Request, CsvUpload>();

/** The upload of this request, if it is an import's. */
export function uploadOf(c: Context<AppEnv>): CsvUpload | undefined {
  return uploads.get(c.req.raw);
}

/** Whether this request is an import's upload (the JSON body rules do not apply to it). */
export function isCsvUpload(method: string, path: string): boolean {
  return method === "POST" && path === IMPORTS_PATH;
}

export function importBlobKey(companyId: string, importId: string): string {
  return `imports/${companyId}/${importId}.csv`;
}

const tooLarge = () => new ApiError("payload_too_large", "The CSV file must be at most 50 MiB.");

/**
 * Streams an import's file to R2 (after authentication and the role check, before idempotency,
 * which fingerprints the file by the SHA-256 found here). 415 for another content type, 413 past
 * 50 MiB (refused unread when Content-Length says so), 400 for an empty body.
 */
export const csvUpload = createMiddleware<AppEnv>(async (c, next) => {
  if (!isCsvUpload(c.req.method, c.req.path)) return next();
  if (!CSV_CONTENT_TYPE.test(c.req.header("Content-Type") ?? "")) {
    throw new ApiError("unsupported_media_type", "Send the file as CSV with 'Content-Type: text/csv'.");
  }
  const declared = c.req.header("Content-Length");
  const length = declared === undefined || c.req.header("Transfer-Encoding") ? undefined : Number.parseInt(declared, 10);
  if (length !== undefined && length > MAX_IMPORT_BYTES) throw tooLarge();
  const body = c.req.raw.body;
  if (body === null || length === 0) {
    throw new ApiError("invalid_request", "The request body must be a CSV file: a header row, then one item a row.");
  }

  const importId = newId("imp");
  const key = importBlobKey(c.get("auth").companyId, importId);
  const digest = new crypto.DigestStream("SHA-256");
  const digestWriter = digest.getWriter();
  const counter = new RecordCounter();
  let size = 0;
  const reader = body.getReader();
  const readChunk = async (): Promise<Uint8Array | null> => {
    const { done, value } = await reader.read();
    if (done) return null;
    size += value.byteLength;
    if (size > MAX_IMPORT_BYTES) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    counter.push(value);
    await digestWriter.write(value);
    return value;
  };

  if (length !== undefined) {
    // A known length: the bytes go to R2 as they arrive, never held whole.
    const { readable, writable } = new FixedLengthStream(length);
    const put = c.get("blobs").put(key, readable, { httpMetadata: { contentType: "text/csv; charset=utf-8" } });
    const writer = writable.getWriter();
    try {
      for (let chunk = await readChunk(); chunk; chunk = await readChunk()) await writer.write(chunk);
      await writer.close();
      await put;
    } catch (error) {
      await writer.abort(error).catch(() => {});
      await put.catch(() => {});
      throw error instanceof ApiError ? error : new ApiError("invalid_request", "The CSV file could not be read in full; send it again.");
    }
  } else {
    // A streamed body of unknown length (chunked): R2 needs the length, so it is collected first (at most 50 MiB).
    const chunks: Uint8Array[] = [];
    for (let chunk = await readChunk(); chunk; chunk = await readChunk()) chunks.push(chunk);
    if (size === 0) throw new ApiError("invalid_request", "The request body must be a CSV file: a header row, then one item a row.");
    await c.get("blobs").put(key, new Blob(chunks), { httpMetadata: { contentType: "text/csv; charset=utf-8" } });
  }
  await digestWriter.close();
  const sha256 = [...new Uint8Array(await digest.digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  const { count, unclosedQuote } = counter.end();
  const upload: CsvUpload = { importId, key, size, sha256, records: count, unclosedQuote, claimed: false };
  uploads.set(c.req.raw, upload);
  try {
    await next();
  } finally {
    // An upload that made no import (a replay, a refusal, a failure) leaves nothing behind.
    if (!upload.claimed) await c.get("blobs").delete(key).catch(() => {});
  }
});
