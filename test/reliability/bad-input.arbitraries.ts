import fc from 'fast-check';
import {
  amountField,
  anything,
  body,
  currency,
  encoded,
  idField,
  metadata,
  noCurrency,
  safeHeader,
  segment,
  SQL,
  text,
  validMetadata,
  validText,
} from './hostile-values';
import { percentEncode, RawRequest } from './raw-http';

/**
 * Generators of hostile requests for the bad-input suite. They are built so that none can succeed:
 * transfers only ever leave accounts with nothing to send, deposits name another currency, the
 * reversal target is fully reversed, new accounts get a currency that does not exist. So any 2xx to
 * a POST, and any change to the data beyond a stored decline's key, is a defect.
 */
export interface Targets {
  apiKey: string;
  /** usd, balance > 0: only ever a recipient. */
  funded: string;
  /** usd, balance 0. */
  empty: string;
  /** eur, balance 0. */
  euro: string;
  /** A transfer already reversed in full. */
  spent: string;
}

const printable = fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c));
const printableKey = fc.string({ unit: printable, minLength: 1, maxLength: 255 });
const key = fc.oneof(
  { weight: 5, arbitrary: printableKey },
  fc.constantFrom(...SQL.filter((s) => /^[\x21-\x7e]+$/.test(s)), '"', '""', '', ' ', '"a b"'),
  printableKey.map((k) => `"${k}"`),
  fc.integer({ min: 256, max: 400 }).map((n) => 'k'.repeat(n)),
  text,
);
type KeyPlace = 'header' | 'none' | 'query' | 'both' | 'both, different' | 'two headers';
const keyPlace = fc.constantFrom<KeyPlace>('header', 'header', 'header', 'header', 'none', 'query', 'both', 'both, different', 'two headers');

export interface BadCase {
  request: RawRequest;
  /** The route, for grouping results. */
  route: string;
}

interface Route {
  route: string;
  method: string;
  path: string;
  bytes: Buffer;
  type: string | undefined;
}

const noBody = { bytes: Buffer.alloc(0), type: undefined };

/** Every route a client can reach, with hostile ids in its path and a hostile body where it takes one. */
function routes(t: Targets): fc.Arbitrary<Route> {
  const transfer = body({
    from_account: idField([t.empty, t.euro]),
    to_account: idField([t.funded, t.empty, t.euro]),
    amount: amountField,
    currency: { valid: fc.constantFrom('usd', 'eur'), hostile: currency },
    description: { valid: validText, hostile: anything },
    metadata: { valid: validMetadata, hostile: metadata },
  });
  const deposit = body({
    amount: amountField,
    currency: { valid: fc.constantFrom('eur', 'jpy'), hostile: currency.filter((c) => c !== 'usd') },
    description: { valid: validText, hostile: anything },
  });
  const account = body({
    name: { valid: fc.string({ minLength: 1, maxLength: 50 }), hostile: anything },
    currency: { valid: noCurrency, hostile: noCurrency },
    metadata: { valid: validMetadata, hostile: metadata },
  });
  const query = fc.array(fc.tuple(fc.constantFrom('limit', 'starting_after', 'account', 'limit[]'), fc.oneof(fc.constantFrom('1', '100', '0', '101', '-1', '1e2', ''), text)), {
    maxLength: 3,
  });
  return fc.oneof(
    { weight: 5, arbitrary: encoded(transfer).map((b) => ({ route: 'POST /v1/transfers', method: 'POST', path: '/v1/transfers', ...b })) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(segment([t.funded, t.empty]), encoded(deposit))
        .map(([s, b]) => ({ route: 'POST /v1/accounts/:id/deposits', method: 'POST', path: `/v1/accounts/${s}/deposits`, ...b })),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(segment([t.spent]), encoded(body({ amount: amountField })))
        .map(([s, b]) => ({ route: 'POST /v1/transfers/:id/reversals', method: 'POST', path: `/v1/transfers/${s}/reversals`, ...b })),
    },
    { weight: 1, arbitrary: encoded(account).map((b) => ({ route: 'POST /v1/accounts', method: 'POST', path: '/v1/accounts', ...b })) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom('/v1/accounts/:id', '/v1/accounts/:id/ledger', '/v1/transfers/:id', '/v1/idempotency-keys/:id'), segment([t.funded, t.spent]))
        .map(([route, s]) => ({ route: `GET ${route}`, method: 'GET', path: route.replace(':id', s), ...noBody })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom('/v1/transfers', '/v1/accounts'), query)
        .map(([p, q]) => ({ route: `GET ${p}?query`, method: 'GET', path: `${p}?${q.map(([k, v]) => `${k}=${percentEncode(v)}`).join('&')}`, ...noBody })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom('PATCH', 'PUT', 'DELETE'), fc.constantFrom('/v1/transfers', `/v1/accounts/${t.funded}`, `/v1/transfers/${t.spent}`))
        .map(([m, p]) => ({ route: `${m} ${p.replace(/acct_\w+|tr_\w+/, ':id')}`, method: m, path: p, bytes: Buffer.from('{}'), type: 'application/json' })),
    },
  );
}

