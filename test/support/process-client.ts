import { randomBytes, randomUUID } from 'node:crypto';
import type { ServerProcess } from './server-process';

/** A fresh `BOOTSTRAP_API_KEY` value: the known key of the client a server process makes sure exists. */
export function bootstrapApiKey(): string {
  return `sk_test_${randomBytes(24).toString('base64url')}`;
}

export interface Answer {
  status: number;
  /** The raw body text, for byte-for-byte comparisons. */
  text: string;
  /** The body parsed as JSON, when it is JSON. */
  body: any;
  headers: Headers;
}

/**
 * What a network failure was, cause by cause (`fetch` only says "fetch failed" and keeps the
 * reason, such as ECONNRESET or "other side closed", in `error.cause`), with the error codes.
 */
export function networkErrorChain(error: unknown): string {
  const parts: string[] = [];
  for (let e: any = error, depth = 0; e && depth < 5; e = e.cause, depth++) {
    parts.push(e.code ? `${e.message} (${e.code})` : String(e.message ?? e));
  }
  return parts.join(' <- ');
}

/** One request to a server process with Node's fetch, answered in full. */
export async function call(
  server: Pick<ServerProcess, 'url'>,
  apiKey: string,
  method: string,
  path: string,
  options: { body?: unknown; key?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { Authorization: `Bearer ${apiKey}` };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (options.key !== undefined) headers['Idempotency-Key'] = options.key;
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body),
  });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, text, body, headers: res.headers };
}

export async function openAccountOn(server: Pick<ServerProcess, 'url'>, apiKey: string): Promise<string> {
  const answer = await call(server, apiKey, 'POST', '/v1/accounts', { body: { name: 'process test', currency: 'usd' } });
  expect(answer.status).toBe(201);
  return answer.body.id;
}

export async function depositOn(server: Pick<ServerProcess, 'url'>, apiKey: string, accountId: string, amount: number): Promise<void> {
  const answer = await call(server, apiKey, 'POST', `/v1/accounts/${accountId}/deposits`, {
    body: { amount, currency: 'usd' },
    key: `fund-${randomUUID()}`,
  });
  expect(answer.status).toBe(201);
}

export async function balanceOn(server: Pick<ServerProcess, 'url'>, apiKey: string, accountId: string): Promise<number> {
  const answer = await call(server, apiKey, 'GET', `/v1/accounts/${accountId}`);
  expect(answer.status).toBe(200);
  return answer.body.balance;
}
