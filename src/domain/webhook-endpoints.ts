// Webhook endpoints apart from storage: the public object and its converter, the request bodies,
// which URLs an endpoint may have in each key mode, how a signing secret is made and what a roll
// of it changes.
import { z } from "@hono/zod-openapi";
import { WEBHOOK_ENDPOINT_STATUSES, type WebhookEndpointRow } from "../db/schema.ts";
import type { ApiKeyMode } from "../lib/api-key-format.ts";
import { text } from "../lib/validation.ts";
import { DomainError } from "./errors.ts";
import { EventTypePatternSchema } from "./events.ts";

export const MAX_URL_LENGTH = 2048;
export const MAX_DESCRIPTION_LENGTH = 500;
/** A roll's grace period, in whole hours: 0 retires the old secret at once, at most 7 days. */
export const MIN_SECRET_GRACE_HOURS = 0;
export const MAX_SECRET_GRACE_HOURS = 168;

const HOUR_MS = 60 * 60 * 1000;
const SECRET_PREFIX = "whsec_";
/** Bytes of a signing key: the HMAC-SHA256 block's worth of randomness, as Standard Webhooks advise. */
const SECRET_BYTES = 32;

// --- The object --------------------------------------------------------------------------------

const url = text()
  .min(1)
  .max(MAX_URL_LENGTH)
  .openapi({
    description:
      "Where events are POSTed. `https://` with a public host; with test keys (`sk_test_`) also `http://` and loopback hosts (127.0.0.1, ::1, localhost).",
    example: "https://example.com/webhooks/inventory",
  });

const events = z
  .array(EventTypePatternSchema)
  .min(1)
  .superRefine((patterns, ctx) => {
    const seen = new Set<string>();
    for (const [index, pattern] of patterns.entries()) {
      if (seen.has(pattern)) ctx.addIssue({ code: "custom", path: [index], message: `must not repeat '${pattern}'.` });
      seen.add(pattern);
    }
  })
  .openapi({
    description: "Event types, a resource's types such as `order.*`, or `*` for all. At least one, none twice.",
    example: ["item.low_stock", "order.*"],
  });

const description = text()
  .max(MAX_DESCRIPTION_LENGTH)
  .nullable()
  .openapi({ description: "For people; at most 500 characters.", example: "ERP sync" });

const status = z.enum(WEBHOOK_ENDPOINT_STATUSES).openapi({
  description: "Only `enabled` endpoints get deliveries. Disabled after 3 days of failed deliveries (see `disabled_reason`).",
});

/** An endpoint as the API shows it: never its secret (only once, see NewWebhookEndpointSchema). */
export const WebhookEndpointSchema = z
  .object({
    id: z.string().openapi({ example: "we_8Kd2Lm4Np6Qr8St0Uv2Wx4Yz" }),
    url,
    events,
    description,
    status,
    disabled_reason: z.string().nullable().openapi({
      description: "Why the endpoint was disabled automatically; null while enabled or when disabled by a request.",
      example: null,
    }),
    created_at: z.string().openapi({ example: "2026-12-01T10:30:00.000Z" }),
    updated_at: z.string().openapi({ example: "2026-12-01T10:30:00.000Z" }),
  })
  .openapi("WebhookEndpoint");

/** An endpoint as answered by create and roll_secret: with its signing `secret`. */
export const NewWebhookEndpointSchema = WebhookEndpointSchema.extend({
  // The handlers always answer it; the document says null too, for idempotent replays.
  secret: z.string().openapi({
    type: ["string", "null"],
    description:
      "The signing secret (`whsec_` + base64 of 32 bytes, the Standard Webhooks format). Shown in this answer only: store it now. Null in an idempotent replay of this answer (`Idempotent-Replayed: true`).",
    example: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw7mZ0ZJb9wHI=",
  }),
}).openapi("NewWebhookEndpoint");

export type WebhookEndpoint = z.infer<typeof WebhookEndpointSchema>;
export type NewWebhookEndpoint = z.infer<typeof NewWebhookEndpointSchema>;

