import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureStartupClients } from '../src/auth/startup-clients';
import { startBankSimulator } from '../src/bank-simulator/bank-simulator.server';
import { PaymentsClient } from '../src/client';
import { loadAppConfig } from '../src/config/app-config';
import { createApp } from '../src/http-setup';

const say = (line = '') => console.log(line);
const AMOUNT = 4_000;

/**
 * `npm run demo -- --payout`: one payout through a bank that pays and then drops its answer. The
 * API answers 202 pending (it cannot know); the client retries with the same key while the bank is
 * down (still unknown, still pending); the completer finishes it once the bank is back. The bank
 * paid once, and the key replays the final payout.
 */
export async function payoutDemo(): Promise<boolean> {
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'payments-payout-demo-'));
  const bank = await startBankSimulator({ port: 0, databaseFile: join(dir, 'bank.sqlite') });
  const apiKey = `sk_test_demo_${randomBytes(12).toString('hex')}`;
  const config = loadAppConfig({
    DATABASE_URL: `sqlite:${join(dir, 'demo.sqlite')}`,
    BOOTSTRAP_API_KEY: apiKey,
    BOOTSTRAP_CLIENT_NAME: 'demo',
    LOG_LEVEL: 'error',
    BANK_URL: bank.url,
    BANK_TIMEOUT_MS: '1000',
    COMPLETER_ENABLED: 'true',
    COMPLETER_GRACE_MS: '500',
  });
  const app = await createApp(config, { logger: false });
  await ensureStartupClients(app, config);
  await app.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  const control = (path: string, body: object) => fetch(`${bank.url}/_sim/${path}`, { method: 'POST', body: JSON.stringify(body) });
  try {
    say('Exactly-once payout demo');
    say(`  server  ${url} (in-process, SQLite, completer on)`);
    say(`  bank    ${bank.url} (simulator, its own books)`);
    const payments = new PaymentsClient({ apiKey, baseUrl: url });

    say('\n1. Open an account and fund it');
    const account = await payments.accounts.create({ name: 'Alice', currency: 'usd' });
    await payments.deposits.create(account.id, { amount: 10_000, currency: 'usd' });
    say(`   ${account.id}: balance 10000`);

    const key = randomUUID();
    const params = { account: account.id, amount: AMOUNT, currency: 'usd', destination: { bank_account: 'DE89 3704 0044 0532' } };
    say(`\n2. Pay out ${AMOUNT} (Idempotency-Key ${key}); the bank PAYS, then drops the connection`);
    await control('faults', { fault: 'drop_after' });
    const first = await payments.payouts.create(params, { idempotencyKey: key });
    say(`   → ${first.lastResponse.statusCode} ${first.id} status ${first.status}: the API cannot know whether money left, so it does not guess`);

    say('\n3. The client retries with the same key while the bank is down for 3 s');
    await control('down', { seconds: 3 });
    const retry = await payments.payouts.create(params, { idempotencyKey: key });
    say(`   → ${retry.lastResponse.statusCode} ${retry.id} status ${retry.status} (resumed from its recovery point: same payout, no second hold)`);

    say('\n4. The completer keeps asking the bank (by reference) until it answers');
    let payout = retry;
    while (payout.status === 'pending' && Date.now() - started < 30_000) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      payout = await payments.payouts.retrieve(first.id);
    }
    say(`   → ${payout.id} status ${payout.status}, bank reference ${payout.bank_reference}`);

    say('\n5. The same key once more');
    const again = await payments.payouts.create(params, { idempotencyKey: key });
    say(`   → ${again.lastResponse.statusCode} replayed: ${again.lastResponse.replayed}, status ${again.status}`);

    const transfers = bank.store.byReference(first.id);
    const balance = (await payments.accounts.retrieve(account.id)).balance;
    say('\n6. What the bank and the ledger hold');
    say(`   bank transfers for ${first.id}: ${transfers.length} (${transfers.map((t) => `${t.id} ${t.status}`).join(', ')})`);
    say(`   Alice's balance: ${balance}`);
    const ok =
      transfers.length === 1 &&
      transfers[0].status === 'paid' &&
      again.status === 'paid' &&
      again.lastResponse.replayed &&
      balance === 10_000 - AMOUNT;
    say(
      ok
        ? `\n✓ exactly once across the bank call: paid once, ${balance} left (${((Date.now() - started) / 1000).toFixed(1)} s)`
        : '\n✗ NOT exactly once: see above',
    );
    return ok;
  } finally {
    await app.close();
    await bank.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
