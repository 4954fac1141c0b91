import { encodeBase62, randomBase62 } from "./ids.ts";
import { sha256Hex } from "./sha256.ts";

// Key format: sk_live_ or sk_test_, 32 random base62 characters, then a 6-character base62
// CRC32 checksum of those 32, so that typos and made-up keys are rejected without a lookup.
export type ApiKeyMode = "live" | "test";

const KEY_PATTERN = /^sk_(live|test)_([0-9A-Za-z]{32})([0-9A-Za-z]{6})$/;

const CRC32_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(text: string): number {
  let crc = 0xffffffff;
  for (const byte of new TextEncoder().encode(text)) {
    crc = CRC32_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function checksum(body: string): string {
  return encodeBase62(crc32(body), 6);
}

export function generateApiKey(mode: ApiKeyMode): string {
  const body = randomBase62(32);
  return `sk_${mode}_${body}${checksum(body)}`;
}

/** True when the key has the right shape and its checksum matches. Needs no storage. */
export function isWellFormedApiKey(key: string): boolean {
  const match = KEY_PATTERN.exec(key);
  return match !== null && checksum(match[2]!) === match[3];
}

/** Hex SHA-256 of the key: the only form in which a key is stored. */
export function hashApiKey(key: string): Promise<string> {
  return sha256Hex(key);
}
