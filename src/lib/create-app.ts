import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { HTTPException } from "hono/http-exception";
import { DASHBOARD_PATH } from "../dashboard/paths.ts";
import type { AppEnv } from "../types.ts";
import { DomainError } from "../domain/errors.ts";
import { isCsvUpload } from "../imports/upload.ts";
import { ApiError, errorBody, toApiError } from "./errors.ts";
import { newId } from "./ids.ts";
import { setResponseHeaders } from "./response-headers.ts";
import { validationError } from "./validation.ts";

const MAX_BODY_BYTES = 1024 * 1024;
/** The most of a refused body that is read: about what Cloudflare accepts on Free and Pro plans. */
const MAX_DRAIN_BYTES = 100 * 1024 * 1024;
const JSON_CONTENT_TYPE = /^application\/json\s*(;|$)/i;

const unsupportedMediaType = () =>
  new ApiError(
    "unsupported_media_type",
    "Send the request body as JSON with 'Content-Type: application/json'.",
  );
const invalidJson = () => new ApiError("invalid_json", "The request body is not valid JSON.");
const payloadTooLarge = () =>
  new ApiError("payload_too_large", "The request body must be at most 1 MiB.");

/**
 * Hono's validators throw HTTPException for what our body checks let through: 400 when the
 * declared JSON body is empty, 415 for a Content-Type spelling the route's gate does not accept.
 */
const HTTP_EXCEPTION_ERRORS: Partial<Record<number, () => ApiError>> = {
  400: invalidJson,
  415: unsupportedMediaType,
};

/** A router for one resource; every router shares the validation hook. */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error, result.target);
    },
  });
}

export function errorResponse(c: Context<AppEnv>, error: ApiError) {
  return c.json(errorBody(error, c.get("requestId")), error.status, error.headers);
}

const requestId = createMiddleware<AppEnv>(async (c, next) => {
  const id = newId("req");
  c.set("requestId", id);
  await next();
  setResponseHeaders(c, { "Request-Id": id });
});

/**
 * Checks a body before any handler sees it: at most 1 MiB (413), JSON content type (415) and
 * parseable (400 invalid_json). Requests without a body pass through, including a streamed body
 * (no Content-Length) that turns out to be empty. A body whose Content-Length is over the limit is
 * refused without reading any of it.
 */
const jsonBody = createMiddleware<AppEnv>(async (c, next) => {
  if (c.req.raw.body === null || c.req.method === "GET") return next();
  // The dashboard's pages take HTML forms, and limit their size themselves.
  if (c.req.path === DASHBOARD_PATH || c.req.path.startsWith(`${DASHBOARD_PATH}/`)) return next();
  // An import's CSV file has rules of its own (src/imports/upload.ts).
  if (isCsvUpload(c.req.method, c.req.path)) return next();
  const { headers } = c.req.raw;
  if (headers.has("Content-Length") && !headers.has("Transfer-Encoding")) {
    const declared = Number.parseInt(headers.get("Content-Length")!, 10);
    if (declared > MAX_BODY_BYTES) throw payloadTooLarge();
  } else {
    c.req.raw = new Request(c.req.raw, { body: await readStreamedBody(c.req.raw.body) });
  }
  // Read as bytes: the body is only decoded as text once its type says it is JSON.
  const body = await c.req.arrayBuffer();
  if (body.byteLength > 0) {
    if (!JSON_CONTENT_TYPE.test(c.req.header("Content-Type") ?? "")) throw unsupportedMediaType();
    const text = new TextDecoder().decode(body);
    try {
      JSON.parse(text);
    } catch {
      throw invalidJson();
    }
    // The validator reads the body through Hono's cache (promises, typed as their values) as text:
    // this text, rather than a new Response of the bytes read again.
    (c.req.bodyCache as Record<string, unknown>).text = Promise.resolve(text);
  }
  await next();
});

/**
 * A streamed body's bytes, or 413 once it passes MAX_BODY_BYTES. Before that 413 the rest of the
 * body is read and thrown away: answering while a request body is half read takes `wrangler dev`
 * down (the next request fails with "Network connection lost" and wrangler exits; workerd#1741).
 * Cancelling the stream does not prevent that, wrangler's own draining skips a body that has been
 * read from, and draining after the answer is too late (workerd will not read a request body once
 * the response is sent). Memory stays at 1 MiB; only past MAX_DRAIN_BYTES is the stream cancelled.
 */
async function readStreamedBody(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await discardRest(reader, size);
      throw payloadTooLarge();
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

async function discardRest(reader: ReadableStreamDefaultReader<Uint8Array>, read: number) {
  try {
    while (read <= MAX_DRAIN_BYTES) {
      const { done, value } = await reader.read();
      if (done) return;
      read += value.byteLength;
    }
    await reader.cancel();
  } catch {
    // The client went away mid-upload; it is answered 413 all the same.
  }
}

/**
 * The application shell: request ids, body checks, the contract's error body for everything that
 * goes wrong, 404 for unknown paths and 405 (with `Allow`) for known paths with another method.
 */
export function createApp() {
  const app = createRouter();
  app.use("*", requestId);
  app.use("*", jsonBody);

  app.notFound((c) => {
    const allowed = allowedMethods(app, c.req.path);
    if (allowed.length > 0) {
      const error = new ApiError(
        "method_not_allowed",
        `${c.req.method} is not allowed on ${c.req.path}. Allowed: ${allowed.join(", ")}.`,
        null,
        { Allow: allowed.join(", ") },
      );
      return errorResponse(c, error);
    }
    return errorResponse(c, new ApiError("not_found", `No route for ${c.req.method} ${c.req.path}.`));
  });

  app.onError((err, c) => {
    if (err instanceof ApiError) return errorResponse(c, err);
    if (err instanceof DomainError) return errorResponse(c, toApiError(err));
    if (err instanceof HTTPException && err.status < 500) {
      const error = HTTP_EXCEPTION_ERRORS[err.status]?.();
      return errorResponse(c, error ?? new ApiError("invalid_request", err.message || "Bad request."));
    }
    console.error(JSON.stringify({ request_id: c.get("requestId"), error: String(err?.stack ?? err) }));
    return errorResponse(
      c,
      new ApiError("internal_error", "Something went wrong on our side. Nothing was changed."),
    );
  });
  return app;
}

function allowedMethods(app: OpenAPIHono<AppEnv>, path: string): string[] {
  const methods = new Set<string>();
  for (const route of app.routes) {
    if (route.method === "ALL" || route.path.includes("*")) continue;
    // Exactly the paths the router matches (no trailing slash), so that Allow never lists the
    // method that was just refused.
    const literal = route.path.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
    const pattern = new RegExp(`^${literal.replace(/:[^/]+/g, "[^/]+")}$`);
    if (pattern.test(path)) methods.add(route.method);
  }
  return [...methods];
}
