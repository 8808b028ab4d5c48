import { randomUUID } from 'node:crypto';
import { Connection, createConnection } from 'mysql2/promise';
import { concerns, MysqlObserver, schemaOf } from '../support/mysql-observer';
import { Answer, bootstrapApiKey, call } from '../support/process-client';
import { Fleet, Tally } from './fleet';
import { expectInvariantsHold } from './run-summary';

/**
 * Contract §1 ("scope") and §5.5 across two processes: client A's objects and keys are invisible
 * to client B, whatever id or key value B sends. B reading A's ids gets exactly what a missing id
 * gets; B sending A's key values runs B's own request (never A's replay, never a wait on A's
 * in-flight request); B can move none of A's money. A is served from one process, B from the other
 * and the reverse, so nothing rests on one process's memory.
 */
describe('client isolation: B can neither read, replay, block nor move anything of A', () => {
  const keyB = bootstrapApiKey();
  let fleet: Fleet;
  let locker: Connection;
  const answers = new Tally();
  let started = 0;
  const a = { accounts: [] as string[], transfers: [] as string[], keys: {} as Record<string, string>, originals: {} as Record<string, Answer>, other: [] as string[] };
  const b = { accounts: [] as string[] };

  const as = async (who: 'A' | 'B', method: string, path: string, options: { body?: unknown; key?: string } = {}) => {
    const answer = await call(fleet.at(who === 'A' ? answers.total % 2 : (answers.total + 1) % 2), who === 'A' ? fleet.apiKey : keyB, method, path, options);
    answers.add(answer.status);
    return answer;
  };
  const keyed = (who: 'A' | 'B', path: string, body: object, key = `iso-${randomUUID()}`) => as(who, 'POST', path, { body, key });

  beforeAll(async () => {
    started = Date.now();
    // A is the bootstrap client of process 0, B of process 1; both processes serve both.
    fleet = await Fleet.start({ servers: 2, env: { IDEMPOTENCY_WAIT_MS: '20000' }, envOf: (slot): Record<string, string> => (slot === 1 ? { BOOTSTRAP_API_KEY: keyB } : {}) });
    locker = await createConnection({ uri: fleet.db.url });
    for (const who of ['A', 'B'] as const) {
      for (let i = 0; i < 2; i++) {
        const id = (await as(who, 'POST', '/v1/accounts', { body: { name: `${who}${i}`, currency: 'usd' } })).body.id;
        (who === 'A' ? a : b).accounts.push(id);
        if (i === 0) expect((await keyed(who, `/v1/accounts/${id}/deposits`, { amount: 10_000, currency: 'usd' })).status).toBe(201);
      }
    }
    const [a1, a2] = a.accounts;
    const requests: Record<string, [string, object]> = {
      transfer: ['/v1/transfers', { from_account: a1, to_account: a2, amount: 1_000, currency: 'usd' }],
      transfer2: ['/v1/transfers', { from_account: a1, to_account: a2, amount: 500, currency: 'usd' }],
      deposit: [`/v1/accounts/${a1}/deposits`, { amount: 700, currency: 'usd' }],
    };
    for (const [name, [path, body]] of Object.entries(requests)) {
      a.keys[name] = `a-${name}-${randomUUID()}`;
      a.originals[name] = await keyed('A', path, body, a.keys[name]);
    }
    a.transfers.push(a.originals.transfer.body.id, a.originals.transfer2.body.id);
    a.keys.reversal = `a-reversal-${randomUUID()}`;
    a.originals.reversal = await keyed('A', `/v1/transfers/${a.transfers[0]}/reversals`, { amount: 100 }, a.keys.reversal);
    a.keys.minted = (await as('A', 'POST', '/v1/idempotency-keys', { body: { purpose: 'transfers.create' } })).body.key;
    const ledger = (await as('A', 'GET', `/v1/accounts/${a1}/ledger?limit=100`)).body.data as Array<{ id: string; posting: string }>;
    const [[client]] = await fleet.sql.query<any[]>('SELECT client_id FROM accounts WHERE id = ?', [a1]);
    const [external] = await fleet.sql.query<any[]>("SELECT id FROM accounts WHERE client_id = ? AND kind = 'external'", [client.client_id]);
    a.other = [...ledger.map((e) => e.id), a.originals.deposit.body.id, a.originals.reversal.body.id, client.client_id, ...external.map((r) => r.id)];
    expect(Object.values(a.originals).map((x) => x.status)).toEqual([201, 201, 201, 201]);
  }, 120_000);
  afterAll(async () => {
    await locker?.end();
    await fleet?.close();
  }, 60_000);

  /** What client A owns and can see, as stored: the sum of its tables and of its idempotency keys. */
  const stateOfA = async () => {
    const [[row]] = await fleet.sql.query<any[]>(
      `SELECT (SELECT GROUP_CONCAT(id, '=', balance ORDER BY id) FROM accounts WHERE client_id = c.id) AS balances,
              (SELECT COUNT(*) FROM ledger_entries WHERE client_id = c.id) AS entries,
              (SELECT COUNT(*) FROM transfers WHERE client_id = c.id) AS transfers,
              (SELECT GROUP_CONCAT(idempotency_key, ':', status, ':', COALESCE(response_status, '-') ORDER BY idempotency_key) FROM idempotency_keys WHERE scope = c.id) AS keys_
         FROM clients c WHERE c.id = (SELECT client_id FROM accounts WHERE id = ?)`,
      [a.accounts[0]],
    );
    return row;
  };

  it("B reading any of A's ids or keys gets exactly what a missing one gets, and nothing of A", async () => {
    const ids = [...a.accounts, ...a.transfers, ...a.other, ...Object.values(a.keys)];
    const reads = (x: string) => [
      `/v1/accounts/${x}`, `/v1/accounts/${x}/ledger`, `/v1/transfers/${x}`, `/v1/idempotency-keys/${x}`,
      `/v1/transfers?account=${x}`, `/v1/accounts?starting_after=${x}`, `/v1/transfers?starting_after=${x}`,
    ];
    const leaks: string[] = [];
    for (const id of ids) {
      const missing = id.replace(/.{6}$/, 'zzzzzz');
      for (const [path, control] of reads(id).map((p, i) => [p, reads(missing)[i]])) {
        const [seen, baseline] = [await as('B', 'GET', path), await as('B', 'GET', control)];
        const shown = [...ids].filter((x) => x !== id && seen.text.includes(x));
        if (shown.length || seen.status !== baseline.status || seen.text.split(id).join(missing) !== baseline.text) {
          leaks.push(`${path}: ${seen.status} ${seen.text.slice(0, 160)} (a missing id: ${baseline.status})`);
        }
      }
    }
    expect(leaks).toEqual([]);
  });

  it("B sending A's key values runs B's own request: never A's replay, never 'reused'", async () => {
    const before = await stateOfA();
    const [b1, b2] = b.accounts;
    const ownBody = { from_account: b1, to_account: b2, amount: 10, currency: 'usd' };
    const replays = {
      transfer: await keyed('B', '/v1/transfers', { from_account: a.accounts[0], to_account: a.accounts[1], amount: 1_000, currency: 'usd' }, a.keys.transfer),
      deposit: await keyed('B', `/v1/accounts/${a.accounts[0]}/deposits`, { amount: 700, currency: 'usd' }, a.keys.deposit),
      reversal: await keyed('B', `/v1/transfers/${a.transfers[0]}/reversals`, { amount: 100 }, a.keys.reversal),
    };
    const own = { transfer2: await keyed('B', '/v1/transfers', ownBody, a.keys.transfer2), minted: await keyed('B', '/v1/transfers', ownBody, a.keys.minted) };
    const outcome = (x: Answer) => ({ status: x.status, code: x.body?.code, replayed: x.headers.get('idempotent-replayed') });
    expect(Object.values(replays).map(outcome)).toEqual([
      { status: 404, code: 'account_not_found', replayed: null },
      { status: 404, code: 'account_not_found', replayed: null },
      { status: 404, code: 'transfer_not_found', replayed: null },
    ]);
    expect(Object.values(own).map((x) => ({ ...outcome(x), mine: !a.transfers.includes(x.body?.id) }))).toEqual([
      { status: 201, code: undefined, replayed: null, mine: true },
      { status: 201, code: undefined, replayed: null, mine: true },
    ]);
    // A's keys still answer A, byte for byte.
    const again = await keyed('A', '/v1/transfers', { from_account: a.accounts[0], to_account: a.accounts[1], amount: 1_000, currency: 'usd' }, a.keys.transfer);
    expect({ text: again.text, replayed: again.headers.get('idempotent-replayed') }).toEqual({ text: a.originals.transfer.text, replayed: 'true' });
    expect(await stateOfA()).toEqual(before);
  });

  it("B cannot be held up by A's in-flight request with the same key value: B's runs and answers while A's still waits", async () => {
    const key = `held-${randomUUID()}`;
    const [a1, a2] = a.accounts;
    const observe = new MysqlObserver(fleet.sql, schemaOf(fleet.db.url), [locker]);
    await locker.beginTransaction();
    await locker.query('SELECT id FROM accounts WHERE id IN (?, ?) FOR UPDATE', [a1, a2]);
    const order: string[] = [];
    const held = keyed('A', '/v1/transfers', { from_account: a1, to_account: a2, amount: 5, currency: 'usd' }, key).then((x) => (order.push('A'), x));
    try {
      await observe.lockWaitOf("A's transfer to wait for its accounts", a1, a2);
      const mine = await keyed('B', '/v1/transfers', { from_account: b.accounts[0], to_account: b.accounts[1], amount: 5, currency: 'usd' }, key);
      order.push('B');
      expect({ status: mine.status, replayed: mine.headers.get('idempotent-replayed'), order }).toEqual({ status: 201, replayed: null, order: ['B'] });
      expect((await observe.lockWaits()).some((w) => concerns(w, a1))).toBe(true);
    } finally {
      await locker.rollback();
    }
    const theirs = await held;
    expect({ status: theirs.status, order }).toEqual({ status: 201, order: ['B', 'A'] });
  });

  it("B can move none of A's money with any id or key value of A's", async () => {
    const before = await stateOfA();
    const [b1] = b.accounts;
    const targets = [...a.accounts, ...a.transfers, ...a.other];
    const moved: string[] = [];
    for (const x of targets) {
      for (const [path, body] of [
        ['/v1/transfers', { from_account: x, to_account: b1, amount: 1, currency: 'usd' }],
        ['/v1/transfers', { from_account: b1, to_account: x, amount: 1, currency: 'usd' }],
        [`/v1/accounts/${x}/deposits`, { amount: 1, currency: 'usd' }],
        [`/v1/transfers/${x}/reversals`, { amount: 1 }],
      ] as Array<[string, object]>) {
        const answer = await keyed('B', path, body);
        if (answer.status < 400 || answer.status >= 500) moved.push(`${path} ${JSON.stringify(body)}: ${answer.status} ${answer.text.slice(0, 120)}`);
      }
    }
    expect(moved).toEqual([]);
    expect(await stateOfA()).toEqual(before);
  });

  it('ends with every ledger and key invariant holding, postings within their client', async () => {
    await expectInvariantsHold(fleet.sql, {
      suite: 'client isolation',
      durationMs: Date.now() - started,
      requests: answers.total,
      retries: 0,
      kills: 0,
      answers: answers.counts,
      notes: ["A on process 0 and B on process 1 alternately; B tried every id and key value of A's on every route"],
    });
  });
});
