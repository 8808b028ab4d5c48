import { randomUUID } from 'node:crypto';
import { startTestBank, TestBank } from '../support/bank';
import { Answer, call, depositOn, openAccountOn } from '../support/process-client';
import { seededRandom } from '../support/payments-api';
import { inParallel, unleashChaos } from './chaos';
import { Fleet, sleep, Tally } from './fleet';
import { mapBounded, SEED, sizes, timeoutFor } from './reliability-settings';
import { expectInvariantsHold } from './run-summary';

const ACCOUNTS = 4;
const FUNDS = 50_000_000;
const CLIENTS = 24;
/** How long a retrying client keeps at one payout before it gives up (both processes may be down a while). */
const CLIENT_PATIENCE_MS = 240_000;
/** Of every payout, the share sent once and abandoned whatever the answer: the completer must finish those. */
const ABANDONED_SHARE = 0.3;

interface Sent {
  key: string;
  body: { account: string; amount: number; currency: string; destination: { bank_account: string } };
  abandoned: boolean;
  /** The last answer the client got; a final one is 201. */
  answer?: Answer;
}

/**
 * idempotency.md §7 as a randomized run: retrying clients send payouts to two server processes
 * (each running the in-app completer) that are SIGKILLed at random, through a bank that injects a
 * random fault into half of its transfer requests (500 before acting, act then drop, act then answer
 * late, declines, garbage, impossible statuses). Some clients abandon their payout after one try.
 * Once the chaos stops and the completers ran: no payout is pending, the bank holds exactly one
 * transfer per payout and has paid exactly what the API marked paid, every key replays, and the
 * invariant checker holds (in transit = pending payouts).
 */
