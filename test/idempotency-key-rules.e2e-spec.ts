import { bearer } from './support/app';
import {
  balanceOf,
  countRows,
  databasesAndAdapters,
  expectExecuted,
  expectProblem,
  fundedPair,
  newKey,
  postTransfer,
  transferBody,
  transfersFrom,
  useSuiteApp,
} from './support/idempotency-fixtures';

/**
 * Contract §1: a key is 1–255 printable ASCII characters (0x21–0x7E), required on money-moving
 * routes, optional on account creation. Header cases are limited to what an HTTP client can put in
 * a header at all (Node refuses most control characters there), so the rest travel in the query.
 */
const INVALID_KEYS: Array<{ situation: string; header?: string; query?: string; param: string }> = [
  { situation: 'a key of 256 characters', header: 'k'.repeat(256), param: 'Idempotency-Key' },
  { situation: 'a key of 256 characters in the query', query: 'k'.repeat(256), param: 'idempotency_key' },
  { situation: 'a key with a tab (control character)', header: 'ab\tcd', param: 'Idempotency-Key' },
  { situation: 'a key with a SOH control character (0x01)', query: 'ab%01cd', param: 'idempotency_key' },
  { situation: 'a key with a DEL control character (0x7F)', query: 'ab%7Fcd', param: 'idempotency_key' },
  { situation: 'a key with a newline', query: 'ab%0Acd', param: 'idempotency_key' },
  { situation: 'a key with a space', header: 'ab cd', param: 'Idempotency-Key' },
  { situation: 'a key with a space in the query', query: 'ab%20cd', param: 'idempotency_key' },
  { situation: 'a non-ASCII key in the header (latin-1 byte)', header: 'caf\u00e9', param: 'Idempotency-Key' },
  { situation: 'a non-ASCII key in the query (UTF-8)', query: 'caf%C3%A9', param: 'idempotency_key' },
  { situation: 'an empty key', header: '', param: 'Idempotency-Key' },
  { situation: 'an empty quoted key ""', header: '""', param: 'Idempotency-Key' },
  { situation: 'an empty key in the query', query: '', param: 'idempotency_key' },
];

describe.each(databasesAndAdapters())('idempotency key rules on %s over %s', (kind, adapter) => {
  const suite = useSuiteApp(kind, adapter);

  describe('a missing key', () => {
    it('on a deposit is refused with 400 idempotency_key_missing and credits nothing', async () => {
      const { t } = suite;
      const { from } = await fundedPair(t, 0);
      const res = await t.http.post(`/v1/accounts/${from}/deposits`).set(bearer(t.apiKey)).send({ amount: 500, currency: 'usd' });
      expectProblem(res, 400, 'idempotency_key_missing');
      expect(res.body.detail).toMatch(/Idempotency-Key/);
      expect(await balanceOf(t, from)).toBe(0);
    });

    it('on a transfer is refused with 400 idempotency_key_missing and moves nothing', async () => {
      const { t } = suite;
      const { from, to } = await fundedPair(t, 1_000);
      const res = await t.http.post('/v1/transfers').set(bearer(t.apiKey)).send(transferBody(from, to, 100));
      expectProblem(res, 400, 'idempotency_key_missing');
      expect(await transfersFrom(t, from)).toBe(0);
      expect(await balanceOf(t, from)).toBe(1_000);
    });

    it('on a reversal is refused with 400 idempotency_key_missing and reverses nothing', async () => {
      const { t } = suite;
      const { from, to } = await fundedPair(t, 1_000);
      const transfer = await postTransfer(t, newKey('to-reverse'), transferBody(from, to, 400));
      expect(transfer.status).toBe(201);
      const res = await t.http.post(`/v1/transfers/${transfer.body.id}/reversals`).set(bearer(t.apiKey)).send({});
      expectProblem(res, 400, 'idempotency_key_missing');
      expect(await countRows(t, 'reversals', 'transfer_id = ?', [transfer.body.id])).toBe(0);
      expect(await balanceOf(t, to)).toBe(400);
    });

    it('on account creation is fine: the account opens, without deduplication and without a key echo', async () => {
      const { t } = suite;
      const send = () => t.http.post('/v1/accounts').set(bearer(t.apiKey)).send({ name: 'no key', currency: 'usd' });
      const first = await send();
      const second = await send();
      expect([first.status, second.status]).toEqual([201, 201]);
      expect(first.headers['idempotency-key']).toBeUndefined();
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      expect(second.body.id).not.toBe(first.body.id);
    });
  });

  describe('an invalid key is refused with 400 idempotency_key_invalid and nothing runs', () => {
    it.each(INVALID_KEYS)('$situation', async ({ header, query, param }) => {
      const { t } = suite;
      const { from } = await fundedPair(t, 0);
      const path = `/v1/accounts/${from}/deposits${query === undefined ? '' : `?idempotency_key=${query}`}`;
      const res = await t.http
        .post(path)
        .set({ ...bearer(t.apiKey), ...(header === undefined ? {} : { 'Idempotency-Key': header }) })
        .send({ amount: 500, currency: 'usd' });
      expectProblem(res, 400, 'idempotency_key_invalid');
      expect(res.body.param).toBe(param);
      expect(res.headers['idempotent-replayed']).toBeUndefined();
      expect(await balanceOf(t, from)).toBe(0);
      expect(await countRows(t, 'deposits', 'account_id = ?', [from])).toBe(0);
    });

    it('an invalid key on account creation (where a key is optional) is refused too, and opens no account', async () => {
      const { t } = suite;
      const name = newKey('invalid-on-optional');
      const res = await t.http.post('/v1/accounts').set({ ...bearer(t.apiKey), 'Idempotency-Key': 'has space' }).send({ name, currency: 'usd' });
      expectProblem(res, 400, 'idempotency_key_invalid');
      expect(await countRows(t, 'accounts', 'name = ?', [name])).toBe(0);
    });
  });

  it('a key of exactly 255 printable characters, the whole 0x21-0x7E range included, is accepted', async () => {
    const { t } = suite;
    const { from } = await fundedPair(t, 0);
    const printable = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i)).join('');
    const key = `${printable}${newKey('max')}`.padEnd(255, 'x');
    expect(key).toHaveLength(255);
    const send = () => t.http.post(`/v1/accounts/${from}/deposits`).set({ ...bearer(t.apiKey), 'Idempotency-Key': key }).send({ amount: 500, currency: 'usd' });
    const first = await send();
    expectExecuted(first, 201, key);
    const again = await send();
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(await balanceOf(t, from)).toBe(500);
  });
});
