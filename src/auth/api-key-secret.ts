import { createHash, randomBytes } from 'node:crypto';

/** How many leading characters of a secret are kept to recognise it (`sk_test_` and 4 random ones). */
const PREFIX_LENGTH = 12;

/** A new API key: 192 random bits after `sk_test_`. */
export function generateSecret(): string {
  return `sk_test_${randomBytes(24).toString('base64url')}`;
}

/**
 * The stored form of a secret: SHA-256, hex. Secrets are random 192-bit strings, so a plain hash
 * is safe (no dictionary to try) and lets a key be found by an indexed lookup.
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** The part of a secret that may be shown in listings and logs. */
export function secretPrefix(secret: string): string {
  return secret.slice(0, PREFIX_LENGTH);
}
