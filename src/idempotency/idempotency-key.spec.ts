import { IdempotencyKeyInvalidError } from './idempotency.errors';
import { parseIdempotencyKey, resolveIdempotencyKey } from './idempotency-key';

const names = { header: 'Idempotency-Key', query: 'idempotency_key' };

describe('parseIdempotencyKey', () => {
  it('accepts 1 to 255 printable ASCII characters', () => {
    expect(parseIdempotencyKey('a', 'k')).toBe('a');
    expect(parseIdempotencyKey('x'.repeat(255), 'k')).toHaveLength(255);
    expect(parseIdempotencyKey('!~"\'{}--;DROP', 'k')).toBe('!~"\'{}--;DROP');
  });

  it('strips the IETF structured-field quotes', () => {
    expect(parseIdempotencyKey('"abc"', 'k')).toBe('abc');
  });

  it.each([
    ['empty', ''],
    ['256 characters', 'x'.repeat(256)],
    ['a space', 'a b'],
    ['a control character', 'a\u0001b'],
    ['a tab', 'a\tb'],
    ['non-ASCII', 'clé'],
    ['an empty quoted string', '""'],
  ])('refuses a key with %s, naming the parameter', (_name, key) => {
    expect(() => parseIdempotencyKey(key, 'Idempotency-Key')).toThrow(IdempotencyKeyInvalidError);
    try {
      parseIdempotencyKey(key, 'Idempotency-Key');
    } catch (error) {
      expect((error as IdempotencyKeyInvalidError).param).toBe('Idempotency-Key');
    }
  });
});

describe('resolveIdempotencyKey', () => {
  it('takes the header, else the query parameter', () => {
    expect(resolveIdempotencyKey('h', undefined, names)).toBe('h');
    expect(resolveIdempotencyKey(undefined, 'q', names)).toBe('q');
    expect(resolveIdempotencyKey(undefined, undefined, names)).toBeUndefined();
  });

  it('accepts header and query when they agree, refuses them when they differ', () => {
    expect(resolveIdempotencyKey('same', 'same', names)).toBe('same');
    expect(() => resolveIdempotencyKey('one', 'other', names)).toThrow(IdempotencyKeyInvalidError);
  });

  it('refuses repeated query parameters and ignores the query when the fallback is off', () => {
    expect(() => resolveIdempotencyKey(undefined, ['a', 'b'], names)).toThrow(IdempotencyKeyInvalidError);
    expect(resolveIdempotencyKey(undefined, 'q', { ...names, query: false })).toBeUndefined();
  });
});

describe('parseIdempotencyKey with RFC 8941 quoted strings', () => {
  it.each([
    ['"abc"', 'abc'],
    ['"a\\"b"', 'a"b'],
    ['"a\\\\b"', 'a\\b'],
    ['a"b', 'a"b'],
    ['"abc', '"abc'],
  ])('reads %s as the key %s', (raw, key) => {
    expect(parseIdempotencyKey(raw, 'Idempotency-Key')).toBe(key);
  });

  it.each(['"a\\b"', '"a"b"', '"ab\\"', '""'])('refuses the malformed quoted string %s naming the header', (raw) => {
    expect(() => parseIdempotencyKey(raw, 'Idempotency-Key')).toThrow(expect.objectContaining({ param: 'Idempotency-Key' }));
  });
});
