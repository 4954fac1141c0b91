const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

export type IdPrefix =
  | "co"
  | "user"
  | "key"
  | "item"
  | "txn"
  | "po"
  | "li"
  | "evt"
  | "event"
  | "we"
  | "wd"
  | "snap"
  | "rst"
  | "imp"
  | "req";

// Random bytes are drawn from `crypto.getRandomValues` a block at a time and used up in order, so
// that an id costs one call for many ids rather than one (with its array) per id.
const RANDOM_BLOCK = 1024;
let randomBlock = new Uint8Array(0);
let randomAt = 0;

function randomByte(): number {
  if (randomAt === randomBlock.length) {
    randomBlock = crypto.getRandomValues(new Uint8Array(RANDOM_BLOCK));
    randomAt = 0;
  }
  return randomBlock[randomAt++]!;
}

/** Random base62 characters from `crypto.getRandomValues`, without modulo bias. */
export function randomBase62(length: number): string {
  let out = "";
  while (out.length < length) {
    const byte = randomByte();
    // 248 = 4 * 62: bytes at or above it would favour the first characters.
    if (byte < 248) out += BASE62[byte % 62];
  }
  return out;
}

/** Encodes a non-negative integer in base62, left-padded with zeros to `width`. */
export function encodeBase62(value: number, width: number): string {
  let out = "";
  let rest = value;
  do {
    out = BASE62[rest % 62] + out;
    rest = Math.floor(rest / 62);
  } while (rest > 0);
  return out.padStart(width, "0");
}

/** An opaque, prefixed, random id such as `item_4fZk…` (24 random characters). */
export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomBase62(24)}`;
}
