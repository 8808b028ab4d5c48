import { DataSource } from 'typeorm';
import { bootTestApp, TestApp } from './support/app';
import { createTestDatabase, mysqlOnly, TestDatabase } from './support/databases';
import {
  balanceOf,
  countRows,
  expectExecuted,
  expectKeyEcho,
  expectReplayOf,
  fundedPair,
  HTTP_ADAPTERS,
  newKey,
  postTransfer,
  transferBody,
  transfersFrom,
} from './support/idempotency-fixtures';
import { TcpProxy } from './support/tcp-proxy';

/** Asks `/health` until it answers `status`, at most `timeoutMs`; returns the last status seen. */
async function healthOnceItIs(t: TestApp, status: number, timeoutMs = 10_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await t.http.get('/health');
    if (res.status === status || Date.now() > deadline) return res.status;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Contract §2 ("idempotency store unreachable") and §5.3: with the database behind a TCP proxy the
 * test can cut, a keyed request is a 503 with Retry-After and never runs; once the database is back
 * the retry with the same key executes exactly once.
 */
describe.each(mysqlOnly().flatMap((kind) => HTTP_ADAPTERS.map((adapter) => [kind, adapter] as const)))(
  'the store out of reach on %s over %s',
  (kind, adapter) => {
    let db: TestDatabase;
    let proxy: TcpProxy;
    let t: TestApp;

    beforeAll(async () => {
      db = await createTestDatabase(kind);
      const direct = new URL(db.url);
      proxy = new TcpProxy({ host: direct.hostname, port: Number(direct.port || 3306) });
      const viaProxy = new URL(db.url);
      viaProxy.port = String(await proxy.start());
      t = await bootTestApp(viaProxy.toString(), { adapter });
    });
    afterAll(async () => {
      await proxy?.restore();
      await t?.close();
      await proxy?.stop();
      await db?.drop();
    });

    it('a keyed transfer while the database is cut is a 503 problem with Retry-After; the same key runs exactly once after it returns', async () => {
      const { from, to } = await fundedPair(t, 1_000);
      const key = newKey('outage');
      const body = transferBody(from, to, 300);
      expect((await t.http.get('/health')).status).toBe(200);

      await proxy.cut();
      const refused = await postTransfer(t, key, body);
      const healthWhileCut = await t.http.get('/health');
      console.log(`store outage over ${adapter}: ${refused.status} ${refused.body?.code} (Retry-After ${refused.headers['retry-after']}), /health ${healthWhileCut.status}`);
      expect(refused.status).toBe(503);
      expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(['idempotency_store_unavailable', 'service_unavailable']).toContain(refused.body.code);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(refused.text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|SELECT|at .*\.js/);
      expect(healthWhileCut.status).toBe(503);

      await proxy.restore();
      expect(await healthOnceItIs(t, 200)).toBe(200);
      expect(await transfersFrom(t, from)).toBe(0);
      expect(await countRows(t, 'idempotency_keys', 'idempotency_key = ?', [key])).toBe(0);
      expect(await balanceOf(t, from)).toBe(1_000);

      const retry = await postTransfer(t, key, body);
      expectExecuted(retry, 201, key);
      expectReplayOf(await postTransfer(t, key, body), retry, key);
      expect(await transfersFrom(t, from)).toBe(1);
      expect([await balanceOf(t, from), await balanceOf(t, to)]).toEqual([700, 300]);
    });

    it('the 503 answered while the database is cut echoes the Idempotency-Key it was sent with', async () => {
      const key = newKey('outage-echo');
      await proxy.cut();
      try {
        const refused = await postTransfer(t, key, transferBody('acct_a', 'acct_b', 100));
        expect(refused.status).toBe(503);
        expectKeyEcho(refused, key);
      } finally {
        await proxy.restore();
      }
    });

    it('the connection lost mid-transaction (claim made, transfer and event written, ledger insert in flight) is a 503 with Retry-After, nothing is written, and the same key then runs once', async () => {
      const { from, to } = await fundedPair(t, 1_000);
      const key = newKey('mid-transaction');
      const body = transferBody(from, to, 300);

      const cut = proxy.cutWhenClientSends('INSERT INTO `ledger_entries`');
      const refused = await postTransfer(t, key, body);
      await cut;
      console.log(`connection lost mid-transaction over ${adapter}: ${refused.status} ${refused.body?.code} (Retry-After ${refused.headers['retry-after']})`);
      expect(refused.status).toBe(503);
      expect(refused.body.code).toBe('idempotency_store_unavailable');
      expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expectKeyEcho(refused, key);

      await proxy.restore();
      expect(await healthOnceItIs(t, 200)).toBe(200);
      expect(await transfersFrom(t, from)).toBe(0);
      expect(await countRows(t, 'ledger_entries', 'account_id IN (?, ?)', [from, to])).toBe(1); // the funding deposit only
      expect(await countRows(t, 'idempotency_keys', 'idempotency_key = ?', [key])).toBe(0);
      expect(await balanceOf(t, from)).toBe(1_000);

      const retry = await postTransfer(t, key, body);
      expectExecuted(retry, 201, key);
      expectReplayOf(await postTransfer(t, key, body), retry, key);
      expect(await transfersFrom(t, from)).toBe(1);
    });

    it('the database lost in the middle of a burst: only whole transfers exist, every answer is a 201 or a 503, and every retry completes exactly once', async () => {
      const { from, to } = await fundedPair(t, 10_000);
      const keys = Array.from({ length: 10 }, (_, i) => newKey(`burst-${i}`));
      const body = (i: number) => transferBody(from, to, 100 + i);

      const cut = proxy.cutWhenClientSends('INSERT INTO `ledger_entries`');
      const answers = await Promise.all(keys.map((key, i) => postTransfer(t, key, body(i))));
      await cut;
      console.log(`burst with the database lost over ${adapter}: ${JSON.stringify(answers.map((r) => `${r.status} ${r.body?.code ?? ''}`.trim()))}`);
      expect(answers.filter((res) => res.status !== 201 && res.status !== 503).map((res) => res.text)).toEqual([]);
      expect(answers.filter((res) => res.status === 503).length).toBeGreaterThanOrEqual(1);
      for (const res of answers.filter((r) => r.status === 503)) expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);

      await proxy.restore();
      expect(await healthOnceItIs(t, 200)).toBe(200);
      const succeeded = answers.filter((res) => res.status === 201).map((res) => res.body.id).sort();
      const rows: Array<{ id: string }> = await t.app.get(DataSource).query('SELECT id FROM transfers WHERE from_account = ?', [from]);
      expect(rows.map((row) => row.id).sort()).toEqual(succeeded);

      const retries = await Promise.all(keys.map((key, i) => postTransfer(t, key, body(i))));
      retries.forEach((res, i) => {
        expect({ status: res.status, replayed: res.headers['idempotent-replayed'] }).toEqual({
          status: 201,
          replayed: answers[i].status === 201 ? 'true' : undefined,
        });
        expectKeyEcho(res, keys[i]);
      });
      expect(await transfersFrom(t, from)).toBe(keys.length);
      const moved = keys.reduce((sum, _, i) => sum + 100 + i, 0);
      expect([await balanceOf(t, from), await balanceOf(t, to)]).toEqual([10_000 - moved, moved]);
      const [ledger] = await t.app.get(DataSource).query('SELECT SUM(amount) AS total FROM ledger_entries');
      expect(Number(ledger.total)).toBe(0);
    });
  },
);
