import { randomBytes } from 'node:crypto';
import { createConnection } from 'mysql2/promise';
import { DataSource } from 'typeorm';
import { IdempotencyPurgeService } from '../src/idempotency';
import { bootTestApp, bearer, TestApp } from './support/app';
import { createTestDatabase, databaseKinds, MYSQL_SERVER_URL, TestDatabase, describeOnMysql } from './support/databases';

/** Writes `count` keys that expired an hour ago, in one multi-row insert per 500. */
async function insertExpiredKeys(dataSource: DataSource, scope: string, count: number): Promise<void> {
  const sqlite = dataSource.options.type === 'better-sqlite3';
  const past = new Date(Date.now() - 3_600_000);
  const stamp = sqlite ? past.toISOString().replace('T', ' ').replace('Z', '') : past;
  for (let start = 0; start < count; start += 500) {
    const rows = Array.from({ length: Math.min(500, count - start) }, (_, i) => [scope, `expired-${start + i}`, stamp, stamp]);
    await dataSource.query(
      `INSERT INTO idempotency_keys (scope, idempotency_key, status, created_at, expires_at) VALUES ${rows.map(() => "(?, ?, 'completed', ?, ?)").join(',')}`,
      rows.flat(),
    );
  }
}

describe.each(databaseKinds())('purge of expired keys on %s', (kind) => {
  let db: TestDatabase;
  let t: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    t = await bootTestApp(db.url);
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('deletes expired keys in batches of at most 1,000 rows and keeps live ones', async () => {
    const dataSource = t.app.get(DataSource);
    await insertExpiredKeys(dataSource, 'cli_purge_test', 2_500);
    const live = await t.http.post('/v1/accounts').set(bearer(t.apiKey)).set('Idempotency-Key', 'live-key').send({ name: 'a', currency: 'usd' });
    expect(live.status).toBe(201);

    const batches: number[] = [];
    const deleted = await t.app.get(IdempotencyPurgeService).purge((soFar) => batches.push(soFar));

    expect(deleted).toBe(2_500);
    expect(batches).toEqual([1_000, 2_000, 2_500]);
    const [{ n }] = await dataSource.query('SELECT COUNT(*) AS n FROM idempotency_keys');
    expect(Number(n)).toBe(1);
    const replay = await t.http.post('/v1/accounts').set(bearer(t.apiKey)).set('Idempotency-Key', 'live-key').send({ name: 'a', currency: 'usd' });
    expect(replay.headers['idempotent-replayed']).toBe('true');
  });
});

describeOnMysql('IDEMPOTENCY_SCHEMA on %s', (kind) => {
  const schema = `payments_keys_${randomBytes(4).toString('hex')}`;
  let db: TestDatabase;
  let t: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    process.env.IDEMPOTENCY_SCHEMA = schema; // read by the migration
    t = await bootTestApp(db.url, { env: { IDEMPOTENCY_SCHEMA: schema } });
  });
  afterAll(async () => {
    delete process.env.IDEMPOTENCY_SCHEMA;
    await t?.close();
    await db?.drop();
    const admin = await createConnection({ uri: MYSQL_SERVER_URL });
    await admin.query(`DROP DATABASE IF EXISTS \`${schema}\``);
    await admin.end();
  });

  it('keeps the keys in their own schema, committed with the transfer in one transaction', async () => {
    const auth = bearer(t.apiKey);
    const account = async (name: string) =>
      (await t.http.post('/v1/accounts').set(auth).send({ name, currency: 'eur' })).body.id as string;
    const [from, to] = [await account('from'), await account('to')];
    await t.http.post(`/v1/accounts/${from}/deposits`).set(auth).set('Idempotency-Key', 'dep').send({ amount: 500, currency: 'eur' });
    const body = { from_account: from, to_account: to, amount: 200, currency: 'eur' };
    const first = await t.http.post('/v1/transfers').set(auth).set('Idempotency-Key', 'tr').send(body);
    const again = await t.http.post('/v1/transfers').set(auth).set('Idempotency-Key', 'tr').send(body);

    expect(first.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.text).toBe(first.text);
    const dataSource = t.app.get(DataSource);
    const [{ n: inSchema }] = await dataSource.query(`SELECT COUNT(*) AS n FROM \`${schema}\`.idempotency_keys`);
    expect(Number(inSchema)).toBe(2);
    const [{ n: inMain }] = await dataSource.query(
      "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'idempotency_keys'",
    );
    expect(Number(inMain)).toBe(0);
  });
});
