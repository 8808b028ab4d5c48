import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { PaymentsClient } from './payments-client';
import { fakeFetch, Scripted } from './testing/fake-fetch';

const item = (prefix: string) => (n: number) => ({ id: `${prefix}_${n}`, amount: n * 100, currency: 'usd', created_at: '2026-01-01T00:00:00.000Z' });
const page = (ids: number[], hasMore: boolean, prefix = 'acct') => ({ status: 200, body: { object: 'list', data: ids.map(item(prefix)), has_more: hasMore } });

function clientWith(...script: Scripted[]) {
  const fake = fakeFetch(...script);
  const client = new PaymentsClient({ apiKey: 'sk_test_unit', baseUrl: 'http://payments.test', fetch: fake.fetch, baseDelayMs: 0 });
  return { client, calls: fake.calls };
}

describe('PaymentsClient', () => {
  it('walks every page of a list with starting_after', async () => {
    const { client, calls } = clientWith(page([5, 4], true), page([3, 2], true), page([1], false));
    const ids: string[] = [];
    for await (const item of client.accounts.listAutoPaging({ limit: 2 })) ids.push(item.id);
    expect(ids).toEqual(['acct_5', 'acct_4', 'acct_3', 'acct_2', 'acct_1']);
    expect(calls.map((call) => call.url)).toEqual([
      'http://payments.test/v1/accounts?limit=2',
      'http://payments.test/v1/accounts?limit=2&starting_after=acct_4',
      'http://payments.test/v1/accounts?limit=2&starting_after=acct_2',
    ]);
  });

  it('fetches the next page only when the loop gets there', async () => {
    const { client, calls } = clientWith(page([5, 4], true, 'tr'), page([3], false, 'tr'));
    for await (const transfer of client.transfers.listAutoPaging({ account: 'acct_9', limit: 2 })) {
      expect(transfer.id).toBe('tr_5');
      break;
    }
    expect(calls.map((call) => call.url)).toEqual(['http://payments.test/v1/transfers?account=acct_9&limit=2']);
  });

  it('retries a page that failed on the way', async () => {
    const { client, calls } = clientWith({ status: 503, body: { code: 'service_unavailable' } }, page([1], false));
    const ids: string[] = [];
    for await (const item of client.accounts.listAutoPaging()) ids.push(item.id);
    expect(ids).toEqual(['acct_1']);
    expect(calls).toHaveLength(2);
  });

  it.each([
    ['accounts.create', (c: PaymentsClient) => c.accounts.create({ name: 'A', currency: 'usd' }), 'POST', '/v1/accounts'],
    ['accounts.retrieve', (c: PaymentsClient) => c.accounts.retrieve('acct_1'), 'GET', '/v1/accounts/acct_1'],
    ['deposits.create', (c: PaymentsClient) => c.deposits.create('acct_1', { amount: 100, currency: 'usd' }), 'POST', '/v1/accounts/acct_1/deposits'],
    ['transfers.retrieve', (c: PaymentsClient) => c.transfers.retrieve('tr_1'), 'GET', '/v1/transfers/tr_1'],
    ['reversals.create', (c: PaymentsClient) => c.reversals.create('tr_1', { amount: 5 }), 'POST', '/v1/transfers/tr_1/reversals'],
    ['idempotencyKeys.create', (c: PaymentsClient) => c.idempotencyKeys.create({ purpose: 'transfers.create' }), 'POST', '/v1/idempotency-keys'],
    ['idempotencyKeys.retrieve', (c: PaymentsClient) => c.idempotencyKeys.retrieve('a/b'), 'GET', '/v1/idempotency-keys/a%2Fb'],
  ])('%s calls %s %s', async (_, call, method, path) => {
    const { client, calls } = clientWith({ status: 200, body: { id: 'x' } });
    await call(client);
    expect({ method: calls[0].method, url: calls[0].url }).toEqual({ method, url: `http://payments.test${path}` });
    expect(calls[0].headers['Idempotency-Key'] !== undefined).toBe(method === 'POST');
  });

  it('refuses to start without an API key', () => {
    expect(() => new PaymentsClient({ apiKey: '' })).toThrow(/apiKey is required/);
  });

  it('imports nothing outside src/client but Node built-ins, so it can be used on its own', () => {
    const root = resolve(__dirname);
    const sources = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
      );
    const outside = sources(root).flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/^(?:import|export)[^'"]*from\s+'([^']+)'/gm)]
        .map((match) => match[1])
        .filter((target) => !target.startsWith('node:') && !(target.startsWith('.') && !relative(root, resolve(join(file, '..'), target)).startsWith('..')))
        .map((target) => `${relative(root, file)} → ${target}`),
    );
    expect(outside).toEqual([]);
  });
});
