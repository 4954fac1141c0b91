import { Webhook, WebhookVerificationError } from "standardwebhooks";
import { afterEach, describe, expect, it } from "vitest";
import { generateWebhookSecret } from "../../src/domain/webhook-endpoints.ts";
import { toEvent } from "../../src/events/to-event.ts";
import { setClock } from "../../src/lib/clock.ts";
import { USER_AGENT } from "../../src/webhooks/send.ts";
import { createCompany } from "../helpers/factories.ts";
import { consume, deliveryRow, eventRow, pendingDelivery, receiver, stopReceiver, type Received } from "../helpers/webhooks.ts";

// Every delivery carries the Standard Webhooks headers, and its signature is verified by an
// independent implementation (the `standardwebhooks` package). Its timestamp check compares with
// the real time, so these tests run on the real clock.

const HOUR = 60 * 60 * 1000;
const iso = (ms: number) => new Date(ms).toISOString();

afterEach(() => {
  stopReceiver();
  setClock(null);
});

async function deliverOnce(endpoint: Parameters<typeof pendingDelivery>[1]) {
  const co = await createCompany();
  const received = receiver();
  const { deliveryId, event } = await pendingDelivery(co.companyId, endpoint, "item.low_stock");
  const result = await consume([{ deliveryId, attempt: 1 }]);
  expect(result.explicitAcks).toHaveLength(1);
  expect(received).toHaveLength(1);
  return { request: received[0]!, deliveryId, eventId: event.id };
}

const verify = (secret: string, request: Received) => new Webhook(secret).verify(request.body, request.headers);

describe("a delivery", () => {
  it("is a POST of the event object as JSON with the Standard Webhooks headers, verified by standardwebhooks", async () => {
    const secret = generateWebhookSecret();
    const before = Math.floor(Date.now() / 1000);
    const { request, deliveryId, eventId } = await deliverOnce({ secret, url: "https://hooks.example.com/inventory?x=1" });

    expect(request.method).toBe("POST");
    expect(request.url).toBe("https://hooks.example.com/inventory?x=1");
    expect(request.redirect).toBe("manual");
    expect(request.headers).toEqual({
      "content-type": "application/json",
      "user-agent": USER_AGENT,
      "webhook-id": eventId,
      "webhook-timestamp": expect.stringMatching(/^\d{10}$/),
      "webhook-signature": expect.stringMatching(/^v1,[A-Za-z0-9+/]{43}=$/),
    });
    const timestamp = Number(request.headers["webhook-timestamp"]);
    expect(timestamp).toBeGreaterThanOrEqual(before);
    expect(timestamp).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
    // The body is the public event object, byte for byte what the signature covers.
    expect(request.body).toBe(JSON.stringify(toEvent((await eventRow(eventId))!)));
    expect(verify(secret, request)).toEqual(JSON.parse(request.body));
    expect(JSON.parse(request.body)).toMatchObject({ id: eventId, type: "item.low_stock", sequence: expect.any(Number) });

    expect(await deliveryRow(deliveryId)).toMatchObject({ status: "succeeded", attempts: 1, lastStatusCode: 200, lastError: null });
  });

  it("is refused by a receiver with another secret, or when the body or timestamp was changed", async () => {
    const secret = generateWebhookSecret();
    const { request } = await deliverOnce({ secret });
    expect(() => verify(generateWebhookSecret(), request)).toThrow(WebhookVerificationError);
    expect(() => verify(secret, { ...request, body: request.body.replace("item.low_stock", "item.out_of_stock") })).toThrow(
      WebhookVerificationError,
    );
    const later = String(Number(request.headers["webhook-timestamp"]) + 1);
    expect(() => verify(secret, { ...request, headers: { ...request.headers, "webhook-timestamp": later } })).toThrow(
      WebhookVerificationError,
    );
  });
});

describe("a rolled secret", () => {
  it("during its grace period: two signatures, and a receiver with either secret verifies", async () => {
    const [current, previous] = [generateWebhookSecret(), generateWebhookSecret()];
    const { request } = await deliverOnce({ secret: current, previousSecret: previous, previousSecretExpiresAt: iso(Date.now() + HOUR) });
    const signatures = request.headers["webhook-signature"]!.split(" ");
    expect(signatures).toHaveLength(2);
    for (const signature of signatures) expect(signature).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(verify(current, request)).toEqual(JSON.parse(request.body));
    expect(verify(previous, request)).toEqual(JSON.parse(request.body));
    // Each signature is that one secret's (current first).
    const only = (signature: string) => ({ ...request, headers: { ...request.headers, "webhook-signature": signature } });
    expect(verify(current, only(signatures[0]!))).toBeTruthy();
    expect(verify(previous, only(signatures[1]!))).toBeTruthy();
    expect(() => verify(previous, only(signatures[0]!))).toThrow(WebhookVerificationError);
  });

  it("after its grace period: only the new secret signs", async () => {
    const [current, previous] = [generateWebhookSecret(), generateWebhookSecret()];
    const { request } = await deliverOnce({ secret: current, previousSecret: previous, previousSecretExpiresAt: iso(Date.now() - 1000) });
    expect(request.headers["webhook-signature"]!.split(" ")).toHaveLength(1);
    expect(verify(current, request)).toEqual(JSON.parse(request.body));
    expect(() => verify(previous, request)).toThrow(WebhookVerificationError);
  });
});
