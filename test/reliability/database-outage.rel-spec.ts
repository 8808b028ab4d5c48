import { randomUUID } from 'node:crypto';
import { Answer, call, depositOn, networkErrorChain, openAccountOn } from '../support/process-client';
import { seededRandom } from '../support/payments-api';
import { TcpProxy } from '../support/tcp-proxy';
import { Fleet, sleep, taggedTransfer, Tally } from './fleet';
import { mapBounded, SEED, sizes, timeoutFor } from './reliability-settings';
import { expectInvariantsHold } from './run-summary';

const ACCOUNTS = 4;
const FUNDS = 100_000;
const WORKERS = 12;
/** Statements every transfer sends: the link is cut the moment one of them leaves a server. */
const CUT_ON = ['INSERT INTO idempotency_keys', 'INSERT INTO `ledger_entries`', 'UPDATE idempotency_keys', 'COMMIT'];

/**
 * Contract §2 ("idempotency store unreachable") and §5.3 under load: two server processes reach
 * MariaDB through a TCP proxy the test cuts, several times, each time the instant a server sends one
 * of a transfer's statements (so transactions die half-way). While it is down: 503 with Retry-After,
 * `/health` 503, never a 2xx for a transfer that does not exist, never a 4xx but a real decline,
 * never a dead process. Once it is back: `/health` 200, and every key's retries complete exactly once.
 */
