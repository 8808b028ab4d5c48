import { randomUUID } from 'node:crypto';
import type { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TransactionHost } from '@nestjs-cls/transactional';
import { Connection, createConnection } from 'mysql2/promise';
import { DataSource } from 'typeorm';
import { loadAppConfig } from '../src/config/app-config';
import { classifyDatabaseError } from '../src/database/database-errors';
import { DatabaseModule } from '../src/database/database.module';
import { transientRetryPolicy } from '../src/database/transient-retry';
import { ClaimRequest, IdempotencyModule, IdempotencyStore, TypeOrmIdempotencyStore } from '../src/idempotency';
import { describeIdempotencyStoreContract } from '../src/idempotency/testing/idempotency-store.contract';
import { createTestDatabase, databaseKinds, DbKind, describeOnMysql, TestDatabase } from './support/databases';
import { MysqlObserver, schemaOf } from './support/mysql-observer';

/** The TypeORM store on its own (no HTTP, no payments): the database wiring of the app and the module. */
function useStore(kind: DbKind, env: Record<string, string> = {}) {
  const suite = {} as { db: TestDatabase; context: INestApplicationContext; store: IdempotencyStore };
  beforeAll(async () => {
    suite.db = await createTestDatabase(kind);
    const config = loadAppConfig({ DATABASE_URL: suite.db.url, MIGRATIONS_RUN: 'true', ...env });
    const moduleRef = await Test.createTestingModule({
      imports: [
        DatabaseModule.forRoot(config, transientRetryPolicy(3)),
        IdempotencyModule.forRoot({ scope: () => 'unused', classifyError: classifyDatabaseError, controller: false, purgeEnabled: false }),
      ],
    }).compile();
    suite.context = await moduleRef.init();
    suite.store = suite.context.get(IdempotencyStore);
  }, 60_000);
  afterAll(async () => {
    await suite.context?.close();
    await suite.db?.drop();
  }, 60_000);
  return suite;
}

/** A claim of `key` in the scope these tests use, waiting at most `waitMs` for a held key row. */
function claim(key: string, waitMs: number): ClaimRequest {
  const now = new Date();
  return {
    scope: 'cli_locks',
    key,
    method: 'POST',
    path: '/v1/things',
    fingerprint: 'a'.repeat(64),
    purpose: null,
    owner: randomUUID(),
    now,
    leaseExpiresAt: new Date(now.getTime() + 60_000),
    expiresAt: new Date(now.getTime() + 3_600_000),
    waitMs,
  };
}

describe.each(databaseKinds())('TypeOrmIdempotencyStore on %s', (kind) => {
  const suite = useStore(kind);
  describeIdempotencyStoreContract(`TypeORM on ${kind}`, () => ({ store: suite.store }));

  it('refuses to start without a classifier for the driver errors', () => {
    const dataSource = suite.context.get(DataSource);
    const txHost = suite.context.get(TransactionHost);
    expect(() => new TypeOrmIdempotencyStore(txHost as never, dataSource, { scope: () => 'x' })).toThrow(/classifyError/);
  });
});

describeOnMysql('TypeOrmIdempotencyStore lock waits on %s', (kind) => {
  const suite = useStore(kind, { DB_LOCK_WAIT_SECONDS: '7' });
  let holder: Connection;
  let sql: Connection;
  let observe: MysqlObserver;
  beforeAll(async () => {
    holder = await createConnection({ uri: suite.db.url });
    sql = await createConnection({ uri: suite.db.url });
    observe = new MysqlObserver(sql, schemaOf(suite.db.url), [holder]);
  });
  afterAll(async () => {
    await holder?.end();
    await sql?.end();
  });

  /** Another connection inserts the key row and keeps its transaction open. */
  async function holdKey(key: string, status: string): Promise<void> {
    await holder.beginTransaction();
    await holder.query(
      "INSERT INTO idempotency_keys (scope, idempotency_key, status, fingerprint, response_status, response_headers, response_body, created_at, expires_at) VALUES ('cli_locks', ?, ?, ?, 201, '{}', '{}', UTC_TIMESTAMP(3), UTC_TIMESTAMP(3) + INTERVAL 1 HOUR)",
      [key, status, 'a'.repeat(64)],
    );
  }

  it('answers busy at once when the wait left is under a second and the key row is held', async () => {
    const key = `held-${randomUUID()}`;
    await holdKey(key, 'in_progress');
    try {
      expect(await suite.store.inTransaction(() => suite.store.claim(claim(key, 400)))).toEqual({ outcome: 'busy' });
    } finally {
      await holder.rollback();
    }
  });

  it('waits on the held key row within its bound and returns the holder’s committed record', async () => {
    const key = `committed-${randomUUID()}`;
    await holdKey(key, 'completed');
    const result = suite.store.inTransaction(() => suite.store.claim(claim(key, 20_000)));
    result.catch(() => undefined);
    await observe.lockWaitOf('the claim to wait for the held key row', 'INSERT INTO idempotency_keys', key);
    await holder.commit();
    expect(await result).toMatchObject({ outcome: 'existing', record: { status: 'completed' } });
  });

  it("bounds only the claim statement: the unit's later statements keep the session's lock wait, on every pooled connection", async () => {
    const txHost = suite.context.get(TransactionHost);
    const settings = await Promise.all(
      Array.from({ length: 4 }, () =>
        suite.store.inTransaction(async () => {
          await suite.store.claim(claim(`own-${randomUUID()}`, 0));
          const [row] = await (txHost.tx as { query(sql: string): Promise<any[]> }).query(
            'SELECT @@innodb_lock_wait_timeout AS wait, @@tx_isolation AS isolation, CONNECTION_ID() AS id, SLEEP(0.2) AS s',
          );
          return row;
        }),
      ),
    );
    expect(new Set(settings.map((row) => Number(row.id))).size).toBe(4);
    expect(settings.map((row) => [Number(row.wait), row.isolation])).toEqual(Array(4).fill([7, 'READ-COMMITTED']));
  });
});

describeOnMysql('TypeOrmIdempotencyStore connections on %s', (kind) => {
  // A store of its own, so that the claim below is its first: the one that learns which server it is on.
  const suite = useStore(kind);

  it('a unit of work claims on its own connection and never asks the pool for another, not even for its first claim', async () => {
    // Were a claim to need a second connection while its transaction holds one, as many first
    // requests at once as the pool has connections would each hold one and wait for another forever.
    const pool = (suite.context.get(DataSource).driver as unknown as { pool: { getConnection(done: (error: Error) => void): void } }).pool;
    const result = await suite.store.inTransaction(async () => {
      const asked = jest
        .spyOn(pool, 'getConnection')
        .mockImplementation((done) => done(new Error('a unit of work asked the pool for a second connection')));
      try {
        return await suite.store.claim(claim(`first-${randomUUID()}`, 5_000));
      } finally {
        asked.mockRestore();
      }
    });
    expect(result).toEqual({ outcome: 'claimed' });
  });
});
