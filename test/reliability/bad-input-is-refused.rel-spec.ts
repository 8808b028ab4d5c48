import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { call, depositOn, openAccountOn } from '../support/process-client';
import { BadCase, badRequest, controlByteRequest, Targets } from './bad-input.arbitraries';
import { Fleet, Tally } from './fleet';
import { percentEncode, RawAnswer, rawExchange, requestBytes } from './raw-http';
import { SEED, sizes, timeoutFor } from './reliability-settings';
import { expectInvariantsHold } from './run-summary';

const ADAPTERS = ['express', 'fastify'] as const;
/** Declines a handler decides, stored under the key (idempotency.md §3): the only write a refused request may leave. */
const STORED_DECLINES = new Set(['insufficient_funds', 'account_not_found', 'transfer_not_found', 'currency_mismatch', 'same_account', 'amount_exceeds_refundable', 'balance_limit_exceeded']);
/** What a problem body must never show. */
const LEAK = /QueryFailedError|ER_[A-Z_]{4,}|\bat \S+\.js:\d+|SELECT .* FROM|INSERT INTO|node_modules/;

/**
 * Contract §4 and §5.4, property-based: hostile keys (lengths, control bytes, unicode, quotes, SQL),
 * bodies (wrong types, huge and fractional amounts, deep nesting, 1 MB strings, broken JSON, wrong
 * content types) and headers, sent as raw bytes to one Express and one Fastify process. Every
 * answer must be a 4xx problem+json (a GET may also answer 200), never a 5xx; and no request may
 * change the database, except that a handler's decline is stored under its key.
 */
