// Standard Webhooks signatures (https://www.standardwebhooks.com), with WebCrypto: what a receiver
// checks to know that a delivery comes from us and was not changed or replayed later.
import { webhookSecretKey } from "../domain/webhook-endpoints.ts";

const encoder = new TextEncoder();

function base64(bytes: ArrayBuffer): string {
  return btoa(String.fromCharCode(...new Uint8Array(bytes)));
}

/** `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">` with the secret's key (the part after `whsec_`). */
export async function sign(secret: string, id: string, timestamp: number, body: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", webhookSecretKey(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return `v1,${base64(await crypto.subtle.sign("HMAC", key, encoder.encode(`${id}.${timestamp}.${body}`)))}`;
}

/**
 * The Standard Webhooks headers of one delivery: `webhook-id` (the event's id, which receivers
 * deduplicate on), `webhook-timestamp` (Unix seconds) and `webhook-signature`, one signature per
 * secret (the current one, and the previous one during a roll's grace period), separated by spaces.
 */
export async function webhookHeaders(secrets: readonly string[], id: string, timestampMs: number, body: string) {
  const timestamp = Math.floor(timestampMs / 1000);
  const signatures = await Promise.all(secrets.map((secret) => sign(secret, id, timestamp, body)));
  return {
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": signatures.join(" "),
  };
}
