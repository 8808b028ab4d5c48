import { randomBytes, randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
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

/**
 * The tests' own connection pool. An idle connection is closed by the test after 10 s, far inside
 * the server's keep-alive (72 s, `HTTP_KEEP_ALIVE_TIMEOUT_MS`), so the server never closes one the
 * test is about to reuse. `fetch`'s pool keeps one until 2 s before the server's announced timeout,
 * and a test process that drives thousands of requests on a loaded machine notices its idle timers
 * seconds late (a reliability run saw connections reused 5 to 8 s after their last answer, past fetch's 3 s limit): a request sent as the
 * server closes fails with a reset that says nothing about the server.
 */
const pool = new Agent({ keepAlive: true, timeout: 10_000 });

/** No answer within this long is a failure (what `fetch` allows by default). */
const ANSWER_TIMEOUT_MS = 300_000;

/** One request to a server process, answered in full. */
export function call(
  server: Pick<ServerProcess, 'url'>,
  apiKey: string,
  method: string,
  path: string,
  options: { body?: unknown; key?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { Authorization: `Bearer ${apiKey}` };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (options.key !== undefined) headers['Idempotency-Key'] = options.key;
  const payload = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  if (payload !== undefined) headers['Content-Length'] = String(Buffer.byteLength(payload));
  return new Promise<Answer>((resolve, reject) => {
    const req = request(`${server.url}${path}`, { method, headers, agent: pool }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          body = undefined;
        }
        const answerHeaders = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          for (const one of Array.isArray(value) ? value : [value ?? '']) answerHeaders.append(name, one);
        }
        resolve({ status: res.statusCode ?? 0, text, body, headers: answerHeaders });
      });
    });
    req.setTimeout(ANSWER_TIMEOUT_MS, () => req.destroy(new Error(`no answer within ${ANSWER_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
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
