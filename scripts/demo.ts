import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureStartupClients } from '../src/auth/startup-clients';
import { AttemptEvent, PaymentsClient } from '../src/client';
import { describeNetworkError } from '../src/client/client.errors';
import { Fault, FaultProxy, ProxyEvent } from '../src/client/testing/fault-proxy';
import { loadAppConfig } from '../src/config/app-config';
import { createApp } from '../src/http-setup';
import { runWebhooksDemo } from './demo-webhooks';

/**
 * `npm run demo [-- --url http://localhost:3000 --api-key sk_test_…]`: one logical transfer sent
 * through a network that loses answers, delivers them late, resets connections and duplicates
 * requests; the client retries with one key and the server moves the money exactly once.
 * `npm run demo -- --webhooks`: events delivered as signed webhooks to a receiver started here.
 */
const TIMEOUT_MS = 1_000;
const AMOUNT = 2_500;
const FAULTS: Array<[Fault, string]> = [
  [{ kind: 'drop', copies: 3 }, 'sent 3 times at once, then the answer is dropped'],
  [{ kind: 'delay', delayMs: 2_500 }, `answer held 2500 ms, past the client's ${TIMEOUT_MS} ms timeout`],
  [{ kind: 'reset' }, 'connection reset before the request is forwarded'],
  [{ kind: 'pass' }, 'passes untouched'],
];

const say = (line = '') => console.log(line);

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { url: { type: 'string' }, 'api-key': { type: 'string' }, webhooks: { type: 'boolean' } } });
  if (values.url && !values['api-key']) throw new UsageError('--url needs --api-key (the API key of a client on that server)');
  const started = Date.now();
  const server = values.url ? { url: values.url, apiKey: values['api-key']!, where: 'running server', stop: async () => {} } : await startEmbeddedServer();
  if (values.webhooks) {
    try {
      process.exitCode = (await runWebhooksDemo(server)) ? 0 : 1;
    } finally {
      await server.stop();
    }
    return;
  }
  const proxy = await FaultProxy.start({ target: server.url, onEvent: printProxyEvent });
  try {
    say('Exactly-once demo');
    say(`  server  ${server.url} (${server.where})`);
    say(`  proxy   ${proxy.url} → server; injects faults into POST /v1/transfers`);
    say(`  client  ${TIMEOUT_MS} ms timeout per attempt, up to 5 retries, one Idempotency-Key for all attempts`);
    const direct = new PaymentsClient({ apiKey: server.apiKey, baseUrl: server.url });
    const flaky = new PaymentsClient({ apiKey: server.apiKey, baseUrl: proxy.url, timeoutMs: TIMEOUT_MS, maxRetries: 5, baseDelayMs: 100, maxDelayMs: 1_000, onAttempt: printAttempt });

    say('\n1. Open two accounts and fund one (directly, no faults)');
    const alice = await direct.accounts.create({ name: 'Alice', currency: 'usd' });
    const bob = await direct.accounts.create({ name: 'Bob', currency: 'usd' });
    const deposit = await direct.deposits.create(alice.id, { amount: 10_000, currency: 'usd', description: 'demo funding' });
    say(`   Alice   ${alice.id}`);
    say(`   Bob     ${bob.id}`);
    say(`   deposit ${deposit.id}: 10000 (usd minor units) into Alice`);

    say(`\n2. ONE transfer of ${AMOUNT} from Alice to Bob, through the faulty proxy`);
    FAULTS.forEach(([fault, label], i) => {
      proxy.inject({ method: 'POST', path: '/v1/transfers' }, fault);
      say(`   attempt ${i + 1}: ${label}`);
    });
    const body = { from_account: alice.id, to_account: bob.id, amount: AMOUNT, currency: 'usd', description: 'demo transfer' };
    const transfer = await flaky.transfers.create(body);
    const meta = transfer.lastResponse;
    say(`   → the call resolved to ${transfer.id} after ${meta.attempts} attempts (replayed: ${meta.replayed}, key ${meta.idempotencyKey})`);

    say('\n3. The same key once more, sent directly');
    const again = await direct.transfers.create(body, { idempotencyKey: meta.idempotencyKey });
    say(`   ${again.lastResponse.statusCode} replayed: ${again.lastResponse.replayed}, same transfer: ${again.id === transfer.id}, same body: ${JSON.stringify(again) === JSON.stringify(transfer)}`);

    say('\n4. What the server holds');
    const made: string[] = [];
    for await (const t of direct.transfers.listAutoPaging({ account: alice.id })) made.push(t.id);
    const [a, b] = [await direct.accounts.retrieve(alice.id), await direct.accounts.retrieve(bob.id)];
    const copies = proxy.forwarded(meta.idempotencyKey);
    const executed = copies.filter((e) => e.status === 201 && !e.replayed).length;
    say(`   the request reached the server ${copies.length} times (+1 direct in step 3); it executed ${executed} time(s)`);
    say(`   balances: Alice ${a.balance}, Bob ${b.balance}`);
    say(`   transfers from Alice on the server: ${made.length} (${made.join(', ')})`);
    const ok = made.length === 1 && made[0] === transfer.id && a.balance === 10_000 - AMOUNT && b.balance === AMOUNT;
    say(ok ? `\n✓ exactly once: one transfer, balances 7500 / 2500 (${((Date.now() - started) / 1000).toFixed(1)} s)` : '\n✗ NOT exactly once: see above');
    process.exitCode = ok ? 0 : 1;
  } finally {
    await proxy.close();
    await server.stop();
  }
}