/** The endpoint object of a row: API responses and audit entries. Drops the secrets. */
export function toWebhookEndpoint(
  row: Pick<WebhookEndpointRow, "id" | "url" | "events" | "description" | "status" | "disabledReason" | "createdAt" | "updatedAt">,
): WebhookEndpoint {
  return {
    id: row.id,
    url: row.url,
    events: row.events,
    description: row.description,
    status: row.status,
    disabled_reason: row.disabledReason,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

// --- Request bodies ----------------------------------------------------------------------------

export const CreateWebhookEndpointBodySchema = z
  .strictObject({ url, events, description: description.optional() })
  .openapi("CreateWebhookEndpoint");

export const UpdateWebhookEndpointBodySchema = z
  .strictObject({
    url: url.optional(),
    events: events.optional(),
    description: description.optional(),
    status: status.optional().openapi({
      description: "`disabled` stops deliveries; `enabled` resumes them and clears `disabled_reason`.",
    }),
  })
  .openapi("UpdateWebhookEndpoint");

export const RollWebhookSecretBodySchema = z
  .strictObject({
    expires_in_hours: z
      .int()
      .min(MIN_SECRET_GRACE_HOURS)
      .max(MAX_SECRET_GRACE_HOURS)
      .optional()
      .openapi({
        description: `How long the old secret keeps signing beside the new one (${MIN_SECRET_GRACE_HOURS}–${MAX_SECRET_GRACE_HOURS} hours). Default 0: it stops at once.`,
        example: 24,
      }),
  })
  .openapi("RollWebhookSecret");

export type CreateWebhookEndpointBody = z.infer<typeof CreateWebhookEndpointBodySchema>;
export type UpdateWebhookEndpointBody = z.infer<typeof UpdateWebhookEndpointBodySchema>;

// --- URLs --------------------------------------------------------------------------------------

type Cidr = readonly [network: number, bits: number];

const ipv4 = (a: number, b: number, c: number, d: number) => ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;

/** Loopback: allowed with test keys, so that a receiver on the developer's machine works. */
const IPV4_LOOPBACK: Cidr = [ipv4(127, 0, 0, 0), 8];

/** Every IPv4 range that is not the public internet (RFC 6890's special-purpose registry). */
const IPV4_NOT_PUBLIC: readonly (readonly [Cidr, string])[] = [
  [[ipv4(0, 0, 0, 0), 8], "an unspecified address"],
  [[ipv4(10, 0, 0, 0), 8], "a private address"],
  [[ipv4(100, 64, 0, 0), 10], "a private (shared, CGNAT) address"],
  [IPV4_LOOPBACK, "a loopback address"],
  [[ipv4(169, 254, 0, 0), 16], "a link-local address"],
  [[ipv4(172, 16, 0, 0), 12], "a private address"],
  [[ipv4(192, 0, 0, 0), 24], "a reserved address"],
  [[ipv4(192, 0, 2, 0), 24], "a documentation address"],
  [[ipv4(192, 168, 0, 0), 16], "a private address"],
  [[ipv4(198, 18, 0, 0), 15], "a reserved (benchmarking) address"],
  [[ipv4(198, 51, 100, 0), 24], "a documentation address"],
  [[ipv4(203, 0, 113, 0), 24], "a documentation address"],
  [[ipv4(224, 0, 0, 0), 4], "a multicast address"],
  [[ipv4(240, 0, 0, 0), 4], "a reserved address"],
];

const inCidr = (address: number, [network, bits]: Cidr) => bits === 0 || address >>> (32 - bits) === network >>> (32 - bits);

/** `a.b.c.d` (the only form the URL parser leaves an IPv4 host in) as a number, or null. */
function parseIpv4(host: string): number | null {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!match) return null;
  const parts = match.slice(1).map(Number);
  if (parts.some((part) => part > 255)) return null;
  return ipv4(parts[0]!, parts[1]!, parts[2]!, parts[3]!);
}

/** An IPv6 address (without brackets; `::` and a dotted IPv4 tail allowed) as 8 groups, or null. */
function parseIpv6(host: string): number[] | null {
  let text = host;
  const tail: number[] = [];
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const v4 = parseIpv4(dotted[2]!);
    if (v4 === null) return null;
    text = dotted[1]!.endsWith("::") ? dotted[1]! : dotted[1]!.slice(0, -1);
    tail.push(v4 >>> 16, v4 & 0xffff);
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const groups = (part: string) => (part === "" ? [] : part.split(":"));
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  if (![...head, ...rest].every((group) => /^[0-9a-f]{1,4}$/i.test(group))) return null;
  const known = head.length + rest.length + tail.length;
  if (halves.length === 1 ? known !== 8 : known > 7) return null;
  const zeros = Array.from({ length: 8 - known }, () => 0);
  return [...head.map((g) => parseInt(g, 16)), ...zeros, ...rest.map((g) => parseInt(g, 16)), ...tail];
}

/** Why an IPv4 address is refused, or null when it is public (or loopback while `loopbackOk`). */
function ipv4Refusal(address: number, loopbackOk: boolean): string | null {
  if (loopbackOk && inCidr(address, IPV4_LOOPBACK)) return null;
  const range = IPV4_NOT_PUBLIC.find(([cidr]) => inCidr(address, cidr));
  return range ? range[1] : null;
}

/**
 * Why an IPv6 address is refused, or null. Only global unicast (2000::/3) is public; addresses
 * that carry an IPv4 address (IPv4-mapped `::ffff:a.b.c.d`, IPv4-compatible, NAT64, 6to4) are
 * judged by that address.
 */
function ipv6Refusal(groups: number[], loopbackOk: boolean): string | null {
  const [g0, g1, g2, g3, g4, g5, g6, g7] = groups as [number, number, number, number, number, number, number, number];
  const embedded = (high: number, low: number) => ipv4Refusal(((high << 16) | low) >>> 0, loopbackOk);
  const firstSix = [g0, g1, g2, g3, g4, g5];
  if (firstSix.every((g) => g === 0)) {
    if (g6 === 0 && g7 === 0) return "an unspecified address";
    if (g6 === 0 && g7 === 1) return loopbackOk ? null : "a loopback address";
    return embedded(g6, g7) ?? "a reserved address"; // IPv4-compatible: deprecated, never public
  }
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0xffff) return embedded(g6, g7);
  if (g0 === 0x64 && g1 === 0xff9b) return embedded(g6, g7);
  if ((g0 & 0xfe00) === 0xfc00) return "a private (unique local) address";
  if ((g0 & 0xffc0) === 0xfe80) return "a link-local address";
  if ((g0 & 0xffc0) === 0xfec0) return "a site-local address";
  if ((g0 & 0xff00) === 0xff00) return "a multicast address";
  if ((g0 & 0xe000) !== 0x2000) return "a reserved address";
  if (g0 === 0x2001 && g1 === 0x0db8) return "a documentation address";
  if (g0 === 0x2002) return embedded(g1, g2);
  return null;
}

