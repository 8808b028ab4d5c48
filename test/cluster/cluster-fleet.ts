import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Connection, createConnection } from 'mysql2/promise';
import { GaleraCluster } from '../../scripts/galera-cluster';
import { bootstrapApiKey } from '../support/process-client';
import { freePort, ServerProcess, startServer } from '../support/server-process';

/** Settings every app process of the cluster suites shares: no rate limit in the way, quiet logs. */
const BASE_ENV = { RATE_LIMIT_PER_MINUTE: '100000000', LOG_LEVEL: 'error' };

interface Slot {
  port: number;
  env: Record<string, string>;
  server?: ServerProcess;
}

/**
 * One app process per Galera node, all on one fresh database of the cluster (created on node 1,
 * replicated to the others). The processes start at the same time, as they would after a deploy:
 * the migration must run once, whichever node each one talks to. `close()` kills every process and
 * drops the database.
 */
export class ClusterFleet {
  private constructor(
    readonly cluster: GaleraCluster,
    readonly database: string,
    readonly apiKey: string,
    private readonly slots: Slot[],
    /** The test's own connection to each node, in node order. */
    readonly sql: Connection[],
  ) {}

  static async start(cluster: GaleraCluster, env: Record<string, string> = {}): Promise<ClusterFleet> {
    const database = `payments_cluster_${process.pid}_${randomBytes(4).toString('hex')}`;
    const admin = await createConnection({ uri: cluster.nodes[0].url('mysql') });
    await admin.query(`CREATE DATABASE \`${database}\``);
    await admin.end();
    const apiKey = bootstrapApiKey();
    const slots: Slot[] = [];
    for (const node of cluster.nodes) {
      slots.push({
        port: await freePort(),
        env: { ...BASE_ENV, DATABASE_URL: node.url(database), BOOTSTRAP_API_KEY: apiKey, ...env },
      });
    }
    const started = await Promise.allSettled(slots.map((slot) => startServer(slot.env, { port: slot.port, timeoutMs: 120_000 })));
    started.forEach((result, i) => {
      if (result.status === 'fulfilled') slots[i].server = result.value;
    });
    const sql = await Promise.all(cluster.nodes.map((node) => createConnection({ uri: node.url(database) })));
    const fleet = new ClusterFleet(cluster, database, apiKey, slots, sql);
    const failed = started.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed.length) {
      await fleet.close();
      throw new Error(`${failed.length} of ${slots.length} app processes did not start:\n${failed.map((f) => String(f.reason)).join('\n')}`);
    }
    return fleet;
  }

  get size(): number {
    return this.slots.length;
  }

  at(slot: number): { url: string } {
    return { url: `http://127.0.0.1:${this.slots[slot].port}` };
  }

  async close(): Promise<void> {
    // CLUSTER_LOG_DIR=<dir> keeps what each app process printed, to read after a failed run.
    const logDir = process.env.CLUSTER_LOG_DIR;
    if (logDir) this.slots.forEach((slot, i) => writeFileSync(join(logDir, `app-${i + 1}.log`), slot.server?.output() ?? ''));
    await Promise.all(this.slots.map((slot) => slot.server?.kill()));
    await Promise.all(this.sql.map((c) => c.end().catch(() => undefined)));
    const admin = await createConnection({ uri: this.cluster.nodes[0].url('mysql') }).catch(() => undefined);
    await admin?.query(`DROP DATABASE IF EXISTS \`${this.database}\``);
    await admin?.end();
  }

  /**
   * What the app process in `slot` logged about one request (by its X-Request-Id): the error lines
   * that name the request, so that an unexpected 5xx in a failed run shows its cause.
   */
  logged(slot: number, requestId: string | null): string {
    if (!requestId) return '(no X-Request-Id)';
    const lines = (this.slots[slot].server?.output() ?? '').split('\n').filter((line) => line.includes(requestId));
    const messages = lines.map((line) => {
      try {
        return String((JSON.parse(line) as { msg?: unknown }).msg);
      } catch {
        return line;
      }
    });
    return messages.join(' | ') || '(nothing logged)';
  }

  /** Connection to node `index` (1-based), opened anew (the old one may have died with its node). */
  async reconnect(index: number): Promise<Connection> {
    await this.sql[index - 1].end().catch(() => undefined);
    this.sql[index - 1] = await createConnection({ uri: this.cluster.node(index).url(this.database) });
    return this.sql[index - 1];
  }
}

/**
 * Galera's own count of the transactions it rolled back on one node: `wsrep_local_cert_failures`
 * (failed certification at COMMIT) and `wsrep_local_bf_aborts` (aborted by a replicated write that
 * needed its locks). Each one is a transient error the app re-ran. Counted since the node started.
 */
export async function conflictCounters(sql: Connection): Promise<{ certFailures: number; bfAborts: number }> {
  const [rows] = await sql.query("SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_local_cert_failures', 'wsrep_local_bf_aborts')");
  const value = (name: string) => Number((rows as Array<{ Variable_name: string; Value: string }>).find((r) => r.Variable_name === name)?.Value ?? 0);
  return { certFailures: value('wsrep_local_cert_failures'), bfAborts: value('wsrep_local_bf_aborts') };
}

/**
 * A digest of every table's rows on one node, read after the node has applied everything the
 * cluster committed before the read (`wsrep_sync_wait`), so that three nodes can be compared.
 */
export async function tableDigests(sql: Connection, database: string): Promise<Record<string, string>> {
  await sql.query('SET SESSION wsrep_sync_wait = 1');
  const [tables] = await sql.query(
    `SELECT table_name AS name, GROUP_CONCAT(column_name ORDER BY ordinal_position) AS columns
       FROM information_schema.columns WHERE table_schema = ? GROUP BY table_name ORDER BY table_name`,
    [database],
  );
  const digests: Record<string, string> = {};
  for (const table of tables as Array<{ name: string; columns: string }>) {
    const columns = table.columns
      .split(',')
      .map((c) => `COALESCE(CAST(\`${c}\` AS CHAR), '<null>')`)
      .join(", '|', ");
    const [[row]] = (await sql.query(
      `SELECT COUNT(*) AS n, COALESCE(SUM(CRC32(CONCAT(${columns}))), 0) AS digest FROM \`${table.name}\``,
    )) as unknown as [[{ n: number | string; digest: number | string }]];
    digests[table.name] = `${row.n}:${row.digest}`;
  }
  await sql.query('SET SESSION wsrep_sync_wait = 0');
  return digests;
}