describe(`payouts through crashes: ${sizes.payouts} payouts, 2 processes SIGKILLed at random, a bank faulting at random`, () => {
  let fleet: Fleet;
  let bank: TestBank;
  let started = 0;
  const attempts = new Tally();
  const notes: string[] = [];

  beforeAll(async () => {
    started = Date.now();
    bank = await startTestBank();
    fleet = await Fleet.start({
      servers: 2,
      env: {
        BANK_URL: bank.url,
        BANK_TIMEOUT_MS: '1000',
        IDEMPOTENCY_LEASE_MS: '3000',
        IDEMPOTENCY_WAIT_MS: '1000',
        COMPLETER_ENABLED: 'true',
        COMPLETER_GRACE_MS: '1500',
      },
    });
  }, 120_000);
  afterAll(async () => {
    await fleet?.close();
    await bank?.stop();
  }, 60_000);

  /** Sends until a final answer (201 or a stored decline), or once only for an abandoning client. */
  async function send(payout: Sent): Promise<void> {
    const giveUpAt = Date.now() + CLIENT_PATIENCE_MS;
    for (let attempt = 0; Date.now() < giveUpAt && !fleet.closed; attempt++) {
      const slot = attempt % 2;
      const answer = await call(fleet.at(slot), fleet.apiKey, 'POST', '/v1/payouts', { body: payout.body, key: payout.key }).catch(() => undefined);
      attempts.add(answer ? answer.status : 'network');
      if (answer) payout.answer = answer;
      if (payout.abandoned) return;
      if (answer && answer.status !== 202 && answer.status !== 409 && answer.status !== 503) return;
      await sleep(answer ? 50 + Math.floor(Math.random() * 200) : 300 + Math.floor(Math.random() * 300));
    }
  }

  it(
    'pays every payout exactly once: nothing left pending, bank total = payouts marked paid, no transfer twice',
    async () => {
      const random = seededRandom(SEED);
      const accounts: string[] = [];
      for (let i = 0; i < ACCOUNTS; i++) {
        accounts.push(await openAccountOn(fleet.at(i % 2), fleet.apiKey));
        await depositOn(fleet.at(i % 2), fleet.apiKey, accounts[i], FUNDS);
      }
      const payouts: Sent[] = Array.from({ length: sizes.payouts }, (_, i) => ({
        key: `payout-rel-${i}-${randomUUID()}`,
        body: {
          account: random.pick(accounts),
          amount: random.int(1, 50_000),
          currency: 'usd',
          destination: { bank_account: `NL${10 + (i % 80)} BANK 0417` },
        },
        abandoned: random.chance(ABANDONED_SHARE),
      }));

      await bank.randomFaults(0.4, 1_300);
      // A process takes seconds to start again on two shared cores: kills spaced so that the fleet is
      // up more often than not, and still several kills land inside every phase.
      const chaos = unleashChaos(fleet, SEED, [5_000, 10_000]);
      try {
        await inParallel(payouts, CLIENTS, fleet, send, { minKills: 2 });
      } finally {
        await chaos.stop();
      }
      await bank.randomFaults(0);

      // The completers (in both processes) finish what the crashes and the unknown answers left.
      const pending = async () => Number((await fleet.sql.query<any[]>("SELECT COUNT(*) AS n FROM payouts WHERE status = 'pending'"))[0][0].n);
      const leftAfterLoad = await pending();
      let left = leftAfterLoad;
      for (let waited = 0; left > 0 && waited < 180_000; waited += 500) {
        await sleep(500);
        left = await pending();
      }
      notes.push(
        `${payouts.filter((p) => p.abandoned).length} abandoned after one try; ${leftAfterLoad} pending when the load stopped, finished by the completers`,
      );
      expect(left).toBe(0);

      // Retried clients ended with a final answer. Then every key is sent once more (faults off):
      // a payout that exists replays; an abandoned key whose first try never committed runs now.
      expect(payouts.filter((p) => !p.abandoned && p.answer?.status !== 201).map((p) => `${p.key}: ${p.answer?.status}`)).toEqual([]);
      const again = await mapBounded(payouts, (p, i) => call(fleet.at(i % 2), fleet.apiKey, 'POST', '/v1/payouts', { body: p.body, key: p.key }));
      expect(await pending()).toBe(0);

      // Every payout reached the bank exactly once; the bank paid exactly what we marked paid.
      const [rows] = await fleet.sql.query<any[]>('SELECT id, account_id, amount, status, bank_reference FROM payouts');
      const stats = await bank.stats();
      expect(stats.duplicate_references).toBe(0);
      expect(stats.transfers).toBe(rows.length);
      const paid = rows.filter((r) => r.status === 'paid');
      expect(stats.paid_count).toBe(paid.length);
      expect(stats.paid_total).toBe(paid.reduce((sum, r) => sum + Number(r.amount), 0));
      const mismatched: string[] = [];
      for (const row of rows) {
        const transfers = await bank.transfersFor(row.id);
        const expected = row.status === 'paid' ? 'paid' : 'declined';
        if (transfers.length !== 1 || transfers[0].status !== expected || transfers[0].id !== row.bank_reference) {
          mismatched.push(`${row.id} ${row.status}: bank ${JSON.stringify(transfers)}`);
        }
      }
      expect(mismatched).toEqual([]);

      // Each key names one payout, the one of its body, and a key answered 201 before replays those bytes.
      const byId = new Map(rows.map((r) => [r.id, r]));
      const wrong = again.flatMap((answer, i) => {
        const p = payouts[i];
        const row = byId.get(answer.body?.id);
        const ok =
          answer.status === 201 &&
          row &&
          row.status === answer.body.status &&
          row.account_id === p.body.account &&
          Number(row.amount) === p.body.amount;
        const stable = p.answer?.status === 201 ? answer.text === p.answer.text && answer.headers.get('idempotent-replayed') === 'true' : true;
        return ok && stable ? [] : [`${p.key}: ${answer.status} ${answer.text.slice(0, 160)}`];
      });
      expect(wrong).toEqual([]);
      expect(new Set(again.map((a) => a.body.id)).size).toBe(payouts.length);
      expect(rows).toHaveLength(payouts.length);
      notes.push(`${payouts.filter((p) => p.abandoned && !p.answer).length} abandoned keys got no answer to their one try`);

      const finals = new Tally();
      for (const a of again) finals.add(a.body.status);
      notes.push(
        `finals: ${JSON.stringify(finals.counts)}; bank: ${stats.transfers} transfers, ${stats.paid_count} paid, ${stats.declined_count} declined`,
      );
      notes.push(`attempts ${JSON.stringify(attempts.counts)}; kills ${fleet.kills}, restarts ${fleet.restarts}`);
      console.log(`payouts: ${notes.join('; ')}`);
      expect(fleet.kills).toBeGreaterThanOrEqual(2);
      expect(attempts.get(202)).toBeGreaterThan(0);
    },
    timeoutFor(1_200_000, sizes.payouts, 300),
  );

  it('ends with every ledger and key invariant holding, no payout key left at a recovery point', async () => {
    const report = await expectInvariantsHold(fleet.sql, {
      suite: 'payouts through crashes',
      durationMs: Date.now() - started,
      requests: attempts.total,
      retries: attempts.total - sizes.payouts,
      kills: fleet.kills,
      restarts: fleet.restarts,
      answers: attempts.counts,
      notes,
    });
    expect(report.keysByStatus.in_progress ?? 0).toBe(0);
    expect(report.rows.payouts).toBe(sizes.payouts);
  });
});
