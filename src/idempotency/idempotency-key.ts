import { IdempotencyKeyInvalidError } from './idempotency.errors';

/** 1–255 printable ASCII characters (0x21–0x7E): nothing a log line, header or SQL text could trip on. */
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/**
 * Strips the IETF structured-field string form (`"abc"`) to its content, then validates.
 * @throws IdempotencyKeyInvalidError naming `param` when the key is malformed.
 */
export function parseIdempotencyKey(raw: string, param: string): string {
  const unquoted = raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw;
  if (!KEY_PATTERN.test(unquoted)) {
    throw new IdempotencyKeyInvalidError(`${param} must be 1 to 255 printable ASCII characters (no spaces, control characters or non-ASCII).`, param);
  }
  return unquoted;
}

/**
 * Picks the key from the header, else the query parameter. Both present and different is an error:
 * the client is confused about which request it is retrying.
 */
export function resolveIdempotencyKey(
  header: string | string[] | undefined,
  query: unknown,
  names: { header: string; query: string | false },
): string | undefined {
  if (Array.isArray(header)) {
    throw new IdempotencyKeyInvalidError(`Send exactly one ${names.header} header.`, names.header);
  }
  const fromHeader = header === undefined ? undefined : parseIdempotencyKey(header, names.header);
  let fromQuery: string | undefined;
  if (names.query && query !== undefined) {
    if (typeof query !== 'string') {
      throw new IdempotencyKeyInvalidError(`Send exactly one ${names.query} query parameter.`, names.query);
    }
    fromQuery = parseIdempotencyKey(query, names.query);
  }
  if (fromHeader !== undefined && fromQuery !== undefined && fromHeader !== fromQuery) {
    throw new IdempotencyKeyInvalidError(`The ${names.header} header and the ${names.query} query parameter differ; send one key.`, names.header);
  }
  return fromHeader ?? fromQuery;
}