/** One hostile request to any route, with hostile keys (header, query, both, twice), auth and headers. */
export function badRequest(t: Targets): fc.Arbitrary<BadCase> {
  const auth = fc.oneof(
    { weight: 12, arbitrary: fc.constant([`Bearer ${t.apiKey}`]) },
    fc.constantFrom([], ['Bearer'], ['Bearer sk_test_wrong'], [`Basic ${Buffer.from('a:b').toString('base64')}`], [`bearer ${t.apiKey}`]),
    fc.constant([`Bearer ${t.apiKey}`, `Bearer ${t.apiKey}`]),
    text.map((s) => [`Bearer ${safeHeader(s)}`]),
  );
  const names = fc.constantFrom('X-Request-Id', 'Accept', 'Accept-Encoding', 'Content-Encoding', 'X-Forwarded-For', 'Cookie', 'If-Match', 'X-Http-Method-Override');
  const extra = fc.array(fc.tuple(names, fc.oneof(text, fc.constantFrom('gzip', 'xyz', 'text/html', 'PUT')).map(safeHeader)), { maxLength: 3 });
  return fc.tuple(routes(t), auth, key, key, keyPlace, extra).map(([r, authValues, k, other, place, more]) => {
    const headers: Array<[string, string]> = authValues.map((v) => ['Authorization', v]);
    if (r.type !== undefined) headers.push(['Content-Type', r.type]);
    if (place !== 'none' && place !== 'query') headers.push(['Idempotency-Key', safeHeader(k)]);
    if (place === 'two headers') headers.push(['Idempotency-Key', safeHeader(other)]);
    headers.push(...more);
    const query = place === 'query' || place === 'both' ? k : place === 'both, different' ? other : undefined;
    const path = query === undefined ? r.path : `${r.path}${r.path.includes('?') ? '&' : '?'}idempotency_key=${percentEncode(query)}`;
    return { route: r.route, request: { method: r.method, path, headers, body: r.bytes } };
  });
}

/** Requests the HTTP layer itself must refuse: control bytes in headers, broken framing. */
export function controlByteRequest(t: Targets): fc.Arbitrary<BadCase> {
  const ctl = fc.integer({ min: 0, max: 0x20 }).map((c) => String.fromCharCode(c === 0x09 ? 0x7f : c === 0x20 ? 0x00 : c)); // no HTAB; DEL
  const dirty = fc.tuple(printableKey, ctl, fc.nat()).map(([s, c, at]) => s.slice(0, at % (s.length + 1)) + c + s.slice(at % (s.length + 1)));
  const header = fc.constantFrom('Idempotency-Key', 'Authorization', 'Content-Type', 'X-Request-Id');
  return fc.tuple(header, dirty, fc.constantFrom('/v1/transfers', `/v1/accounts/${t.funded}/deposits`)).map(([name, value, path]) => {
    const headers: Array<[string, string]> = [
      ['Authorization', `Bearer ${t.apiKey}`],
      ['Content-Type', 'application/json'],
      ['Idempotency-Key', 'ctl-key'],
    ];
    const at = headers.findIndex(([n]) => n === name);
    if (at >= 0) headers[at] = [name, name === 'Authorization' ? `Bearer ${value}` : value];
    else headers.push([name, value]);
    const body = Buffer.from(JSON.stringify({ from_account: t.empty, to_account: t.funded, amount: 1, currency: 'usd' }));
    const route = `POST ${path.replace(/acct_\w+/, ':id')} (${name} with a control byte)`;
    return { route, request: { method: 'POST', path, headers, body } };
  });
}
