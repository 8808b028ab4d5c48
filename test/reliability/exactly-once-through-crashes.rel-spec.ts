import { randomUUID } from 'node:crypto';
import { call, depositOn, openAccountOn } from '../support/process-client';
import { seededRandom } from '../support/payments-api';
import { ChaosClient, inParallel, Outcome, unleashChaos } from './chaos';
import { Fleet, taggedTransfer, Tally } from './fleet';
import { mapBounded, SEED, sizes, timeoutFor } from './reliability-settings';
import { expectInvariantsHold } from './run-summary';

const ACCOUNTS = 6;
const FUNDS = 200_000;
const CLIENTS = 12;
/** Final answers a handler may give here: nothing else is a legitimate decline. */
const DECLINES = ['402 insufficient_funds', '422 amount_exceeds_refundable'];

/**
 * Contract §2 ("first one crashed mid-way") and §5.2 as a randomized run: retrying clients (the
 * project's PaymentsClient: the same key on every attempt) send transfers between a few accounts,
 * then partial reversals of them, each attempt to either of two server processes, while a loop per
 * process SIGKILLs it at random moments and starts it again on the same port. Whatever each client
 * was told, the database must hold each acknowledged key's transfer or reversal exactly once, nothing
 * for a declined one, and balances that are exactly the funding plus what was acknowledged.
 */
