import { randomBytes } from 'node:crypto';

/** The shape of every id `newId` makes. */
const ID_PATTERN = /^[a-z]{2,4}_[A-Za-z0-9_-]{1,36}$/;

/**
 * Whether a value from a request can be one of our ids. Anything else is answered as "not found"
 * before it reaches SQL: on MySQL, comparing a non-ASCII value with the `ascii_bin` id columns is
 * an error, and no such value can name an object anyway.
 */
export function isWellFormedId(value: string): boolean {
  return ID_PATTERN.test(value);
}

/** A public id such as `acct_3kT9…`: a prefix naming the object and 120 random bits, never a sequence number. */
export function newId(prefix: 'acct' | 'tr' | 'trr' | 'dep' | 'le' | 'cli' | 'key' | 'po' | 'evt' | 'we' | 'whd' | 'wha'): string {
  return `${prefix}_${randomBytes(15).toString('base64url')}`;
}
