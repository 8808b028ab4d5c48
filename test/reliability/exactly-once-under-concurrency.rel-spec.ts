import { randomUUID } from 'node:crypto';
import { createConnection } from 'mysql2/promise';
import { concerns, eventually, MysqlObserver, schemaOf } from '../support/mysql-observer';
import { Answer, call, depositOn, networkErrorChain, openAccountOn } from '../support/process-client';
import { Fleet, Tally, taggedTransfer } from './fleet';
import { mapBounded, SEED, sizes, timeoutFor } from './reliability-settings';
import { seededRandom } from '../support/payments-api';
import { expectInvariantsHold } from './run-summary';

const STREAM_CONCURRENCY = 16;

/**
 * Contract §5.1 under load: many identical requests with one key, spread over two server processes
 * on one MariaDB database, while distinct transfers stream in both directions between the same two
 * accounts (the pattern that deadlocks when rows are locked in request order). One execution per key,
 * no 5xx, no deadlock surfacing as an error, and the ledger balanced.
 */
describe(`exactly once under concurrency: ${sizes.duplicateRounds} x ${sizes.duplicates} duplicates of one key amid ${sizes.stream} opposite transfers, 2 processes`, () => {
  let fleet: Fleet;
  const answers = new Tally();
  let started = 0;
  let pair: [string, string];

  beforeAll(async () => {
    started = Date.now();
    // A wait long enough that the held burst below piles up rather than timing out into 409s.
    fleet = await Fleet.start({ servers: 2, env: { IDEMPOTENCY_WAIT_MS: '10000' } });
  }, 120_000);
  afterAll(async () => {
    await fleet?.close();
  }, 60_000);

  it(
    'the duplicated key executes once (the rest replay it or get 409 with Retry-After), every streamed key executes once, no 5xx',
    async () => {
      const random = seededRandom(SEED);
      const [x, y] = [await openAccountOn(fleet.at(0), fleet.apiKey), await openAccountOn(fleet.at(1), fleet.apiKey)];
      const funds = 50_000_000;
      await depositOn(fleet.at(0), fleet.apiKey, x, funds);
      await depositOn(fleet.at(1), fleet.apiKey, y, funds);
      pair = [x, y];
      const deadlocksBefore = await innodbDeadlocks(fleet);

      // Distinct transfers x→y and y→x, each with its own key, on both processes…
      const stream = Array.from({ length: sizes.stream }, (_, i) => {
        const forward = random.chance(0.5);
        const amount = random.int(1, 5_000);
        return { key: `stream-${i}-${randomUUID()}`, from: forward ? x : y, to: forward ? y : x, amount, slot: random.int(0, 1) };
      });
      // …and, each released once a share of the stream is through, bursts of one key sent many times at once.
      const rounds = Array.from({ length: sizes.duplicateRounds }, (_, r) => {
        const key = `dup-${r}-${randomUUID()}`;
        const forward = r % 2 === 0;
        return { key, at: Math.floor(((r + 0.5) * sizes.stream) / sizes.duplicateRounds), body: taggedTransfer(key, forward ? x : y, forward ? y : x, 1_000 + r) };
      });
      const bursts: Array<Promise<Answer[]>> = [];
      const streamed: Answer[] = [];
      let next = 0;
      const worker = async () => {
        while (next < stream.length) {
          const i = next++;
          for (const round of rounds.filter((r) => r.at === i)) bursts.push(burst(round.key, round.body));
          const t = stream[i];
          const body = taggedTransfer(t.key, t.from, t.to, t.amount);
          streamed.push(await call(fleet.at(t.slot), fleet.apiKey, 'POST', '/v1/transfers', { body, key: t.key }).catch(networkFailure));
        }
      };
      const burst = (key: string, body: object) =>
        mapBounded(Array.from({ length: sizes.duplicates }, (_, i) => i), (i) => call(fleet.at(i % 2), fleet.apiKey, 'POST', '/v1/transfers', { body, key }).catch(networkFailure));
      await Promise.all(Array.from({ length: STREAM_CONCURRENCY }, worker));
      const burstAnswers = await Promise.all(bursts);
      expect(burstAnswers).toHaveLength(rounds.length);

      const all = [...burstAnswers.flat(), ...streamed];
      for (const a of all) answers.add(a.status === 201 && a.headers.get('idempotent-replayed') ? '201-replayed' : a.status);
      const deadlocks = (await innodbDeadlocks(fleet)) - deadlocksBefore;
      const executedPerRound = burstAnswers.map((b) => b.filter((a) => a.status === 201 && !a.headers.get('idempotent-replayed')));
      console.log(
        `concurrency: ${rounds.length} bursts of ${sizes.duplicates} -> executed ${executedPerRound.map((e) => e.length).join('/')}, ` +
          `replayed ${answers.get('201-replayed')}, 409 ${answers.get(409)}; stream -> ${JSON.stringify(countStatuses(streamed))}; ` +
          `InnoDB deadlocks detected server-wide meanwhile (retried inside): ${deadlocks}`,
      );

      expect(problems(all, (a) => a.status >= 500 || a.status === 0)).toEqual([]);
      for (const [r, dupAnswers] of burstAnswers.entries()) {
        expect(problems(dupAnswers, (a) => !(a.status === 201 || (a.status === 409 && a.body?.code === 'idempotency_key_in_use')))).toEqual([]);
        expect(problems(dupAnswers, (a) => a.status === 409 && !(Number(a.headers.get('retry-after')) >= 1))).toEqual([]);
        expect(executedPerRound[r]).toHaveLength(1);
        expect(problems(dupAnswers, (a) => a.status === 201 && a.text !== executedPerRound[r][0].text)).toEqual([]);
      }
      expect(problems(streamed, (a) => a.status !== 201 || a.headers.get('idempotent-replayed') !== null)).toEqual([]);

      // The data: one transfer per duplicated key, one per streamed key, balances as acknowledged.
      const [rows] = await fleet.sql.query<any[]>(
        "SELECT JSON_VALUE(metadata, '$.idempotency_key') AS k, COUNT(*) AS n, MIN(id) AS id FROM transfers GROUP BY JSON_VALUE(metadata, '$.idempotency_key')",
      );
      const executions = new Map(rows.map((r) => [r.k as string, { n: Number(r.n), id: r.id as string }]));
      rounds.forEach((round, r) => expect(executions.get(round.key)).toEqual({ n: 1, id: executedPerRound[r][0].body.id }));
      expect(stream.filter((t) => executions.get(t.key)?.n !== 1).map((t) => t.key)).toEqual([]);
      expect(executions.size).toBe(rounds.length + stream.length);

      const net = [...stream, ...rounds.map((r) => ({ from: r.body.from_account, amount: r.body.amount }))].reduce(
        (sum, t) => sum + (t.from === x ? t.amount : -t.amount),
        0,
      );
      const [balances] = await fleet.sql.query<any[]>('SELECT id, balance FROM accounts WHERE id IN (?, ?)', [x, y]);
      const balance = Object.fromEntries(balances.map((r) => [r.id, Number(r.balance)]));
      expect([balance[x], balance[y]]).toEqual([funds - net, funds + net]);
    },
    timeoutFor(120_000, sizes.duplicates * sizes.duplicateRounds + sizes.stream, 1_000),
  );

  it(
    'a burst piled up behind a first request held inside its transaction still executes once, and no deadlock surfaces as a 5xx',
    async () => {
      const [x, y] = pair;
      const locker = await createConnection({ uri: fleet.db.url });
      const observe = new MysqlObserver(fleet.sql, schemaOf(fleet.db.url), [locker]);
      const key = `piled-${randomUUID()}`;
      const body = taggedTransfer(key, x, y, 777);
      let piled: Answer[];
      try {
        // The test holds both accounts: the first request claims the key, then waits for them inside
        // its transaction; every duplicate that reaches the database queues on the uncommitted key row.
        await locker.beginTransaction();
        await locker.query('SELECT id FROM accounts WHERE id IN (?, ?) FOR UPDATE', [x, y]);
        const burst = mapBounded(Array.from({ length: sizes.duplicates }, (_, i) => i), (i) =>
          call(fleet.at(i % 2), fleet.apiKey, 'POST', '/v1/transfers', { body, key }).catch(networkFailure),
        );
        await observe.lockWaitOf('the first request to wait for the accounts', x, y);
        await eventually('duplicates to queue on the key row', async () =>
          (await observe.lockWaits()).filter((w) => concerns(w, key)).length >= 4 ? true : undefined,
        );
        await locker.rollback();
        piled = await burst;
      } finally {
        await locker.end();
      }
      for (const a of piled) answers.add(a.status === 201 && a.headers.get('idempotent-replayed') ? '201-replayed' : a.status);
      const executed = piled.filter((a) => a.status === 201 && !a.headers.get('idempotent-replayed'));
      console.log(`concurrency: ${sizes.duplicates} duplicates piled up behind a held first -> ${JSON.stringify(countStatuses(piled))}, executed ${executed.length}`);
      expect(problems(piled, (a) => !(a.status === 201 || (a.status === 409 && a.body?.code === 'idempotency_key_in_use')))).toEqual([]);
      expect(executed).toHaveLength(1);
      expect(problems(piled, (a) => a.status === 201 && a.text !== executed[0].text)).toEqual([]);
      const [rows] = await fleet.sql.query<any[]>("SELECT id FROM transfers WHERE JSON_VALUE(metadata, '$.idempotency_key') = ?", [key]);
      expect(rows.map((r) => r.id)).toEqual([executed[0].body.id]);
    },
    timeoutFor(60_000, sizes.duplicates, 200),
  );

  it('ends with every ledger and key invariant holding', async () => {
    await expectInvariantsHold(fleet.sql, {
      suite: 'exactly once under concurrency',
      durationMs: Date.now() - started,
      requests: answers.total,
      retries: 0,
      kills: 0,
      answers: answers.counts,
      notes: [
        `${sizes.duplicateRounds} keys each sent ${sizes.duplicates} times at once, amid ${sizes.stream} distinct keys streamed both ways ${STREAM_CONCURRENCY} at a time`,
      ],
    });
  });
});

/** A request that got no answer: status 0, so the assertions name it. */
function networkFailure(error: Error): Answer {
  return { status: 0, text: `network: ${networkErrorChain(error)}`, body: undefined, headers: new Headers() };
}

function problems(answers: Answer[], bad: (a: Answer) => boolean): string[] {
  return answers.filter(bad).map((a) => `${a.status} ${a.text.slice(0, 200)}`);
}

function countStatuses(answers: Answer[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const a of answers) counts[a.status] = (counts[a.status] ?? 0) + 1;
  return counts;
}

async function innodbDeadlocks(fleet: Fleet): Promise<number> {
  const [rows] = await fleet.sql.query<any[]>("SHOW GLOBAL STATUS LIKE 'Innodb_deadlocks'");
  return Number(rows[0]?.Value ?? 0);
}
