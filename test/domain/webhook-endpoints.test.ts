import { describe, expect, it } from "vitest";
import {
  generateWebhookSecret,
  secretRoll,
  signingSecrets,
  webhookSecretKey,
  webhookUrlRefusal,
} from "../../src/domain/webhook-endpoints.ts";

// URLs every mode refuses, with what the message must say.
const REFUSED_EVERYWHERE: [string, RegExp][] = [
  // Private
  ["https://10.0.0.1/hook", /private/],
  ["https://10.255.255.255/", /private/],
  ["https://172.16.0.1/", /private/],
  ["https://172.31.255.254/", /private/],
  ["https://192.168.1.10:8443/hook", /private/],
  ["https://100.64.0.1/", /CGNAT/],
  ["https://100.127.255.255/", /CGNAT/],
  ["https://[fc00::1]/", /unique local/],
  ["https://[fd12:3456:789a::1]/", /unique local/],
  // Link-local (the cloud metadata address among them)
  ["https://169.254.169.254/latest/meta-data/", /link-local/],
  ["https://[fe80::1]/", /link-local/],
  ["https://[febf::1]/", /link-local/],
  // Unspecified
  ["https://0.0.0.0/", /unspecified/],
  ["https://0.1.2.3/", /unspecified/],
  ["https://[::]/", /unspecified/],
  // IPv4 inside IPv6
  ["https://[::ffff:10.0.0.1]/", /private/],
  ["https://[::ffff:169.254.169.254]/", /link-local/],
  ["https://[::ffff:a00:1]/", /private/],
  ["https://[64:ff9b::10.0.0.1]/", /private/],
  ["https://[2002:c0a8:101::1]/", /private/],
  // Other special addresses
  ["https://224.0.0.1/", /multicast/],
  ["https://255.255.255.255/", /reserved/],
  ["https://192.0.2.1/", /documentation/],
  ["https://[ff02::1]/", /multicast/],
  ["https://[2001:db8::1]/", /documentation/],
  ["https://[100::1]/", /reserved/],
  // Names that are not public
  ["https://intranet/", /without a domain/],
  ["https://printer.local/", /private network name/],
  ["https://metadata.google.internal/", /private network name/],
  ["https://router.home.arpa/", /private network name/],
  ["https://com./", /without a domain/],
  // Credentials, schemes, shape
  ["https://user:pass@example.com/hook", /credentials/],
  ["https://user@example.com/hook", /credentials/],
  ["https://:pass@example.com/hook", /credentials/],
  ["ftp://example.com/hook", /https:\/\//],
  ["ws://example.com/hook", /https:\/\//],
  ["file:///etc/passwd", /https:\/\//],
  ["javascript:alert(1)", /https:\/\//],
  ["data:text/plain,hi", /https:\/\//],
  ["example.com/hook", /absolute URL/],
  ["/hook", /absolute URL/],
  ["https://", /absolute URL/],
  ["https://[::1/", /absolute URL/],
  [" https://example.com/hook", /spaces/],
  ["https://example.com/hook ", /spaces/],
];

// Loopback and http://: refused with live keys, allowed with test keys (a local receiver).
const LOOPBACK: string[] = [
  "https://127.0.0.1/hook",
  "https://127.1.2.3:8443/hook",
  "https://[::1]/hook",
  "https://[::ffff:127.0.0.1]/hook",
  "https://[0:0:0:0:0:0:0:1]/hook",
  "https://localhost/hook",
  "https://LOCALHOST:3000/hook",
  "https://localhost./hook",
  "https://receiver.localhost/hook",
  // The URL parser's normalisation: all of these are 127.0.0.1.
  "https://2130706433/hook",
  "https://0x7f.1/hook",
  "https://0x7f000001/hook",
  "https://017700000001/hook",
  "https://127.1/hook",
  "https://%31%32%37.0.0.1/hook",
  "https://１２７.０.０.１/hook",
];

describe("webhookUrlRefusal", () => {
  it.each(REFUSED_EVERYWHERE)("refuses %s in both modes", (url, message) => {
    expect(webhookUrlRefusal(url, "live")).toMatch(message);
    expect(webhookUrlRefusal(url, "test")).toMatch(message);
  });

  it.each(LOOPBACK)("refuses %s with live keys, allows it with test keys", (url) => {
    expect(webhookUrlRefusal(url, "live")).toMatch(/loopback|localhost/);
    expect(webhookUrlRefusal(url, "test")).toBeNull();
  });

  it("allows http:// only with test keys", () => {
    expect(webhookUrlRefusal("http://example.com/hook", "live")).toBe("must use https://.");
    expect(webhookUrlRefusal("http://example.com/hook", "test")).toBeNull();
    expect(webhookUrlRefusal("http://127.0.0.1:8787/hook", "test")).toBeNull();
    expect(webhookUrlRefusal("http://127.0.0.1:8787/hook", "live")).toBe("must use https://.");
  });

  it.each([
    "https://example.com/hook",
    "https://hooks.example.com:8443/inventory?token=abc#frag",
    "https://EXAMPLE.com/",
    "https://example.com./hook",
    "https://bücher.example/hook",
    "https://8.8.8.8/hook",
    "https://172.15.255.255/",
    "https://172.32.0.1/",
    "https://100.63.255.255/",
    "https://100.128.0.1/",
    "https://169.253.0.1/",
    "https://11.0.0.1/",
    "https://[2606:4700:4700::1111]/hook",
    "https://[::ffff:8.8.8.8]/hook",
    "https://localhost.example.com/hook",
  ])("allows the public %s in both modes", (url) => {
    expect(webhookUrlRefusal(url, "live")).toBeNull();
    expect(webhookUrlRefusal(url, "test")).toBeNull();
  });

  it("allows URLs of up to 2048 characters", () => {
    const longest = `https://example.com/${"a".repeat(2048 - 20)}`;
    expect(longest).toHaveLength(2048);
    expect(webhookUrlRefusal(longest, "live")).toBeNull();
    expect(webhookUrlRefusal(`${longest}a`, "live")).toBe("must be at most 2048 characters long.");
    expect(webhookUrlRefusal(`${longest}a`, "test")).toBe("must be at most 2048 characters long.");
  });

  it("refuses private addresses with test keys too: only loopback is the local exception", () => {
    expect(webhookUrlRefusal("http://192.168.0.5:3000/", "test")).toMatch(/private/);
    expect(webhookUrlRefusal("http://[::ffff:192.168.0.5]/", "test")).toMatch(/private/);
  });

  it("reads as the end of \"The 'url' field …\"", () => {
    expect(webhookUrlRefusal("https://10.0.0.1/", "live")).toBe(
      "must not point to a private address: only public hosts receive webhooks (loopback addresses only with test keys).",
    );
    expect(webhookUrlRefusal("https://localhost/", "live")).toBe(
      "must not point to 'localhost': only public hosts receive webhooks (loopback addresses only with test keys).",
    );
  });
});

describe("webhook secrets", () => {
  it("are whsec_ and base64 of 32 random bytes, each new", () => {
    const secrets = new Set(Array.from({ length: 50 }, generateWebhookSecret));
    expect(secrets.size).toBe(50);
    for (const secret of secrets) {
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(webhookSecretKey(secret)).toHaveLength(32);
    }
  });

  it("a roll keeps the old secret signing during its grace period only", () => {
    const now = "2026-12-01T10:00:00.000Z";
    expect(secretRoll("whsec_old", 0, now)).toEqual({ previousSecret: null, previousSecretExpiresAt: null });
    const kept = secretRoll("whsec_old", 24, now);
    expect(kept).toEqual({ previousSecret: "whsec_old", previousSecretExpiresAt: "2026-12-02T10:00:00.000Z" });
    const row = { secret: "whsec_new", ...kept };
    expect(signingSecrets(row, now)).toEqual(["whsec_new", "whsec_old"]);
    expect(signingSecrets(row, "2026-12-02T09:59:59.999Z")).toEqual(["whsec_new", "whsec_old"]);
    expect(signingSecrets(row, "2026-12-02T10:00:00.000Z")).toEqual(["whsec_new"]);
    expect(signingSecrets({ secret: "whsec_new", previousSecret: null, previousSecretExpiresAt: null }, now)).toEqual(["whsec_new"]);
  });
});
