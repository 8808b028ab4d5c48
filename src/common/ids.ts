import { randomBytes } from 'node:crypto';

/** A public id such as `acct_3kT9…`: a prefix naming the object and 120 random bits, never a sequence number. */
export function newId(prefix: 'acct' | 'tr' | 'trr' | 'dep' | 'le' | 'cli'): string {
  return `${prefix}_${randomBytes(15).toString('base64url')}`;
}
