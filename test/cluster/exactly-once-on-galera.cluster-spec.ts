import { randomUUID } from 'node:crypto';
import { GaleraCluster } from '../../scripts/galera-cluster';
import { MIGRATIONS } from '../../src/database/migrations';
import { checkInvariants, formatSummary } from '../reliability/invariants';
import { Tally, sleep, taggedTransfer } from '../reliability/fleet';
import { seededRandom } from '../support/payments-api';
import { Answer, call, depositOn, openAccountOn } from '../support/process-client';
import { expectPrimaryKeysAndInnoDb } from '../support/schema-rules';
import { ClusterFleet, conflictCounters, tableDigests } from './cluster-fleet';

const size = (name: string, fallback: number) => Number(process.env[`CLUSTER_${name}`] ?? fallback);
const DUPLICATES = size('DUPLICATES', 300);
const DUPLICATE_KEYS = size('DUPLICATE_KEYS', 10);
const STREAM = size('STREAM', 2000);
const STREAM_CONCURRENCY = 24;
const STREAM_ACCOUNTS = size('ACCOUNTS', 12);
const SEED = size('SEED', 1 + Math.floor(Math.random() * 2 ** 31));
const MAX_ATTEMPTS = 40;

/**
 * Exactly-once on a 3-node MariaDB Galera cluster, one app process per node. On Galera two nodes
 * can each insert the same key in their own transaction; the loser learns it only at COMMIT, when
 * certification fails (ER_LOCK_DEADLOCK). These suites prove that this becomes a retry and a
 * replay, never a second execution, and that a node that dies or leaves the primary component
 * turns into 503s that clients can retry elsewhere, never a 500.
 */