/** Names that never reach the public internet: loopback ones, mDNS, and suffixes kept for private use. */
const LOOPBACK_NAME = /(^|\.)localhost$/;
const PRIVATE_NAME = /(^|\.)(local|internal|localdomain|home\.arpa)$/;

/**
 * Why an endpoint may not have this URL for keys of `mode`, or null when it may. The message
 * reads as the end of "The 'url' field …" (and of "The URL …").
 *
 * `https://` with a public host. Test keys (local development) may also use `http://` and loopback
 * hosts (127.0.0.0/8, ::1, localhost), so that a receiver on the developer's machine works.
 * Private, link-local, loopback, unspecified and other special addresses (also inside IPv6),
 * `localhost` and `*.localhost`, hosts without a dot, credentials and other schemes are refused.
 * Hosts are judged after the WHATWG URL parser's normalisation, which is also what `fetch` sends
 * to: `http://2130706433/` and `http://0x7f.1/` are 127.0.0.1. A name that resolves to a private
 * address cannot be told from here; the delivery re-checks the URL and its runtime refuses those.
 */
export function webhookUrlRefusal(url: string, mode: ApiKeyMode): string | null {
  if (url.length > MAX_URL_LENGTH) return `must be at most ${MAX_URL_LENGTH} characters long.`;
  if (url.trim() !== url) return "must not start or end with spaces.";
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "must be an absolute URL such as https://example.com/webhooks.";
  }
  const test = mode === "test";
  if (parsed.protocol !== "https:" && !(test && parsed.protocol === "http:")) {
    return test ? "must use https:// or http://." : "must use https://.";
  }
  if (parsed.username !== "" || parsed.password !== "") return "must not contain credentials (user:password@).";

  const host = parsed.hostname.toLowerCase();
  const refused = (what: string) =>
    `must not point to ${what}: only public hosts receive webhooks${test ? "" : " (loopback addresses only with test keys)"}.`;
  if (host.startsWith("[")) {
    const groups = parseIpv6(host.slice(1, -1));
    if (!groups) return "must have a valid host.";
    const why = ipv6Refusal(groups, test);
    return why && refused(why);
  }
  const address = parseIpv4(host);
  if (address !== null) {
    const why = ipv4Refusal(address, test);
    return why && refused(why);
  }
  const name = host.endsWith(".") ? host.slice(0, -1) : host;
  if (LOOPBACK_NAME.test(name)) return test ? null : refused(`'${parsed.hostname}'`);
  if (PRIVATE_NAME.test(name)) return refused(`a private network name ('${parsed.hostname}')`);
  if (!name.includes(".")) return refused(`a host without a domain ('${parsed.hostname}')`);
  return null;
}

