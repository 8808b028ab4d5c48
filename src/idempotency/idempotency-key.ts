import { IdempotencyKeyInvalidError } from './idempotency.errors';

/** 1–255 printable ASCII characters (0x21–0x7E): nothing a log line, header or SQL text could trip on. */
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/**
 * The content of an RFC 8941 sf-string (`"…"`, where `\"` and `\\` are the only escapes), or the
 * value itself when it is not quoted; `undefined` for a quoted value that is not a valid sf-string.
 */
function unquote(raw: string): string | undefined {
  if (!(raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"'))) return raw;
  let content = '';
  for (let i = 1; i < raw.length - 1; i++) {
    let ch = raw[i];
    if (ch === '"') return undefined;
    if (ch === '\\') {
      ch = raw[++i];
      if (i >= raw.length - 1 || (ch !== '"' && ch !== '\\')) return undefined;
    }
    content += ch;
  }
  return content;
}

/**
 * Reads the IETF structured-field string form (`"abc"`, `"a\"b"` names `a"b`) as its content, then
 * validates.
 * @throws IdempotencyKeyInvalidError naming `param` when the key is malformed.
 */
export function parseIdempotencyKey(raw: string, param: string): string {
  const unquoted = unquote(raw);
  if (unquoted === undefined || !KEY_PATTERN.test(unquoted)) {
    throw new IdempotencyKeyInvalidError(
      `${param} must be 1 to 255 printable ASCII characters (no spaces, control characters or non-ASCII), ` +
        'optionally as an RFC 8941 quoted string (with \\" and \\\\ as its only escapes).',
      param,
    );
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
