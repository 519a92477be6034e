import { createHash, randomBytes } from 'node:crypto';

/** Random bytes in a key: 256 bits, so a stored SHA-256 needs no salt or slow hash. */
const KEY_BYTES = 32;

/** Prefix that makes a leaked key easy to recognise in secret scanners. */
const KEY_PREFIX = 'ghk_';

/** Shortest and longest key the authorizer looks up; anything else is invalid on sight. */
export const MIN_KEY_LENGTH = 20;
export const MAX_KEY_LENGTH = 128;

/** Creates a new subscription key value: a prefix and 32 random bytes in base64url. */
export function generateKey(): string {
  return KEY_PREFIX + randomBytes(KEY_BYTES).toString('base64url');
}

/** Returns the SHA-256 of a key value, hex encoded, as the registry stores it. */
export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Returns whether a presented value could be a key at all, before any lookup. */
export function isPlausibleKey(value: string): boolean {
  const lengthOk = value.length >= MIN_KEY_LENGTH && value.length <= MAX_KEY_LENGTH;
  return lengthOk && /^[A-Za-z0-9_-]+$/.test(value);
}