/** Throws invalid_input naming `url` unless `webhookUrlRefusal` allows it. */
export function assertWebhookUrl(url: string, mode: ApiKeyMode): void {
  const refusal = webhookUrlRefusal(url, mode);
  if (refusal !== null) throw new DomainError("invalid_input", `The 'url' field ${refusal}`, { field: "url" });
}

// --- Secrets -----------------------------------------------------------------------------------

/** A new signing secret: `whsec_` + base64 of 32 random bytes (the Standard Webhooks format). */
export function generateWebhookSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(SECRET_BYTES));
  return SECRET_PREFIX + btoa(String.fromCharCode(...bytes));
}

/** The HMAC key of a secret: the base64-decoded part after `whsec_`. */
export function webhookSecretKey(secret: string): Uint8Array {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  return Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0));
}

/**
 * What rolling the secret at `now` keeps of the old one: with a grace period it goes on signing
 * beside the new one until then; without one (0 hours) it is dropped at once. A second roll
 * within a grace period replaces the older previous secret.
 */
export function secretRoll(oldSecret: string, graceHours: number, now: string) {
  if (graceHours === 0) return { previousSecret: null, previousSecretExpiresAt: null };
  return {
    previousSecret: oldSecret,
    previousSecretExpiresAt: new Date(Date.parse(now) + graceHours * HOUR_MS).toISOString(),
  };
}

/**
 * The secrets that sign a delivery at `now`: the current one, then the previous one while its
 * grace period lasts (Standard Webhooks: one signature each, separated by a space).
 */
export function signingSecrets(
  row: Pick<WebhookEndpointRow, "secret" | "previousSecret" | "previousSecretExpiresAt">,
  now: string,
): string[] {
  const previousValid = row.previousSecret !== null && row.previousSecretExpiresAt !== null && row.previousSecretExpiresAt > now;
  return previousValid ? [row.secret, row.previousSecret!] : [row.secret];
}

// --- Limits ------------------------------------------------------------------------------------

export function tooManyEndpoints(limit: number): DomainError {
  return new DomainError(
    "invalid_state",
    `Your company already has ${limit} webhook endpoint${limit === 1 ? "" : "s"}, the most its plan allows. Delete one first.`,
  );
}