describe(`exactly once through crashes: ${sizes.transfers} transfers + ${sizes.reversals} reversals by retrying clients, 2 processes SIGKILLed at random`, () => {
  let fleet: Fleet;
  let client: ChaosClient;
  let started = 0;
  /** Logical operations sent: every attempt beyond the first of each is a retry. */
  let operations = 0;
  const notes: string[] = [];

  beforeAll(async () => {
    started = Date.now();
    // A short wait keeps Retry-After (and the wait on a dead holder's row) short; the lease stays long.
    fleet = await Fleet.start({ servers: 2, env: { IDEMPOTENCY_WAIT_MS: '2000' } });
    client = new ChaosClient(fleet);
  }, 120_000);
  afterAll(async () => {
    await fleet?.close();
  }, 60_000);

  it(
    'every acknowledged key executed exactly once, declined keys not at all, balances exactly as acknowledged',
    async () => {
      const random = seededRandom(SEED);
      const accounts: string[] = [];
      for (let i = 0; i < ACCOUNTS; i++) {
        accounts.push(await openAccountOn(fleet.at(i % 2), fleet.apiKey));
        await depositOn(fleet.at(i % 2), fleet.apiKey, accounts[i], FUNDS);
      }
      const transfers = Array.from({ length: sizes.transfers }, (_, i) => {
        const from = random.pick(accounts);
        return taggedTransfer(`crash-${i}-${randomUUID()}`, from, random.pick(accounts.filter((a) => a !== from)), random.int(1, 30_000));
      });
      const keyOf = (t: (typeof transfers)[number]) => t.metadata.idempotency_key;
      const outcomes = new Map<string, Outcome>();
      const reversals: Array<{ key: string; transfer: string; of: (typeof transfers)[number]; amount: number }> = [];

      const chaos = unleashChaos(fleet, SEED);
      try {
        await inParallel(transfers, CLIENTS, fleet, async (body) => {
          outcomes.set(keyOf(body), await client.untilDefinite(() => client.api.transfers.create(body, { idempotencyKey: keyOf(body) })));
        });
        // Still under fire: partial reversals of acknowledged transfers, some asking more than is left.
        const acknowledged = transfers.filter((t) => outcomes.get(keyOf(t))?.kind === 'acknowledged');
        for (let i = 0; i < sizes.reversals && acknowledged.length; i++) {
          const of = random.pick(acknowledged);
          const transfer = (outcomes.get(keyOf(of)) as { id: string }).id;
          reversals.push({ key: `crash-rev-${i}-${randomUUID()}`, transfer, of, amount: random.int(1, Math.ceil(of.amount * 0.6)) });
        }
        await inParallel(reversals, CLIENTS, fleet, async (r) => {
          outcomes.set(r.key, await client.untilDefinite(() => client.api.reversals.create(r.transfer, { amount: r.amount }, { idempotencyKey: r.key })));
        });
      } finally {
        await chaos.stop();
      }

      operations = outcomes.size;
      const byKind = new Tally();
      for (const o of outcomes.values()) byKind.add(o.kind === 'acknowledged' && o.replayed ? 'acknowledged (replayed)' : o.kind === 'declined' ? `${o.status} ${o.code}` : o.kind);
      notes.push(`${outcomes.size} keys: ${Object.entries(byKind.counts).map(([k, n]) => `${n} ${k}`).join(', ')}; ${client.calls} client calls`);
      notes.push(`network faults: ${client.faults.get('refused')} refused (process down), ${client.faults.get('cut in flight')} cut in flight (killed mid-request)`);
      console.log(`crash: ${notes.join('; ')}; attempts ${JSON.stringify(client.attempts.counts)}; kills ${fleet.kills}, restarts ${fleet.restarts}`);

      expect([...outcomes].filter(([, o]) => o.kind === 'gave_up')).toEqual([]);
      expect([...outcomes].filter(([, o]) => o.kind === 'declined' && !DECLINES.includes(`${o.status} ${o.code}`))).toEqual([]);
      expect(client.attempts.get(500)).toBe(0);
      expect(fleet.kills).toBeGreaterThanOrEqual(2);
      const acked = (key: string) => outcomes.get(key)?.kind === 'acknowledged';
      const ackedId = (key: string) => (outcomes.get(key) as { id?: string }).id;

      // Transfers, key by key: one row per acknowledged key (the one the client was told), none otherwise.
      const [rows] = await fleet.sql.query<any[]>("SELECT id, from_account, amount, JSON_VALUE(metadata, '$.idempotency_key') AS k FROM transfers");
      const stored = new Map<string, any[]>();
      for (const row of rows) stored.set(row.k, [...(stored.get(row.k) ?? []), row]);
      const wrong = transfers.flatMap((t) => {
        const found = stored.get(keyOf(t)) ?? [];
        const right = acked(keyOf(t))
          ? found.length === 1 && found[0].id === ackedId(keyOf(t)) && found[0].from_account === t.from_account && Number(found[0].amount) === t.amount
          : found.length === 0;
        return right ? [] : [`${keyOf(t)}: ${JSON.stringify(outcomes.get(keyOf(t)))}, stored ${JSON.stringify(found)}`];
      });
      expect(wrong).toEqual([]);
      expect(rows).toHaveLength(transfers.filter((t) => acked(keyOf(t))).length);

      // Reversals carry no key of their own: the stored ones must be exactly the acknowledged ones.
      const [reversed] = await fleet.sql.query<any[]>('SELECT id, transfer_id, amount FROM reversals');
      const told = reversals.filter((r) => acked(r.key)).map((r) => [ackedId(r.key), r.transfer, r.amount]);
      expect(reversed.map((r) => [r.id, r.transfer_id, Number(r.amount)]).sort()).toEqual(told.sort());

      const expected = new Map(accounts.map((a) => [a, FUNDS]));
      const move = (from: string, to: string, amount: number) => {
        expected.set(from, expected.get(from)! - amount);
        expected.set(to, expected.get(to)! + amount);
      };
      for (const t of transfers.filter((x) => acked(keyOf(x)))) move(t.from_account, t.to_account, t.amount);
      for (const r of reversals.filter((x) => acked(x.key))) move(r.of.to_account, r.of.from_account, r.amount);
      const [balances] = await fleet.sql.query<any[]>('SELECT id, balance FROM accounts WHERE id IN (?)', [accounts]);
      expect(Object.fromEntries(balances.map((r) => [r.id, Number(r.balance)]))).toEqual(Object.fromEntries(expected));

      // Asked once more, every key answers what it answered before, from the store: nothing runs again.
      const resend = [
        ...transfers.map((t) => ({ key: keyOf(t), path: '/v1/transfers', body: t as object })),
        ...reversals.map((r) => ({ key: r.key, path: `/v1/transfers/${r.transfer}/reversals`, body: { amount: r.amount } })),
      ];
      const again = await mapBounded(resend, (r, i) => call(fleet.at(i % 2), fleet.apiKey, 'POST', r.path, { body: r.body, key: r.key }));
      const mismatched = again.flatMap((answer, i) => {
        const was = outcomes.get(resend[i].key)!;
        const same = was.kind === 'acknowledged' ? answer.status === 201 && answer.body?.id === was.id : was.kind === 'declined' && answer.status === was.status;
        return same && answer.headers.get('idempotent-replayed') === 'true' ? [] : [`${resend[i].key}: ${answer.status} ${answer.text.slice(0, 120)}`];
      });
      expect(mismatched).toEqual([]);
      notes.push(`load ${((Date.now() - started) / 1000).toFixed(1)} s; every key asked once more: all replayed as first answered`);
    },
    timeoutFor(300_000, sizes.transfers + sizes.reversals, 1_200),
  );

  it('ends with every ledger and key invariant holding, no key left in progress', async () => {
    const report = await expectInvariantsHold(fleet.sql, {
      suite: 'exactly once through crashes',
      durationMs: Date.now() - started,
      requests: client.attempts.total,
      retries: client.attempts.total - operations,
      kills: fleet.kills,
      restarts: fleet.restarts,
      answers: client.attempts.counts,
      notes,
    });
    expect(report.keysByStatus.in_progress ?? 0).toBe(0);
  });
});
