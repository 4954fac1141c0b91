import { describe, expect, it } from "vitest";
import { crc32, generateApiKey, hashApiKey, isWellFormedApiKey } from "../../src/lib/api-key-format.ts";
import { encodeBase62, newId, randomBase62, type IdPrefix } from "../../src/lib/ids.ts";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const KEY_SHAPE = /^sk_(live|test)_[0-9A-Za-z]{32}[0-9A-Za-z]{6}$/;

/** The key with the character at `index` replaced by another base62 character. */
function withCharChanged(key: string, index: number, step = 1): string {
  const next = BASE62[(BASE62.indexOf(key[index]!) + step) % 62]!;
  return key.slice(0, index) + next + key.slice(index + 1);
}

describe("crc32", () => {
  it("matches the standard check value", () => {
    expect(crc32("123456789")).toBe(0xcbf43926);
  });

  it("matches other known vectors", () => {
    expect(crc32("")).toBe(0);
    expect(crc32("a")).toBe(0xe8b7be43);
    expect(crc32("The quick brown fox jumps over the lazy dog")).toBe(0x414fa339);
  });

  it("hashes the UTF-8 bytes of the text", () => {
    // "é" is C3 A9 in UTF-8.
    expect(crc32("é")).toBe(0x0e048d3e);
    expect(crc32("é")).not.toBe(crc32("\u00e9".normalize("NFD")));
  });

  it("is always an unsigned 32-bit integer", () => {
    for (let i = 0; i < 200; i++) {
      const value = crc32(randomBase62(32));
      expect(Number.isInteger(value)).toBe(true);
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(2 ** 32);
    }
  });
});

describe("generateApiKey", () => {
  it.each([["live"], ["test"]] as const)("makes well-formed sk_%s_ keys: 32 + 6 base62", (mode) => {
    for (let i = 0; i < 500; i++) {
      const key = generateApiKey(mode);
      expect(key).toMatch(KEY_SHAPE);
      expect(key.startsWith(`sk_${mode}_`)).toBe(true);
      expect(key).toHaveLength(`sk_${mode}_`.length + 38);
      expect(isWellFormedApiKey(key)).toBe(true);
    }
  });

  it("ends with the base62 CRC32 of the 32 random characters", () => {
    const key = generateApiKey("test");
    const body = key.slice("sk_test_".length, -6);
    expect(key.slice(-6)).toBe(encodeBase62(crc32(body), 6));
  });

  it("never repeats", () => {
    const keys = new Set(Array.from({ length: 2_000 }, () => generateApiKey("live")));
    expect(keys.size).toBe(2_000);
  });
});

describe("isWellFormedApiKey", () => {
  const key = generateApiKey("live");

  it("detects every single-character change in the body and the checksum", () => {
    const start = "sk_live_".length;
    for (let index = start; index < key.length; index++) {
      for (const step of [1, 31, 61]) {
        const changed = withCharChanged(key, index, step);
        expect(changed).not.toBe(key);
        expect(isWellFormedApiKey(changed), `${changed} (index ${index})`).toBe(false);
      }
    }
  });

  it("detects two swapped neighbouring characters", () => {
    const start = "sk_live_".length;
    for (let index = start; index < key.length - 1; index++) {
      if (key[index] === key[index + 1]) continue;
      const swapped = key.slice(0, index) + key[index + 1] + key[index] + key.slice(index + 2);
      expect(isWellFormedApiKey(swapped)).toBe(false);
    }
  });

  it("refuses other prefixes, lengths and characters", () => {
    const body = key.slice("sk_live_".length);
    const bad = [
      "",
      body,
      `sk_prod_${body}`,
      `pk_live_${body}`,
      `SK_LIVE_${body}`,
      `sk_live${body}`,
      `sk_live_${body}x`,
      `sk_live_${body.slice(1)}`,
      `sk_live_${body.slice(0, 31)}-${body.slice(32)}`,
      `sk_live_${body.slice(0, 31)}é${body.slice(32)}`,
      `sk_live_${body} `,
      ` sk_live_${body}`,
      `sk_live_${body}\n`,
      `sk_live_${"0".repeat(38)}`,
    ];
    for (const candidate of bad) expect(isWellFormedApiKey(candidate), JSON.stringify(candidate)).toBe(false);
  });

  it("accepts a key of either mode with a matching checksum", () => {
    const body = randomBase62(32);
    const checksum = encodeBase62(crc32(body), 6);
    expect(isWellFormedApiKey(`sk_live_${body}${checksum}`)).toBe(true);
    expect(isWellFormedApiKey(`sk_test_${body}${checksum}`)).toBe(true);
  });
});

describe("hashApiKey", () => {
  it("is the hex SHA-256 of the key", async () => {
    expect(await hashApiKey("abc")).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
    const key = generateApiKey("test");
    const hash = await hashApiKey(key);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toContain(key.slice(8, 20));
    expect(await hashApiKey(key)).toBe(hash);
    expect(await hashApiKey(withCharChanged(key, 10))).not.toBe(hash);
  });
});

describe("ids", () => {
  const prefixes: IdPrefix[] = ["co", "user", "key", "item", "txn", "po", "li", "evt", "snap", "req"];

  it.each(prefixes.map((p) => [p]))("newId('%s') is the prefix and 24 base62 characters", (prefix) => {
    const id = newId(prefix);
    expect(id).toMatch(new RegExp(`^${prefix}_[0-9A-Za-z]{24}$`));
  });

  it("does not repeat in 10,000 ids", () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => newId("item")));
    expect(ids.size).toBe(10_000);
  });

  it("is not sequential: consecutive ids share no long common prefix", () => {
    const ids = Array.from({ length: 1_000 }, () => newId("item").slice("item_".length));
    let sharedFirstThree = 0;
    for (let i = 1; i < ids.length; i++) {
      if (ids[i]!.slice(0, 3) === ids[i - 1]!.slice(0, 3)) sharedFirstThree++;
    }
    // 1 in 62³ per pair by chance.
    expect(sharedFirstThree).toBeLessThan(3);
  });

  it("randomBase62 uses every base62 character and nothing else, roughly evenly", () => {
    // In slices: getRandomValues takes at most 64 KiB, and each call asks for twice the length.
    const text = Array.from({ length: 62 }, () => randomBase62(1_000)).join("");
    expect(text).toHaveLength(62_000);
    expect(text).toMatch(/^[0-9A-Za-z]+$/);
    const counts = new Map<string, number>();
    for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    expect(counts.size).toBe(62);
    // Expected 1,000 each; a modulo bias would push the first characters far above it.
    for (const n of counts.values()) {
      expect(n).toBeGreaterThan(800);
      expect(n).toBeLessThan(1_200);
    }
  });

  it("randomBase62 returns exactly the asked length", () => {
    for (const length of [0, 1, 6, 24, 32, 100]) expect(randomBase62(length)).toHaveLength(length);
  });

  it("encodeBase62 pads to the width and round-trips", () => {
    expect(encodeBase62(0, 6)).toBe("000000");
    expect(encodeBase62(61, 2)).toBe("0z");
    expect(encodeBase62(62, 2)).toBe("10");
    // The largest CRC32 fits in 6 characters (62^6 > 2^32).
    expect(encodeBase62(0xffffffff, 6)).toHaveLength(6);
    for (const value of [1, 1234, 0xcbf43926, 0xffffffff]) {
      const text = encodeBase62(value, 6);
      const decoded = [...text].reduce((acc, ch) => acc * 62 + BASE62.indexOf(ch), 0);
      expect(decoded).toBe(value);
    }
  });
});