describe(`database outage: ${sizes.outages} cuts mid-transaction under ${sizes.outageTransfers} transfers over 2 processes`, () => {
  let proxy: TcpProxy | undefined;
  let fleet: Fleet;
  const answers = new Tally();
  let attempts = 0;
  let started = 0;
  const notes: string[] = [];

  beforeAll(async () => {
    started = Date.now();
    fleet = await Fleet.start({
      servers: 2,
      env: { IDEMPOTENCY_WAIT_MS: '2000' },
      serverDatabaseUrl: async (db) => {
        const url = new URL(db.url);
        proxy = new TcpProxy({ host: url.hostname, port: Number(url.port || 3306) });
        url.port = String(await proxy.start());
        return url.toString();
      },
    });
  }, 120_000);
  afterAll(async () => {
    await proxy?.restore();
    await fleet?.close();
    await proxy?.stop();
  }, 60_000);

  it(
    'answers 503 + Retry-After while the database is away, never a wrong 2xx or 4xx; afterwards every key completes exactly once',
    async () => {
      const random = seededRandom(SEED);
      const accounts: string[] = [];
      for (let i = 0; i < ACCOUNTS; i++) {
        accounts.push(await openAccountOn(fleet.at(0), fleet.apiKey));
        await depositOn(fleet.at(1), fleet.apiKey, accounts[i], FUNDS);
      }
      const plan = Array.from({ length: sizes.outageTransfers }, (_, i) => {
        const from = random.pick(accounts);
        return taggedTransfer(`outage-${i}-${randomUUID()}`, from, random.pick(accounts.filter((a) => a !== from)), random.int(1, 20_000));
      });

      const seen: Array<{ key: string; answer: Answer }> = [];
      const final = new Map<string, Answer>();
      /** Retries with the same key while the answer is a network fault, 409 or 503 (honouring Retry-After). */
      const untilDefinite = async (body: (typeof plan)[number]) => {
        const key = body.metadata.idempotency_key;
        for (;;) {
          attempts++;
          const answer = await call(fleet.at(random.int(0, 1)), fleet.apiKey, 'POST', '/v1/transfers', { body, key }).catch(
            (error: Error): Answer => ({ status: 0, text: `network: ${networkErrorChain(error)}`, body: undefined, headers: new Headers() }),
          );
          seen.push({ key, answer });
          answers.add(answer.status === 0 ? 'network' : answer.status);
          if ((answer.status !== 0 && answer.status !== 409 && answer.status !== 503) || fleet.closed) return final.set(key, answer);
          await sleep(1000 * Math.min(2, Number(answer.headers.get('retry-after') ?? 0)) || 50);
        }
      };
      let next = 0;
      const load = Promise.all(
        Array.from({ length: WORKERS }, async () => {
          while (next < plan.length && !fleet.closed) await untilDefinite(plan[next++]);
        }),
      );

      const health: Array<{ outage: number; down: number[]; up: number[] }> = [];
      for (let outage = 1; outage <= sizes.outages; outage++) {
        // Spread over the run, each while plenty of transfers are still to come (so the marker is sent).
        const at = Math.floor((outage * plan.length) / (sizes.outages + 1));
        while (next < at && !fleet.closed) await sleep(50);
        const marker = CUT_ON[(outage - 1) % CUT_ON.length];
        await proxy!.cutWhenClientSends(marker);
        const down = await Promise.all([0, 1].map((slot) => healthOf(fleet.url(slot))));
        await sleep(random.int(1_000, 2_500));
        await proxy!.restore();
        const up = await Promise.all([0, 1].map((slot) => healthOnceOk(fleet.url(slot))));
        health.push({ outage, down, up });
        notes.push(`outage ${outage}: cut as a server sent "${marker}"; /health while down ${down.join('/')}, after ${up.join('/')}`);
      }
      await load;
      notes.push(`${plan.length} keys, ${attempts} attempts, ${seen.filter((s) => s.answer.status === 503).length} answered 503`);
      console.log(`outage: ${notes.join('; ')}; answers ${JSON.stringify(answers.counts)}`);

      // While down and after: only definite answers, 409/503 with Retry-After, never a dead server.
      const wrong = seen.filter(({ answer: a }) => !acceptable(a)).map(({ key, answer: a }) => `${key}: ${a.status} ${a.text.slice(0, 160)}`);
      expect(wrong).toEqual([]);
      expect(answers.get(503)).toBeGreaterThan(0);
      expect(health).toEqual(health.map(({ outage }) => ({ outage, down: [503, 503], up: [200, 200] })));

      // Every 2xx ever answered names a transfer that exists, for its key.
      const [rows] = await fleet.sql.query<any[]>("SELECT id, JSON_VALUE(metadata, '$.idempotency_key') AS k FROM transfers");
      const byKey = new Map<string, string[]>();
      for (const row of rows) byKey.set(row.k, [...(byKey.get(row.k) ?? []), row.id]);
      const phantom = seen.filter(({ key, answer: a }) => a.status === 201 && !(byKey.get(key) ?? []).includes(a.body?.id));
      expect(phantom.map(({ key, answer }) => `${key}: 201 ${answer.body?.id} not stored`)).toEqual([]);

      // Each key ended once: one transfer if it was acknowledged, none if declined.
      const ended = plan.map((b) => b.metadata.idempotency_key).filter((key) => (byKey.get(key)?.length ?? 0) !== (final.get(key)?.status === 201 ? 1 : 0));
      expect(ended.map((key) => `${key}: final ${final.get(key)?.status}, stored ${byKey.get(key)?.length ?? 0}`)).toEqual([]);
      expect(rows).toHaveLength([...final.values()].filter((a) => a.status === 201).length);

      // Asked once more, every key replays its final answer: nothing runs again.
      const again = await mapBounded(plan, (body, i) => call(fleet.at(i % 2), fleet.apiKey, 'POST', '/v1/transfers', { body, key: body.metadata.idempotency_key }));
      const differing = again.filter((x, i) => {
        const was = final.get(plan[i].metadata.idempotency_key)!;
        return x.status !== was.status || x.body?.id !== was.body?.id || x.headers.get('idempotent-replayed') !== 'true';
      });
      expect(differing.map((x) => `${x.status} ${x.text.slice(0, 120)}`)).toEqual([]);
    },
    timeoutFor(180_000, sizes.outageTransfers + 100 * sizes.outages, 540),
  );

  it('ends with every ledger and key invariant holding', async () => {
    await expectInvariantsHold(fleet.sql, {
      suite: 'database outage',
      durationMs: Date.now() - started,
      requests: answers.total,
      retries: answers.total - sizes.outageTransfers,
      kills: 0,
      answers: answers.counts,
      notes,
    });
  });
});

/** A definite answer (201, a 402 decline), or a retryable one that says when: 409 in use, 503 problem. */
function acceptable(a: Answer): boolean {
  const problem = /^application\/problem\+json/.test(a.headers.get('content-type') ?? '');
  const retryAfter = Number(a.headers.get('retry-after')) >= 1;
  if (a.status === 201) return true;
  if (a.status === 402) return a.body?.code === 'insufficient_funds';
  if (a.status === 409) return a.body?.code === 'idempotency_key_in_use' && retryAfter;
  if (a.status === 503) return problem && retryAfter && ['idempotency_store_unavailable', 'service_unavailable'].includes(a.body?.code);
  return false;
}

async function healthOf(url: string): Promise<number> {
  return (await fetch(`${url}/health`)).status;
}

/** `/health` once it answers 200 (the pool reconnects on demand), or the last status after 30 s. */
async function healthOnceOk(url: string): Promise<number> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const status = await healthOf(url);
    if (status === 200 || Date.now() > deadline) return status;
    await sleep(200);
  }
}
