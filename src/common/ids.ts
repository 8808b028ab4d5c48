import { randomFillSync } from 'node:crypto';

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

const ID_BYTES = 15;
/**
 * Random bytes for 256 ids, drawn from the CSPRNG in one call and each used once: a transfer makes
 * three ids, and one `randomBytes` call per id showed in CPU profiles of the request path.
 */
const pool = Buffer.alloc(ID_BYTES * 256);
let used = pool.length;

/** A public id such as `acct_3kT9…`: a prefix naming the object and 120 random bits, never a sequence number. */
export function newId(prefix: 'acct' | 'tr' | 'trr' | 'dep' | 'le' | 'cli' | 'key' | 'po' | 'evt' | 'we' | 'whd' | 'wha'): string {
  if (used + ID_BYTES > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const id = pool.toString('base64url', used, used + ID_BYTES);
  used += ID_BYTES;
  return `${prefix}_${id}`;
}