/** The app in this process on a fresh SQLite file in a temporary folder, with a bootstrap API key. */
async function startEmbeddedServer() {
  const dir = mkdtempSync(join(tmpdir(), 'payments-demo-'));
  const apiKey = `sk_test_demo_${randomBytes(12).toString('hex')}`;
  const file = join(dir, 'demo.sqlite');
  const config = loadAppConfig({
    DATABASE_URL: `sqlite:${file}`,
    BOOTSTRAP_API_KEY: apiKey,
    BOOTSTRAP_CLIENT_NAME: 'demo',
    LOG_LEVEL: 'error',
    // The webhooks demo's receiver listens on this machine, and its retry should come quickly.
    WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
    WEBHOOKS_POLL_MS: '200',
    WEBHOOK_RETRY_BASE_MS: '1000',
  });
  const app = await createApp(config, { logger: false });
  await ensureStartupClients(app, config);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    where: `in-process, SQLite ${file}`,
    stop: async () => {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const shownKeys = new Set<string>();

function printProxyEvent(event: ProxyEvent): void {
  if (event.method !== 'POST' || event.path !== '/v1/transfers') return;
  const tag = `   [proxy ] request ${event.request}:`;
  if (event.idempotencyKey && !shownKeys.has(event.idempotencyKey)) {
    shownKeys.add(event.idempotencyKey);
    say(`   [proxy ] Idempotency-Key ${event.idempotencyKey} (made by the client before attempt 1)`);
  }
  if (event.action === 'forwarded') {
    const copy = (event.copies ?? 1) > 1 ? ` copy ${event.copy}/${event.copies}` : '';
    const what = event.replayed ? 'replayed the stored answer' : event.status === 201 ? 'EXECUTED the transfer' : event.code ?? '';
    say(`${tag}${copy} reached the server → ${event.status} ${what}`);
  } else if (event.action === 'dropped') say(`${tag} answer dropped, client connection closed`);
  else if (event.action === 'delayed') say(`${tag} answer held ${event.delayMs} ms`);
  else if (event.action === 'reset') say(`${tag} connection reset, nothing forwarded`);
  else if (event.action === 'upstream_failed') say(`${tag} server unreachable: ${event.error}`);
}

function printAttempt(event: AttemptEvent): void {
  if (event.method !== 'POST') return;
  const saw = event.status !== undefined
    ? `${event.status}${event.code ? ` ${event.code}` : ''}${event.replayed ? ' (Idempotent-Replayed: true)' : ''}`
    : event.timedOut ? `no answer within ${TIMEOUT_MS} ms (timeout)` : `no answer: ${describeNetworkError(event.error)}`;
  const next = event.retryInMs !== undefined ? ` → retry in ${event.retryInMs} ms, same key` : ' → done';
  say(`   [client] attempt ${event.attempt}: ${saw}${next}`);
}

class UsageError extends Error {}

main().catch((error) => {
  if (error instanceof UsageError) {
    console.error(`usage: npm run demo [-- --url <server url> --api-key <api key>] [--webhooks]\n${error.message}`);
    process.exit(2);
  }
  console.error(`demo failed: ${(error as Error).message}`);
  process.exit(1);
});
