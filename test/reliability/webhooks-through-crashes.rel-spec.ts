import { randomUUID } from 'node:crypto';
import { verifyWebhookSignature } from '../../src/client';
import { call, depositOn, openAccountOn } from '../support/process-client';
import { seededRandom } from '../support/payments-api';
import { eventually, WebhookReceiver } from '../support/webhook-receiver';
import { ChaosClient, inParallel, Outcome } from './chaos';
import { Fleet, sleep, taggedTransfer, Tally } from './fleet';
import { SEED, sizes, timeoutFor } from './reliability-settings';
import { expectInvariantsHold } from './run-summary';

const ACCOUNTS = 6;
const FUNDS = 1_000_000_000;
const CLIENTS = 16;

/**
 * Kills one process at a time, at a random moment (mid-request, mid-claim or mid-POST), and starts
 * it again: the other keeps serving and dispatching meanwhile, so the run makes progress however
 * slowly a process starts on a loaded machine, and every kill still lands on a busy dispatcher.
 */
function rollingKills(fleet: Fleet, seed: number): { stop(): Promise<void> } {
  let running = true;
  const chance = seededRandom(seed);
  const loop = (async () => {
    while (running && !fleet.closed) {
      await sleep(chance.int(300, 2_500));
      if (!running) break;
      const slot = chance.int(0, fleet.size - 1);
      await fleet.kill(slot);
      await sleep(chance.int(0, 300));
      await fleet.restart(slot);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

/**
 * At least once, through crashes: two app processes, each running a dispatcher, are SIGKILLed at
 * random, one at a time (mid-request, mid-claim, mid-POST to the receiver) while retrying clients make deposits and
 * transfers. Afterwards every event that committed reaches the receiver, correctly signed; an event
 * that arrives more than once arrives with the same id and body; nothing arrives that did not
 * commit; and no delivery is ever being sent by two dispatchers at the same time.
 */
describe(`webhooks through crashes: ${sizes.webhookEvents} deposits and transfers, 2 processes with dispatchers SIGKILLed at random`, () => {
  let fleet: Fleet;
  let client: ChaosClient;
  let hooks: WebhookReceiver;
  let secret = '';
  let started = 0;
  const notes: string[] = [];

  beforeAll(async () => {
    started = Date.now();
    hooks = await WebhookReceiver.start({ holdMs: () => Math.floor(Math.random() * 30) });
    fleet = await Fleet.start({
      servers: 2,
      env: {
        IDEMPOTENCY_WAIT_MS: '2000',
        WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
        WEBHOOKS_POLL_MS: '100',
        WEBHOOK_RETRY_BASE_MS: '200',
        WEBHOOK_RETRY_CAP_MS: '2000',
        WEBHOOK_TIMEOUT_MS: '1000',
        // A killed dispatcher's claims come due again after this: short, so the run does not wait long.
        WEBHOOK_LEASE_MS: '3000',
      },
    });
    client = new ChaosClient(fleet);
  }, 120_000);
  afterAll(async () => {
    await fleet?.close();
    await hooks?.close();
  }, 60_000);

  it(
    'every committed event is delivered at least once; repeats carry the same id and body; nothing else arrives',
    async () => {
      const endpoint = await call(fleet.at(0), fleet.apiKey, 'POST', '/v1/webhook-endpoints', { body: { url: hooks.url } });
      expect(endpoint.status).toBe(201);
      secret = endpoint.body.secret;
      const random = seededRandom(SEED);
      const accounts: string[] = [];
      for (let i = 0; i < ACCOUNTS; i++) {
        accounts.push(await openAccountOn(fleet.at(i % 2), fleet.apiKey));
        await depositOn(fleet.at(i % 2), fleet.apiKey, accounts[i], FUNDS);
      }
      const operations = Array.from({ length: sizes.webhookEvents }, (_, i) => {
        const key = `hook-${i}-${randomUUID()}`;
        if (random.chance(0.3)) return { key, kind: 'deposit' as const, account: random.pick(accounts), amount: random.int(1, 5_000) };
        const from = random.pick(accounts);
        return {
          key,
          kind: 'transfer' as const,
          body: taggedTransfer(key, from, random.pick(accounts.filter((a) => a !== from)), random.int(1, 5_000)),
        };
      });
      const outcomes = new Map<string, Outcome>();
      const chaos = rollingKills(fleet, SEED);
      try {
        await inParallel(
          operations,
          CLIENTS,
          fleet,
          async (op) => {
            const options = { idempotencyKey: op.key };
            outcomes.set(
              op.key,
              await client.untilDefinite(() =>
                op.kind === 'deposit'
                  ? client.api.deposits.create(op.account, { amount: op.amount, currency: 'usd' }, options)
                  : client.api.transfers.create(op.body, options),
              ),
            );
          },
          { minKills: 2 },
        );
      } finally {
        await chaos.stop();
      }
      const byKind = new Tally();
      for (const o of outcomes.values()) byKind.add(o.kind);
      expect(byKind.get('acknowledged')).toBe(operations.length);

      const [rows] = await fleet.sql.query<any[]>('SELECT id FROM events');
      const committed = new Set<string>(rows.map((r) => r.id));
      expect(committed.size).toBeGreaterThanOrEqual(sizes.webhookEvents);
      await eventually(
        `all ${committed.size} committed events delivered`,
        () => [...committed].every((id) => hooks.eventIds().has(id)),
        timeoutFor(180_000, sizes.webhookEvents, 520),
      );

      const bodies = new Map<string, Set<string>>();
      let badSignatures = 0;
      for (const copy of hooks.received) {
        bodies.set(copy.eventId, (bodies.get(copy.eventId) ?? new Set()).add(copy.body));
        try {
          verifyWebhookSignature(copy.body, copy.headers['payments-signature'], secret, 600);
        } catch {
          badSignatures++;
        }
      }
      const unknown = [...bodies.keys()].filter((id) => !committed.has(id));
      const differing = [...bodies].filter(([, variants]) => variants.size !== 1).map(([id]) => id);
      const repeats = hooks.received.length - bodies.size;
      notes.push(
        `${committed.size} events committed, ${hooks.received.length} webhooks received (${repeats} repeats of an already received event), ` +
          `${hooks.overlaps} overlapping sends of one delivery, ${badSignatures} bad signatures`,
      );
      notes.push(`network faults seen by clients: ${client.faults.get('refused')} refused, ${client.faults.get('cut in flight')} cut in flight`);
      console.log(`webhooks: ${notes.join('; ')}; kills ${fleet.kills}, restarts ${fleet.restarts}`);

      expect(fleet.kills).toBeGreaterThanOrEqual(2);
      expect(unknown).toEqual([]);
      expect(differing).toEqual([]);
      expect(badSignatures).toBe(0);
      expect(hooks.overlaps).toBe(0);
      await eventually(
        'no delivery left pending',
        async () => Number((await fleet.sql.query<any[]>("SELECT COUNT(*) AS n FROM webhook_deliveries WHERE status <> 'delivered'"))[0][0].n) === 0,
        60_000,
      );
    },
    timeoutFor(900_000, sizes.webhookEvents, 520),
  );

  it('ends with every invariant holding, each transfer and deposit with its event', async () => {
    await expectInvariantsHold(fleet.sql, {
      suite: 'webhooks through crashes',
      durationMs: Date.now() - started,
      requests: client.attempts.total,
      retries: client.attempts.total - sizes.webhookEvents,
      kills: fleet.kills,
      restarts: fleet.restarts,
      answers: client.attempts.counts,
      notes,
    });
  });
});
