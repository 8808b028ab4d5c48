import { createHash, randomBytes, randomInt } from 'node:crypto';

/** Accounts and money for the transfers the scenarios send, made through the API itself. */
export const ACCOUNT_COUNT = 64;
/** Each account gets this much (minor units): far more than any run can move out of it. */
export const FUNDING = 1_000_000_000_000;
const MAX_TRANSFER = 1_000;

export interface Api {
  url: string;
  apiKey: string;
}

export function authHeaders(api: Api): Record<string, string> {
  return { authorization: `Bearer ${api.apiKey}`, 'content-type': 'application/json' };
}

async function post(api: Api, path: string, body: unknown, key?: string): Promise<{ status: number; json: any }> {
  const headers = { ...authHeaders(api), ...(key ? { 'idempotency-key': key } : {}) };
  const res = await fetch(`${api.url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json };
}

function expect2xx(what: string, response: { status: number; json: unknown }): void {
  if (response.status < 200 || response.status > 299) {
    throw new Error(`${what} answered ${response.status}: ${JSON.stringify(response.json).slice(0, 300)}`);
  }
}

/** Runs `task` over `items` with at most `concurrency` in flight. */
export async function eachLimited<T>(items: T[], concurrency: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      await task(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/** Opens `ACCOUNT_COUNT` USD accounts and deposits `FUNDING` into each; returns their ids. */
export async function prepareAccounts(api: Api): Promise<string[]> {
  const ids: string[] = new Array(ACCOUNT_COUNT);
  await eachLimited([...ids.keys()], 8, async (i) => {
    const account = await post(api, '/v1/accounts', { name: `bench ${i}`, currency: 'usd' });
    expect2xx('POST /v1/accounts', account);
    ids[i] = account.json.id;
    const deposit = await post(api, `/v1/accounts/${ids[i]}/deposits`, { amount: FUNDING, currency: 'usd' }, uniqueKey('fund'));
    expect2xx('POST /v1/accounts/:id/deposits', deposit);
  });
  return ids;
}

const RUN = randomBytes(6).toString('hex');
let counter = 0;

/** A key never sent before (this run's random prefix and a counter). */
export function uniqueKey(kind: string): string {
  return `bench-${RUN}-${kind}-${++counter}`;
}

/** A transfer of 1..1000 cents between two different accounts picked at random. */
export function randomTransfer(accounts: string[], pick: (n: number) => number = randomInt): string {
  const from = pick(accounts.length);
  const to = (from + 1 + pick(accounts.length - 1)) % accounts.length;
  return JSON.stringify({ from_account: accounts[from], to_account: accounts[to], amount: 1 + pick(MAX_TRANSFER), currency: 'usd' });
}

/** The same transfer every time for one seed: retries of one key must send one body. */
export function seededTransfer(accounts: string[], seed: number): string {
  const bytes = createHash('sha256').update(`${RUN}:${seed}`).digest();
  let offset = 0;
  const pick = (n: number) => bytes.readUInt32BE((offset += 4) - 4) % n;
  return randomTransfer(accounts, pick);
}

export interface CompletedKey {
  key: string;
  body: string;
}

/** Sends `size` transfers with fresh keys and returns them: the pool the replay scenario repeats. */
export async function completeReplayPool(api: Api, accounts: string[], size: number): Promise<CompletedKey[]> {
  const pool: CompletedKey[] = Array.from({ length: size }, () => ({ key: uniqueKey('pool'), body: randomTransfer(accounts) }));
  await eachLimited(pool, 10, async ({ key, body }) => {
    const headers = { ...authHeaders(api), 'idempotency-key': key };
    const res = await fetch(`${api.url}/v1/transfers`, { method: 'POST', headers, body });
    const text = await res.text();
    if (res.status !== 201) throw new Error(`replay pool: POST /v1/transfers answered ${res.status}: ${text.slice(0, 300)}`);
  });
  return pool;
}
