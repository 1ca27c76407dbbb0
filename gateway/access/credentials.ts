import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** API keys look like `once_<key id>_<secret>`: the id finds the stored hash, the secret is never stored. */
const API_KEY = /^once_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;
const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export interface NewApiKey {
  keyId: string;
  secretSha256: string;
  /** Shown once, to the person who issues it. */
  apiKey: string;
}

export function generateApiKey(): NewApiKey {
  const keyId = Array.from(randomBytes(12), (byte) => ID_ALPHABET[byte % ID_ALPHABET.length]).join('');
  const secret = randomBytes(32).toString('base64url');
  return { keyId, secretSha256: sha256(secret), apiKey: `once_${keyId}_${secret}` };
}

export function parseApiKey(value: string): { keyId: string; secret: string } | null {
  const match = API_KEY.exec(value);
  return match?.[1] && match[2] ? { keyId: match[1], secret: match[2] } : null;
}

export function secretMatches(secret: string, storedSha256: string): boolean {
  const given = Buffer.from(sha256(secret), 'hex');
  const stored = Buffer.from(storedSha256, 'hex');
  return given.length === stored.length && timingSafeEqual(given, stored);
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