describe(`exactly once on a 3-node Galera cluster (seed ${SEED})`, () => {
  const cluster = new GaleraCluster(undefined, () => undefined);
  let fleet: ClusterFleet;
  let accounts: [string, string];
  /** The stream's accounts: a dozen, so that rows are hot on every node, as real ones are (`CLUSTER_ACCOUNTS`). */
  const streamAccounts: string[] = [];

  beforeAll(async () => {
    fleet = await ClusterFleet.start(cluster);
    accounts = [await openAccountOn(fleet.at(0), fleet.apiKey), await openAccountOn(fleet.at(1), fleet.apiKey)];
    await depositOn(fleet.at(2), fleet.apiKey, accounts[0], 500_000_000);
    await depositOn(fleet.at(0), fleet.apiKey, accounts[1], 500_000_000);
    for (let i = 0; i < STREAM_ACCOUNTS; i++) {
      const account = await openAccountOn(fleet.at(i % 3), fleet.apiKey);
      await depositOn(fleet.at((i + 1) % 3), fleet.apiKey, account, 500_000_000);
      streamAccounts.push(account);
    }
  }, 300_000);

  afterAll(async () => {
    await fleet?.close();
  }, 120_000);

  it('three app processes started at once on three nodes migrate once, and every table suits Galera', async () => {
    const [migrations] = await fleet.sql[2].query('SELECT name FROM migrations ORDER BY id');
    expect((migrations as Array<{ name: string }>).map((m) => m.name)).toEqual(MIGRATIONS.map((m) => m.name));
    await expectPrimaryKeysAndInnoDb(fleet.sql[1], fleet.database);
  });

  it(`${DUPLICATE_KEYS} keys, each sent ${DUPLICATES} times at once over the three processes: one transfer per key, one body, no 5xx`, async () => {
    const statuses = new Tally();
    for (let k = 0; k < DUPLICATE_KEYS; k++) {
      const key = `galera-dup-${k}-${randomUUID()}`;
      const body = taggedTransfer(key, accounts[k % 2], accounts[(k + 1) % 2], 100 + k);
      const answers = await Promise.all(
        Array.from({ length: DUPLICATES }, (_, i) => call(fleet.at(i % 3), fleet.apiKey, 'POST', '/v1/transfers', { body, key })),
      );
      answers.forEach((a) => statuses.add(a.status));
      const created = answers.filter((a) => a.status === 201);
      expect(answers.filter((a) => a.status !== 201 && a.status !== 409).map((a) => `${a.status} ${a.text}`)).toEqual([]);
      expect(new Set(created.map((a) => a.text)).size).toBe(1);
      expect(created.filter((a) => a.headers.get('idempotent-replayed') !== 'true')).toHaveLength(1);
      for (const a of answers.filter((x) => x.status === 409)) expect(Number(a.headers.get('retry-after'))).toBeGreaterThan(0);
      const [rows] = await fleet.sql[k % 3].query("SELECT COUNT(*) AS n FROM transfers WHERE JSON_VALUE(metadata, '$.idempotency_key') = ?", [key]);
      expect(Number((rows as Array<{ n: number }>)[0].n)).toBe(1);
    }
    console.log(`galera duplicates: ${DUPLICATE_KEYS} x ${DUPLICATES} -> ${JSON.stringify(statuses.counts)}`);
  });

  it(`a stream of ${STREAM} transfers with duplicates and retries, one node SIGKILLed and brought back midway: nothing lost, nothing doubled, all nodes agree`, async () => {
    const random = seededRandom(SEED);
    const answers = new Tally();
    /** 5xx a client should not have seen, with the X-Request-Id to find the app's log line by. */
    const unexpected: Array<{ slot: number; what: string; requestId: string | null }> = [];
    let downNode: number | undefined;
    /** Where the chaos is, for the messages of unexpected answers. */
    let phase = 'all nodes up';
    let sent = 0;
    let retries = 0;
    const acknowledged = new Map<string, string>();

    /** A retrying client: same key every attempt, another app process after a failure. */
    const transfer = async (i: number) => {
      const key = `galera-stream-${i}-${randomUUID()}`;
      const from = random.int(0, streamAccounts.length - 1);
      const to = (from + random.int(1, streamAccounts.length - 1)) % streamAccounts.length;
      const body = taggedTransfer(key, streamAccounts[from], streamAccounts[to], random.int(1, 5_000));
      let slot = random.int(0, 2);
      const duplicate = random.chance(0.2) ? send((slot + 1) % 3, key, body) : undefined;
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        const answer = await send(slot, key, body);
        if (answer?.status === 201) {
          acknowledged.set(key, answer.text);
          break;
        }
        retries++;
        slot = (slot + 1) % 3;
        await sleep(Math.min(2_000, 50 * 2 ** Math.min(attempt, 6)) * (0.5 + random.int(0, 100) / 200));
      }
      const dup = await duplicate;
      if (dup?.status === 201) expect(dup.text).toBe(acknowledged.get(key));
    };
    const send = async (slot: number, key: string, body: object): Promise<Answer | undefined> => {
      sent++;
      const answer = await call(fleet.at(slot), fleet.apiKey, 'POST', '/v1/transfers', { body, key }).catch(() => undefined);
      answers.add(answer ? answer.status : 'network');
      if (answer && answer.status >= 500) {
        // A node that is down or cut off answers 503 with Retry-After (nothing ran); a healthy
        // cluster answers no 5xx at all.
        if (downNode === undefined || slot !== downNode - 1 || answer.status !== 503 || !answer.headers.get('retry-after')) {
          unexpected.push({
            slot,
            what: `app ${slot + 1} (${phase}): ${answer.status} ${answer.body?.code ?? answer.text.slice(0, 200)}`,
            requestId: answer.headers.get('x-request-id'),
          });
        }
      }
      return answer;
    };

    const countersBefore = await Promise.all(fleet.sql.slice(0, 2).map(conflictCounters));
    let next = 0;
    const chaos = (async () => {
      while (next < STREAM * 0.35) await sleep(50);
      downNode = 3;
      phase = 'node 3 being killed';
      await cluster.kill(3);
      phase = 'node 3 down';
      while (next < STREAM * 0.6) await sleep(50);
      phase = 'node 3 restarting';
      await cluster.restart(3);
      phase = 'node 3 rejoined, app 3 not yet healthy';
      // The app on node 3 reconnects through its pool; give its health a moment to turn green.
      for (
        let i = 0;
        i < 100 &&
        (await fetch(`${fleet.at(2).url}/health`).then(
          (r) => r.status,
          () => 0,
        )) !== 200;
        i++
      )
        await sleep(200);
      downNode = undefined;
      phase = 'node 3 back, app 3 healthy';
    })();
    await Promise.all(
      Array.from({ length: STREAM_CONCURRENCY }, async () => {
        while (next < STREAM) await transfer(next++);
      }),
    );
    await chaos;

    await fleet.reconnect(3);
    // Nodes 1 and 2 counted from before the stream; node 3 from its restart.
    const countersAfter = await Promise.all(fleet.sql.map(conflictCounters));
    const conflicts = countersAfter.map((after, i) => ({
      certFailures: after.certFailures - (countersBefore[i]?.certFailures ?? 0),
      bfAborts: after.bfAborts - (countersBefore[i]?.bfAborts ?? 0),
    }));
    console.log(
      `galera stream: ${sent} requests, ${retries} client retries, answers ${JSON.stringify(answers.counts)}; transactions Galera rolled back per node ` +
        conflicts.map((c, i) => `node ${i + 1}: ${c.certFailures} certification failures, ${c.bfAborts} brute-force aborts`).join('; '),
    );
    if (unexpected.length) await sleep(1_000); // the apps' log lines, written after their answers
    expect(unexpected.map((u) => `${u.what}; logged: ${fleet.logged(u.slot, u.requestId)}`)).toEqual([]);
    expect(acknowledged.size).toBe(STREAM);
    const digests = await Promise.all(fleet.sql.map((sql) => tableDigests(sql, fleet.database)));
    expect(digests[1]).toEqual(digests[0]);
    expect(digests[2]).toEqual(digests[0]);
    for (const [i, sql] of fleet.sql.entries()) {
      const report = await checkInvariants(sql);
      if (i === 0) {
        console.log(
          formatSummary(report, {
            suite: `galera stream over 3 nodes (node 3 killed and rejoined)`,
            seed: SEED,
            requests: sent,
            retries,
            kills: 1,
            restarts: 1,
            answers: answers.counts,
          }),
        );
      }
      expect(report.results.filter((r) => !r.ok)).toEqual([]);
      expect(Object.keys(report.executionsPerKey).filter((n) => n !== '1')).toEqual([]);
    }
    // 20–60 s on 2 quiet cores; the kill, the rejoin and a busy machine can stretch it far beyond.
  }, 600_000);

  it('a node cut off from the primary component answers 503 with Retry-After (never 500), and /health says 503 so a balancer takes it out', async () => {
    const isolated = fleet.sql[1];
    await isolated.query("SET GLOBAL wsrep_provider_options = 'gmcast.isolate=1'");
    try {
      for (let i = 0; i < 100 && (await cluster.status(cluster.node(2))).clusterStatus === 'Primary'; i++) await sleep(200);
      expect((await cluster.status(cluster.node(2))).clusterStatus).not.toBe('Primary');
      const health = await fetch(`${fleet.at(1).url}/health`);
      expect(health.status).toBe(503);
      const key = `galera-isolated-${randomUUID()}`;
      const body = taggedTransfer(key, accounts[0], accounts[1], 7);
      for (const answer of [
        await call(fleet.at(1), fleet.apiKey, 'POST', '/v1/transfers', { body, key }),
        await call(fleet.at(1), fleet.apiKey, 'GET', `/v1/accounts/${accounts[0]}`),
      ]) {
        expect(answer.status).toBe(503);
        expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(answer.headers.get('content-type')).toContain('application/problem+json');
      }
      // The same key through a healthy node executes once.
      const elsewhere = await call(fleet.at(0), fleet.apiKey, 'POST', '/v1/transfers', { body, key });
      expect(elsewhere.status).toBe(201);
    } finally {
      await isolated.query("SET GLOBAL wsrep_provider_options = 'gmcast.isolate=0'");
    }
    for (let i = 0; i < 150 && (await cluster.status(cluster.node(2))).state !== 'Synced'; i++) await sleep(200);
    expect((await cluster.status(cluster.node(2))).state).toBe('Synced');
    for (let i = 0; i < 100 && (await fetch(`${fleet.at(1).url}/health`)).status !== 200; i++) await sleep(200);
    expect((await fetch(`${fleet.at(1).url}/health`)).status).toBe(200);
  });
});
