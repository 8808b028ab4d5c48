import { randomUUID } from 'node:crypto';
import type { DataSource, QueryRunner } from 'typeorm';

const LOCK_TABLE = 'schema_migration_lock';
/** Long enough to outlive a pause of the holder; renewed every `RENEW_MS` while it migrates. */
const LEASE_SECONDS = 30;
const RENEW_MS = 10_000;
const POLL_MS = 250;
const GIVE_UP_MS = 300_000;

/**
 * Runs `work` (the migrations) while holding the one migration lease of this database, so that
 * app processes starting together migrate once, whichever server each one talks to.
 *
 * Why a row and not `GET_LOCK`: a named lock lives in one server's memory. On a Galera cluster every
 * node has its own, so two processes on two nodes would both take "the" lock and race to create
 * the same tables. A row is replicated like any other write: the lease is taken by a conditional
 * UPDATE, and when two nodes take it at the same moment, certification lets one commit and fails
 * the other with a deadlock error, which here means "someone else has it, wait". The lease expires
 * by itself, so a process killed while migrating cannot block the next start for longer than
 * `LEASE_SECONDS`.
 */
export async function withMigrationLock<T>(dataSource: DataSource, work: () => Promise<T>): Promise<T> {
  const owner = randomUUID();
  let renewal: NodeJS.Timeout | undefined;
  // No connection is held while `work` runs: the lease is a row, not a session's lock, and the
  // migrations need connections of their own (with DB_POOL_SIZE=1, the only one).
  await withConnection(dataSource, async (runner) => {
    await runner.query(
      `CREATE TABLE IF NOT EXISTS ${LOCK_TABLE} (
         id TINYINT NOT NULL PRIMARY KEY,
         owner VARCHAR(64) NULL,
         expires_at DATETIME(3) NULL
       ) ENGINE=InnoDB`,
    );
    await acquire(runner, owner);
  });
  try {
    renewal = setInterval(() => {
      withConnection(dataSource, (runner) =>
        runner.query(`UPDATE ${LOCK_TABLE} SET expires_at = NOW(3) + INTERVAL ${LEASE_SECONDS} SECOND WHERE id = 1 AND owner = ?`, [owner]),
      ).catch(() => undefined);
    }, RENEW_MS);
    renewal.unref();
    return await work();
  } finally {
    if (renewal) clearInterval(renewal);
    await withConnection(dataSource, (runner) =>
      runner.query(`UPDATE ${LOCK_TABLE} SET owner = NULL, expires_at = NULL WHERE id = 1 AND owner = ?`, [owner]),
    ).catch(() => undefined);
  }
}

/** One pooled connection for `use`, given back as soon as it is done. */
async function withConnection<T>(dataSource: DataSource, use: (runner: QueryRunner) => Promise<T>): Promise<T> {
  const runner = dataSource.createQueryRunner();
  try {
    return await use(runner);
  } finally {
    await runner.release();
  }
}

async function acquire(runner: QueryRunner, owner: string): Promise<void> {
  const deadline = Date.now() + GIVE_UP_MS;
  for (;;) {
    try {
      await runner.query(`INSERT IGNORE INTO ${LOCK_TABLE} (id, owner, expires_at) VALUES (1, NULL, NULL)`);
      const result = await runner.query(
        `UPDATE ${LOCK_TABLE} SET owner = ?, expires_at = NOW(3) + INTERVAL ${LEASE_SECONDS} SECOND
          WHERE id = 1 AND (owner IS NULL OR expires_at < NOW(3))`,
        [owner],
        true,
      );
      if (result.affected === 1) return;
    } catch (error) {
      // Another node took the lease in the same instant: certification failed our write.
      if (!isConflict(error)) throw error;
    }
    if (Date.now() > deadline) throw new Error(`could not take the migration lock (${LOCK_TABLE}) within ${GIVE_UP_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS + Math.floor(Math.random() * POLL_MS)));
  }
}

function isConflict(error: unknown): boolean {
  const code = (error as { driverError?: { code?: string }; code?: string }).driverError?.code ?? (error as { code?: string }).code;
  return code === 'ER_LOCK_DEADLOCK' || code === 'ER_LOCK_WAIT_TIMEOUT';
}
