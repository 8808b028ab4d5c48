import fc from 'fast-check';
import { percentEncode, utf8Bytes } from './raw-http';

/**
 * Hostile values for the bad-input suite: JSON written token by token (so that numbers JSON.parse
 * would round, fractions, exponents, `__proto__` and repeated names reach the server as written),
 * hostile strings (SQL, control characters, lone surrogates, 1 MB), wrong types, deep nesting, and
 * the ways a body can travel (broken JSON, a non-object, form fields, wrong content types).
 */

/** A JSON token written as is: numbers JSON.parse would round, fractions, exponents, invalid JSON. */
export class Raw {
  constructor(readonly text: string) {}
}
/** A JSON object as entries, so `__proto__` and repeated names go on the wire as written. */
export class Obj {
  constructor(readonly entries: Array<[string, Json]>) {}
}
export type Json = null | boolean | number | string | Raw | Obj | Json[];

export function jsonText(value: Json): string {
  if (value instanceof Raw) return value.text;
  if (value instanceof Obj) return `{${value.entries.map(([k, v]) => `${JSON.stringify(k)}:${jsonText(v)}`).join(',')}}`;
  if (Array.isArray(value)) return `[${value.map(jsonText).join(',')}]`;
  return JSON.stringify(value) ?? 'null';
}

export const SQL = [
  "' OR '1'='1",
  "'; DROP TABLE transfers; --",
  '" OR ""="',
  "acct_%",
  '%',
  '_',
  '\\',
  "\\'",
  "1' AND SLEEP(1) -- ",
  "' UNION SELECT api_key_hash FROM clients -- ",
  '*/ OR 1=1 /*',
  '`id`',
  '{"$gt":""}',
];
/** NUL, lone surrogates, astral and combining characters, bidi override, CR LF, BOM, paths, format strings. */
const ODD = ['\u0000', '\ud800', '\udfff', '😀', 'é', '\u202e', '\r\n', '\t', ' ', '', '\u00a0', 'ＡＢＣ', '\ufeff', '<script>', '../../etc/passwd', '%00', '%s%n'];

export const text: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom(...SQL, ...ODD),
  fc.tuple(fc.constantFrom(...SQL, ...ODD), fc.string({ maxLength: 8 })).map(([a, b]) => a + b),
  fc.integer({ min: 41, max: 700 }).map((n) => 'x'.repeat(n)),
);
export const wrongType: fc.Arbitrary<Json> = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.constant(new Obj([])),
);
/** 1 MB: ten times the body limit. */
const huge = fc.constant(new Raw(JSON.stringify('y'.repeat(1 << 20))));
/** Nesting around the body's 32-level limit and far beyond it. */
const deep = fc
  .tuple(fc.integer({ min: 30, max: 3_000 }), fc.boolean())
  .map(([d, arrays]) => new Raw(arrays ? '['.repeat(d) + ']'.repeat(d) : '{"a":'.repeat(d) + '1' + '}'.repeat(d)));
export const anything: fc.Arbitrary<Json> = fc.oneof({ weight: 4, arbitrary: text }, { weight: 2, arbitrary: wrongType }, { weight: 1, arbitrary: deep });
/** Numbers as written: fractions, exponents, beyond 2^53, signed zero, and what is not JSON at all. */
const NUMBERS = [
  ...['1.0', '1e2', '1E400', '-0', '0.5', '0', '-1', '1e-7', '9007199254740991', '9007199254740992', '9007199254740993', '99999999999999999999999'],
  ...['01', '+1', '.5', '5.', '0x10', 'Infinity', 'NaN', '1_000', '"100"', '"1e2"', '" 100 "'],
];
export const amount: fc.Arbitrary<Json> = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 1_000_000 }) },
  fc.integer({ min: -1e9, max: 0 }),
  fc.double(),
  fc.constantFrom(...NUMBERS).map((t) => new Raw(t)),
  fc.bigInt({ min: 2n ** 53n, max: 2n ** 80n }).map((b) => new Raw(b.toString())),
  anything,
);
export const currency = fc.oneof(fc.constantFrom('usd', 'eur', 'jpy', 'USD', 'Usd', 'us', 'usdd', '', ' usd', 'u\u0000d'), text);
/** No such currency (so a new account can never be opened): anything but three lower-case letters. */
export const noCurrency = text.filter((t) => !/^[a-z]{3}$/.test(t));
export const metadata: fc.Arbitrary<Json> = fc.oneof(
  fc.array(fc.tuple(text, fc.oneof(text, wrongType)), { maxLength: 60 }).map((e) => new Obj(e)),
  wrongType,
  deep,
);
const unknownName = fc.oneof(text, fc.constantFrom('__proto__', 'constructor', 'prototype', 'amount ', 'AMOUNT'));
const extras = fc.array(fc.tuple(unknownName, anything), { maxLength: 2 });

interface Field {
  /** A value the API accepts for the field. */
  valid: fc.Arbitrary<Json>;
  hostile: fc.Arbitrary<Json>;
}