describe(`bad input is refused: ${sizes.fuzzCases} property-based cases on Express and Fastify`, () => {
  let fleet: Fleet;
  let targets: Targets;
  const statuses = new Tally();
  const codes = new Tally();
  let cases = 0;
  let started = 0;

  beforeAll(async () => {
    started = Date.now();
    fleet = await Fleet.start({ servers: 2, envOf: (slot) => ({ HTTP_ADAPTER: ADAPTERS[slot] }) });
    const funded = await openAccountOn(fleet.at(0), fleet.apiKey);
    const empty = await openAccountOn(fleet.at(0), fleet.apiKey);
    const euro = (await call(fleet.at(1), fleet.apiKey, 'POST', '/v1/accounts', { body: { name: 'euro', currency: 'eur' } })).body.id;
    await depositOn(fleet.at(0), fleet.apiKey, funded, 1_000);
    const sent = await call(fleet.at(0), fleet.apiKey, 'POST', '/v1/transfers', {
      body: { from_account: funded, to_account: empty, amount: 100, currency: 'usd' },
      key: `spent-${randomUUID()}`,
    });
    const reversed = await call(fleet.at(1), fleet.apiKey, 'POST', `/v1/transfers/${sent.body.id}/reversals`, { body: {}, key: `back-${randomUUID()}` });
    expect([euro, sent.status, reversed.status]).toEqual([expect.stringMatching(/^acct_/), 201, 201]);
    targets = { apiKey: fleet.apiKey, funded, empty, euro, spent: sent.body.id };
  }, 120_000);
  afterAll(async () => {
    await fleet?.close();
  }, 60_000);

  /** Every table's row count and every balance, in one round trip. */
  async function snapshot(): Promise<string> {
    const [[row]] = await fleet.sql.query<any[]>(
      `SELECT (SELECT COUNT(*) FROM clients) AS clients, (SELECT COUNT(*) FROM accounts) AS accounts,
              (SELECT COUNT(*) FROM ledger_entries) AS entries, (SELECT COUNT(*) FROM transfers) AS transfers,
              (SELECT COUNT(*) FROM deposits) AS deposits, (SELECT COUNT(*) FROM reversals) AS reversals,
              (SELECT GROUP_CONCAT(id, '=', balance ORDER BY id) FROM accounts) AS balances,
              (SELECT COUNT(*) FROM idempotency_keys) AS idempotency_keys`,
    );
    return JSON.stringify(row);
  }

  /** Sends one case to both processes and returns what is wrong with the answers or the data. */
  async function judge(c: BadCase): Promise<string[]> {
    cases++;
    const faults: string[] = [];
    for (const [slot, adapter] of ADAPTERS.entries()) {
      const before = await snapshot();
      const answer = await rawExchange(Number(new URL(fleet.url(slot)).port), requestBytes(c.request));
      const after = await snapshot();
      statuses.add(answer.status);
      let body: any;
      try {
        body = JSON.parse(answer.body);
      } catch {
        body = undefined;
      }
      codes.add(body?.code ?? '(no code)');
      const fault = verdict(c, answer, body, before, after);
      if (fault) faults.push(`${adapter}: ${fault}`);
    }
    return faults;
  }

  function verdict(c: BadCase, answer: RawAnswer, body: any, before: string, after: string): string | undefined {
    const { status } = answer;
    if (status === 0) return `no answer (${answer.error})`;
    if (status >= 500) return `${status} ${body?.code ?? answer.body.slice(0, 80)}`;
    if (status < 400 && !(c.request.method === 'GET' && status === 200)) return `accepted with ${status}`;
    if (status >= 400 && !/^application\/problem\+json/.test(answer.headers['content-type'] ?? '')) {
      return `${status} answered as ${answer.headers['content-type'] ?? 'no content type'}, not problem+json`;
    }
    if (status >= 400 && (body?.status !== status || typeof body?.code !== 'string')) return `${status} problem without status/code`;
    const leak = LEAK.exec(answer.body);
    if (leak && !echoes(c, leak[0])) return `${status} ${body?.code} shows internals: ${leak[0]}`;
    if (before === after) return undefined;
    const declined = c.request.method === 'POST' && STORED_DECLINES.has(body?.code);
    const [was, now] = [JSON.parse(before), JSON.parse(after)];
    const keysAdded = Number(now.idempotency_keys) - Number(was.idempotency_keys);
    const rest = (s: any) => JSON.stringify({ ...s, idempotency_keys: 0 });
    if (declined && keysAdded === 1 && rest(was) === rest(now)) return undefined;
    return `${status} ${body?.code} changed the database: ${before} -> ${after}`;
  }

  /** Runs the property, groups what went wrong by route and fault, keeps the first example of each. */
  async function run(arbitrary: fc.Arbitrary<BadCase>, numRuns: number) {
    const found = new Map<string, { count: number; example: string }>();
    await fc.assert(
      fc.asyncProperty(arbitrary, async (c) => {
        for (const fault of await judge(c)) {
          const group = `${c.route} -> ${fault.replace(/: \{.*$/, '').slice(0, 140)}`;
          const seen = found.get(group) ?? { count: 0, example: describeCase(c) };
          found.set(group, { ...seen, count: seen.count + 1 });
        }
        return true;
      }),
      { numRuns, seed: SEED, endOnFailure: true },
    );
    return [...found].map(([group, { count, example }]) => `${count}x ${group}\n     e.g. ${example}`);
  }

  it(
    'hostile keys, bodies and headers: only 4xx problem+json answers, never a 5xx, the data untouched but for stored declines',
    async () => {
      const defects = await run(badRequest(targets), sizes.fuzzCases);
      console.log(`bad input: ${cases} cases (x${ADAPTERS.length} adapters), seed ${SEED}; statuses ${JSON.stringify(statuses.counts)}`);
      expect(defects).toEqual([]);
    },
    timeoutFor(180_000, sizes.fuzzCases, 400),
  );

  /** Inputs the property found once, kept as plain cases so that each stays checked on every run. */
  const known: Array<[string, () => BadCase]> = [
    ['a non-ASCII account id in a path', () => hostile('GET', `/v1/accounts/${percentEncode('é')}`)],
    ['a non-ASCII transfer id in a reversal path', () => hostile('POST', `/v1/transfers/${percentEncode('tr_é')}/reversals`, { amount: 1 })],
    ['a non-ASCII from_account in a transfer', () => hostile('POST', '/v1/transfers', { from_account: 'acct_é', to_account: targets.funded, amount: 1, currency: 'usd' })],
    ['a non-ASCII starting_after cursor', () => hostile('GET', `/v1/transfers?starting_after=${percentEncode('😀')}`)],
    ['a broken percent-escape in a path', () => hostile('GET', '/v1/accounts/%zz')],
    ['a path parameter over 100 characters', () => hostile('GET', `/v1/transfers/${'t'.repeat(101)}`)],
    ['a control byte in the Idempotency-Key header', () => hostile('POST', '/v1/transfers', { amount: 1 }, [['Idempotency-Key', 'a\x01b']])],
  ];

  it.each(known)('%s: a 4xx problem+json on both adapters, nothing written', async (_, make) => {
    expect(await judge(make())).toEqual([]);
  });

  /** A request that is valid HTTP but for what the test wants hostile; a fresh key unless one is given. */
  function hostile(method: string, path: string, body?: object, headers: Array<[string, string]> = []): BadCase {
    const base: Array<[string, string]> = [['Authorization', `Bearer ${targets.apiKey}`]];
    if (!headers.some(([name]) => name === 'Idempotency-Key')) base.push(['Idempotency-Key', `known-${randomUUID()}`]);
    if (body) base.push(['Content-Type', 'application/json']);
    return { route: `${method} ${path}`, request: { method, path, headers: [...base, ...headers], body: body && Buffer.from(JSON.stringify(body)) } };
  }

  it(
    'control bytes in header values: refused as a 4xx problem+json before anything runs',
    async () => {
      const defects = await run(controlByteRequest(targets), Math.max(20, Math.round(sizes.fuzzCases / 10)));
      expect(defects).toEqual([]);
    },
    timeoutFor(60_000),
  );

  it('ends with every ledger and key invariant holding', async () => {
    await expectInvariantsHold(fleet.sql, {
      suite: 'bad input is refused',
      durationMs: Date.now() - started,
      requests: statuses.total,
      retries: 0,
      kills: 0,
      answers: statuses.counts,
      notes: [`${cases} property-based cases, each sent to ${ADAPTERS.join(' and ')}`, `codes ${JSON.stringify(codes.counts)}`],
    });
  });
});

/** Whether `text` is only the request's own input repeated back (as sent, or percent-decoded). */
function echoes(c: BadCase, text: string): boolean {
  const sent = requestBytes(c.request).toString('utf8');
  let decoded = sent;
  try {
    decoded = decodeURIComponent(sent.replace(/\+/g, ' '));
  } catch {
    // a broken escape: only the text as sent can be echoed
  }
  return sent.includes(text) || decoded.includes(text);
}

/** A case in a few hundred characters: method, target, headers, the start of the body and its size. */
function describeCase(c: BadCase): string {
  const body = c.request.body ?? Buffer.alloc(0);
  const shown = body.length > 160 ? `${body.subarray(0, 160).toString('utf8')}… (${body.length} bytes)` : body.toString('utf8');
  const headers = c.request.headers.map(([n, v]) => `${n}: ${v.length > 60 ? `${v.slice(0, 60)}…` : v}`).join(' | ');
  return JSON.stringify(`${c.request.method} ${c.request.path.slice(0, 160)} | ${headers} | ${shown}`);
}
