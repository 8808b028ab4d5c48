import { randomUUID } from 'node:crypto';
import { startTestBank, TestBank } from './support/bank';
import { createTestDatabase, databaseKinds, TestDatabase } from './support/databases';
import { firstValue, payoutLedgerCheck, scalar, startWorker, WorkerProcess } from './support/payout-processes';
import { Answer, bootstrapApiKey, call, depositOn, openAccountOn } from './support/process-client';
import { ServerProcess, startServer } from './support/server-process';

/**
 * idempotency.md §7 proof, with real processes: the app is SIGKILLed (fault hook TEST_CRASH_AT,
 * a test setting only) at each crash point of a payout, then the payout is finished by a client
 * retry with the same key, and separately by the completer (`npm run worker`). Every time: the
 * bank paid once (counted at the bank), the ledger balances, the payout is final, and every
 * later retry replays one body.
 */
const CRASH_POINTS: Array<[string, string, number]> = [
  // [crash point, what it is, bank transfers made before the crash]
  ['after_phase:payout_created', 'after phase 1 committed', 0],
  ['after_bank_call', 'after the bank acted, before phase 3', 1],
  ['before_answer', 'after phase 3 committed, before the answer', 1],
];
const FINISHERS = ['a client retry with the same key', 'the completer (npm run worker)'] as const;

describe.each(databaseKinds())('payouts killed mid-way on %s', (kind) => {
  const apiKey = bootstrapApiKey();
  let db: TestDatabase;
  let bank: TestBank;
  let env: Record<string, string>;
  let api: ServerProcess; // the process that finishes: one for the whole suite, never crashed
  const processes: Array<ServerProcess | WorkerProcess> = [];

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    bank = await startTestBank();
    env = {
      DATABASE_URL: db.url,
      BOOTSTRAP_API_KEY: apiKey,
      BANK_URL: bank.url,
      BANK_TIMEOUT_MS: '900', // under half the lease, as the config requires; room for a slow CI machine
      IDEMPOTENCY_LEASE_MS: '2000', // how long a killed process's key stays locked: short, so the suite is quick
      IDEMPOTENCY_WAIT_MS: '500',
      COMPLETER_ENABLED: 'false',
      COMPLETER_GRACE_MS: '0',
    };
    api = await server();
  }, 60_000);
  afterAll(async () => {
    for (const process of processes) await process.kill();
    await bank?.stop();
    await db?.drop();
  }, 60_000);

  async function server(extra: Record<string, string> = {}): Promise<ServerProcess> {
    const started = await startServer({ ...env, ...extra });
    processes.push(started);
    return started;
  }

  /** Retries, as a client would, while the dead process's lease still holds the key (409). */
  async function retryUntilAnswered(target: ServerProcess, body: object, key: string): Promise<Answer> {
    for (let attempt = 0; ; attempt++) {
      const answer = await call(target, apiKey, 'POST', '/v1/payouts', { body, key });
      if (answer.status !== 409 || attempt > 40) return answer;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  describe.each(CRASH_POINTS)('at %s (%s)', (point, _what, transfersBeforeCrash) => {
    it.each(FINISHERS)(
      'is finished by %s: paid once, ledger balanced, one body replayed',
      async (finisher) => {
        const doomed = await server({ TEST_CRASH_AT: point });
        const account = await openAccountOn(doomed, apiKey);
        await depositOn(doomed, apiKey, account, 5_000);
        const key = `payout-crash-${randomUUID()}`;
        const body = { account, amount: 1_500, currency: 'usd', destination: { bank_account: 'NL91 ABNA 0417' } };

        await expect(call(doomed, apiKey, 'POST', '/v1/payouts', { body, key })).rejects.toThrow();
        await doomed.kill();
        const payoutId = String(await firstValue(kind, db.url, 'SELECT id FROM payouts WHERE account_id = ?', [account]));
        expect(await bank.transfersFor(payoutId)).toHaveLength(transfersBeforeCrash);

        let final: Answer;
        if (finisher === 'a client retry with the same key') {
          final = await retryUntilAnswered(api, body, key);
          expect(final.status).toBe(201);
          expect(final.body).toMatchObject({ id: payoutId, status: 'paid' });
        } else {
          const worker = await startWorker(env);
          processes.push(worker);
          let status = 'pending';
          for (let i = 0; i < 120 && status === 'pending'; i++) {
            await new Promise((resolve) => setTimeout(resolve, 250));
            status = (await call(api, apiKey, 'GET', `/v1/payouts/${payoutId}`)).body.status;
          }
          expect(status).toBe('paid');
          await worker.kill();
          final = await retryUntilAnswered(api, body, key);
          expect({ status: final.status, replayed: final.headers.get('idempotent-replayed') }).toEqual({ status: 201, replayed: 'true' });
          expect(final.body).toMatchObject({ id: payoutId, status: 'paid' });
        }

        expect(await bank.transfersFor(payoutId)).toEqual([expect.objectContaining({ status: 'paid', amount: 1_500 })]);
        const again = await call(api, apiKey, 'POST', '/v1/payouts', { body, key });
        expect({ status: again.status, text: again.text, replayed: again.headers.get('idempotent-replayed') }).toEqual({
          status: 201,
          text: final.text,
          replayed: 'true',
        });
        expect((await call(api, apiKey, 'GET', `/v1/accounts/${account}`)).body.balance).toBe(3_500);
        expect(await scalar(kind, db.url, 'SELECT COUNT(*) AS n FROM payouts WHERE account_id = ?', [account])).toBe(1);
        const ledger = await payoutLedgerCheck(kind, db.url);
        expect(ledger.sum).toBe(0);
        expect(ledger.inTransit).toBe(ledger.pending);
      },
      120_000,
    );
  });
});