/**
 * An object body: either every field hostile, absent or valid at random, or valid but for one
 * hostile field (so the deeper layers see hostile values too), or valid throughout; plus unknown fields.
 */
export function body(fields: Record<string, Field>): fc.Arbitrary<Obj> {
  const names = Object.keys(fields);
  const hostile = (f: Field) => fc.oneof({ weight: 8, arbitrary: f.hostile }, { weight: 1, arbitrary: huge });
  const random = fc.tuple(...names.map((n) => fc.option(fc.oneof(fields[n].valid, hostile(fields[n])), { freq: 6 })));
  const oneBad = fc.tuple(fc.constantFrom(...names), ...names.map((n) => fc.tuple(fields[n].valid, hostile(fields[n]))));
  const valid = fc.tuple(...names.map((n) => fields[n].valid));
  const values = fc.oneof(
    { weight: 2, arbitrary: random },
    { weight: 2, arbitrary: oneBad.map(([bad, ...pairs]) => pairs.map(([v, h], i) => (names[i] === bad ? h : v))) },
    { weight: 1, arbitrary: valid },
  );
  return fc.tuple(values, fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: extras })).map(([chosen, more]) => {
    const entries = names.flatMap((n, i): Array<[string, Json]> => (chosen[i] === null || chosen[i] === undefined ? [] : [[n, chosen[i] as Json]]));
    return new Obj([...entries, ...more]);
  });
}

export const validText = fc.string({ maxLength: 30 });
export const validMetadata = fc.array(fc.tuple(fc.string({ minLength: 1, maxLength: 10 }), validText), { maxLength: 3 }).map((e) => new Obj(e));
export const idField = (valid: string[]): Field => ({ valid: fc.constantFrom(...valid), hostile: id(valid) });
export const amountField: Field = { valid: fc.integer({ min: 1, max: 1_000_000 }), hostile: amount };

function id(ids: string[]): fc.Arbitrary<Json> {
  return fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...ids) }, { weight: 3, arbitrary: text }, { weight: 1, arbitrary: wrongType });
}
/** A path segment: usually percent-encoded, sometimes a broken escape. */
export function segment(ids: string[]): fc.Arbitrary<string> {
  const broken = fc.constantFrom('%', '%zz', '%E0%A4%A', '%C0%AF');
  return fc.oneof({ weight: 8, arbitrary: fc.oneof(fc.constantFrom(...ids), text).map(percentEncode) }, { weight: 1, arbitrary: broken });
}

const CONTENT_TYPES = [
  'application/json; charset=utf-8',
  'application/vnd.api+json',
  'text/plain',
  'application/xml',
  'multipart/form-data; boundary=x',
  'application/x-www-form-urlencoded',
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  '*/*',
];

/** How the body travels: JSON text, broken JSON, a non-object, or form fields. */
export function encoded(value: fc.Arbitrary<Obj>): fc.Arbitrary<{ bytes: Buffer; type: string | undefined }> {
  const jsonTypes = fc.constantFrom(...CONTENT_TYPES);
  const type = fc.oneof(
    { weight: 6, arbitrary: fc.constant<string | undefined>('application/json') },
    { weight: 3, arbitrary: jsonTypes },
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: text.map(safeHeader) },
  );
  const breakIt = fc.tuple(fc.nat(), fc.constantFrom('truncate', 'trailing comma', 'single quotes', 'bom', 'comment', 'equals', 'empty', 'spaces'));
  return fc.oneof(
    { weight: 6, arbitrary: fc.tuple(value, type).map(([v, t]) => ({ bytes: Buffer.from(jsonText(v)), type: t })) },
    {
      weight: 2,
      arbitrary: fc.tuple(value, breakIt, type).map(([v, [at, how], t]) => ({ bytes: Buffer.from(broken(jsonText(v), at, how)), type: t })),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.constantFrom('[]', '[1,2]', '"s"', '42', 'null', 'true', '{}'), type).map(([b, t]) => ({ bytes: Buffer.from(b), type: t })),
    },
    { weight: 1, arbitrary: value.map((v) => ({ bytes: Buffer.from(formText(v)), type: 'application/x-www-form-urlencoded' })) },
  );
}

function broken(json: string, at: number, how: string): string {
  const cut = json.length ? at % json.length : 0;
  switch (how) {
    case 'truncate': return json.slice(0, cut);
    case 'trailing comma': return json.replace(/}$/, ',}');
    case 'single quotes': return json.replace(/"/g, "'");
    case 'bom': return `\ufeff${json}`;
    case 'comment': return `/* x */${json}`;
    case 'equals': return json.replace(/:/g, '=');
    case 'empty': return '';
    default: return '   ';
  }
}

function formText(value: Obj): string {
  return value.entries.map(([k, v]) => `${percentEncode(k)}=${percentEncode(typeof v === 'string' ? v : jsonText(v))}`).join('&');
}

/** What an HTTP parser lets through to the app: the UTF-8 bytes, control bytes replaced. */
export function safeHeader(value: string): string {
  return utf8Bytes(value).replace(/[\x00-\x08\x0a-\x1f\x7f]/g, '?');
}
