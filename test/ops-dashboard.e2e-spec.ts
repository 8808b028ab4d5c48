import { DataSource } from 'typeorm';
import { IdempotencyPurgeService } from '../src/idempotency';
import { bootTestApp, bearer, TestApp } from './support/app';
import { createTestDatabase, databaseKinds, TestDatabase } from './support/databases';
import { dashboardExpressions, metricNames, ruleExpressions, sampleNames } from './support/ops-files';

/** The pool has no meaning on SQLite (one connection): these are reported on MySQL/MariaDB only. */
const MYSQL_ONLY = ['db_client_connections', 'db_client_connections_max', 'db_client_connections_pending_requests'];

describe('metric names in PromQL', () => {
  it.each([
    ['sum by (route) (rate(http_request_duration_seconds_count{job=~"$job"}[$__rate_interval]))', ['http_request_duration_seconds_count']],
    [
      'histogram_quantile(0.99, sum by (job, route, le) (rate(a_bucket{route=~"/v1/.*"}[5m]))) > 1\n and on (job, route) sum by (job, route) (rate(b_count[5m])) > 0.1',
      ['a_bucket', 'b_count'],
    ],
    ['(time() - last_ts > 3600) and on (job, instance) (time() - process_start_time_seconds > 3600)', ['last_ts', 'process_start_time_seconds']],
    ['sum(rate(x_total{outcome="in_use"}[5m])) / sum(rate(x_total{outcome=~"executed|replayed"}[5m])) or vector(0)', ['x_total']],
    ['time() - max(g{a="by (x) y"} > 0) offset 5m', ['g']],
  ])('%s reads %p', (expr, names) => {
    expect(metricNames(expr).sort()).toEqual(names);
  });
});

describe.each(databaseKinds())('the dashboard and alerts use only metrics /metrics exposes, on %s', (kind) => {
  let db: TestDatabase;
  let t: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    t = await bootTestApp(db.url, { env: { DB_POOL_SIZE: '3' } });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  const scrape = async () => {
    const res = await t.http.get('/metrics');
    expect(res.status).toBe(200);
    return res.text;
  };

  it('every metric of every dashboard query and alert rule is in a scrape after some traffic', async () => {
    const create = () =>
      t.http.post('/v1/accounts').set(bearer(t.apiKey)).set('Idempotency-Key', `ops-dashboard-${kind}`).send({ name: 'o', currency: 'usd' });
    expect((await create()).status).toBe(201);
    expect((await create()).headers['idempotent-replayed']).toBe('true');
    const scraped = sampleNames(await scrape());

    const expressions = [...dashboardExpressions(), ...ruleExpressions()];
    expect(expressions.filter((e) => e.where.startsWith('payments-dashboard.json')).length).toBeGreaterThanOrEqual(23);
    expect(expressions.filter((e) => e.where.startsWith('alerts.yml')).length).toBeGreaterThanOrEqual(5);
    const missing: string[] = [];
    for (const { where, expr } of expressions) {
      const names = metricNames(expr);
      expect(names.length).toBeGreaterThan(0);
      for (const name of names) {
        const expected = kind === 'mysql' || !MYSQL_ONLY.includes(name);
        if (scraped.has(name) !== expected) missing.push(`${where}: ${name} ${expected ? 'missing from' : 'unexpectedly in'} the scrape`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('reports when the purge of expired keys last succeeded (0 before the first)', async () => {
    expect(await scrape()).toMatch(/^idempotency_purge_last_success_timestamp_seconds 0$/m);
    const before = Date.now() / 1000;
    await t.app.get(IdempotencyPurgeService).purge();
    const value = Number(/^idempotency_purge_last_success_timestamp_seconds (\S+)$/m.exec(await scrape())?.[1]);
    expect(value).toBeGreaterThanOrEqual(Math.floor(before));
    expect(value).toBeLessThanOrEqual(Date.now() / 1000);
  });

  // SQLite has no pool; the first test proves its pool metrics are absent there rather than 0.
  if (kind === 'mysql')
    it('reports the pool: size, connections checked out and idle', async () => {
      const gauge = (text: string, series: string) => Number(new RegExp(`^${series.replace(/[{}"]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1]);
      const idleText = await scrape();
      expect(gauge(idleText, 'db_client_connections_max')).toBe(3);
      expect(gauge(idleText, 'db_client_connections_pending_requests')).toBe(0);
      const usedBefore = gauge(idleText, 'db_client_connections{state="used"}');

      const runner = t.app.get(DataSource).createQueryRunner();
      await runner.connect();
      await runner.startTransaction();
      try {
        const heldText = await scrape();
        expect(gauge(heldText, 'db_client_connections{state="used"}')).toBe(usedBefore + 1);
        expect(gauge(heldText, 'db_client_connections{state="used"}') + gauge(heldText, 'db_client_connections{state="idle"}')).toBeLessThanOrEqual(
          3,
        );
      } finally {
        await runner.rollbackTransaction();
        await runner.release();
      }
      expect(gauge(await scrape(), 'db_client_connections{state="used"}')).toBe(usedBefore);
    });
});
