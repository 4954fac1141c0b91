// Random bearer tokens for the dashboard (sessions, set-password links): 43 base62 characters
// (about 256 bits) from `crypto.getRandomValues`. Only their SHA-256 is stored. Web Crypto only,
// so that the Node scripts (provisioning) make them the same way as the Worker.
import { randomBase62 } from "./ids.ts";
import { sha256Hex } from "./sha256.ts";

export const SECRET_TOKEN_LENGTH = 43;
const TOKEN_PATTERN = /^[0-9A-Za-z]{43}$/;

export async function newSecretToken(): Promise<{ token: string; hash: string }> {
  const token = randomBase62(SECRET_TOKEN_LENGTH);
  return { token, hash: await sha256Hex(token) };
}

/** True for something shaped like a token: anything else is refused without a look-up. */
export function isWellFormedToken(value: string): boolean {
  return TOKEN_PATTERN.test(value);
}

export const hashSecretToken = sha256Hex;
