import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createConnection } from 'mysql2/promise';

const run = promisify(execFile);

/**
 * A 3-node MariaDB Galera cluster on this machine, for tests and benchmarks: three `mariadbd`
 * processes from Debian's `mariadb-server` + `galera-4`, each with its own data directory under one
 * folder, SQL ports 3307–3309 and Galera ports 4567/4577/4587 (+1 IST, +2 SST). Node 1 bootstraps;
 * the others join one at a time, because an rsync SST desyncs its donor while it runs.
 */
export const NODE_COUNT = 3;
const FIRST_SQL_PORT = 3307;
const FIRST_GALERA_PORT = 4567;
const GALERA_PORT_STEP = 10;
const PROVIDER = '/usr/lib/galera/libgalera_smm.so';

export interface GaleraNode {
  index: number;
  sqlPort: number;
  galeraPort: number;
  dir: string;
  url(database?: string): string;
}

export interface NodeStatus {
  running: boolean;
  ready: boolean;
  clusterSize: number;
  state: string;
  clusterStatus: string;
}

export class GaleraCluster {
  readonly nodes: GaleraNode[];

  constructor(
    readonly baseDir = process.env.CLUSTER_DIR ?? join(tmpdir(), 'payments-galera'),
    private readonly log: (line: string) => void = (line) => console.log(line),
  ) {
    this.nodes = Array.from({ length: NODE_COUNT }, (_, i) => {
      const sqlPort = FIRST_SQL_PORT + i;
      return {
        index: i + 1,
        sqlPort,
        galeraPort: FIRST_GALERA_PORT + i * GALERA_PORT_STEP,
        dir: join(this.baseDir, `node${i + 1}`),
        url: (database = 'test') => `mysql://root@127.0.0.1:${sqlPort}/${database}`,
      };
    });
  }

  /**
   * Brings all three nodes up and waits until each is `Synced` in a cluster of three. Harmless when
   * the cluster already runs: running nodes are left alone, missing ones join. When no node runs,
   * the cluster is made afresh (a test cluster holds nothing worth keeping).
   */
  async up(): Promise<void> {
    await this.checkInstalled();
    const running = await Promise.all(this.nodes.map((node) => this.isRunning(node)));
    if (!running.some(Boolean)) {
      rmSync(this.baseDir, { recursive: true, force: true });
      mkdirSync(this.baseDir, { recursive: true });
      chmodSync(this.baseDir, 0o755);
      await this.chownToMysql(this.baseDir);
    }
    for (const [i, node] of this.nodes.entries()) {
      if (running[i]) {
        this.log(`node ${node.index}: already running on port ${node.sqlPort}`);
        continue;
      }
      const bootstrap = !running.some(Boolean) && i === 0;
      await this.startNode(node, { bootstrap });
      running[i] = true;
    }
    await this.waitForCluster(NODE_COUNT);
    this.log(`cluster up: ${this.nodes.map((n) => `127.0.0.1:${n.sqlPort}`).join(', ')} (Synced, size ${NODE_COUNT})`);
  }

  /** Stops every node (SIGTERM, then SIGKILL after a grace period) and removes the data. */
  async down(): Promise<void> {
    await Promise.all(this.nodes.map((node) => this.stopNode(node)));
    rmSync(this.baseDir, { recursive: true, force: true });
    this.log('cluster down: no node running, data removed');
  }

  /** Kills one node the hard way, as a crash or a power cut would. */
  async kill(index: number): Promise<void> {
    const node = this.node(index);
    const pid = this.pid(node);
    if (pid) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
      await waitFor(() => !isAlive(pid), 15_000, `node ${index} to die`);
    }
    this.log(`node ${index}: killed`);
  }

  /**
   * Starts a stopped or killed node so that it rejoins. After a SIGKILL the node's last committed
   * position is first recovered from InnoDB (`--wsrep-recover`) and handed to the restart, so the
   * node asks for an incremental transfer (IST) from a donor's gcache instead of a full copy.
   */
  async restart(index: number): Promise<void> {
    const node = this.node(index);
    if (await this.isRunning(node)) return;
    await this.startNode(node, { bootstrap: false, recover: true });
    await this.waitForCluster(NODE_COUNT);
  }

  async status(node: GaleraNode): Promise<NodeStatus> {
    if (!(await this.isRunning(node))) return { running: false, ready: false, clusterSize: 0, state: 'down', clusterStatus: 'down' };
    try {
      const connection = await createConnection({ host: '127.0.0.1', port: node.sqlPort, user: 'root', connectTimeout: 2_000 });
      try {
        const [rows] = await connection.query(
          "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_ready','wsrep_cluster_size','wsrep_local_state_comment','wsrep_cluster_status')",
        );
        const status = Object.fromEntries((rows as Array<{ Variable_name: string; Value: string }>).map((r) => [r.Variable_name, r.Value]));
        return {
          running: true,
          ready: status.wsrep_ready === 'ON',
          clusterSize: Number(status.wsrep_cluster_size ?? 0),
          state: status.wsrep_local_state_comment ?? 'unknown',
          clusterStatus: status.wsrep_cluster_status ?? 'unknown',
        };
      } finally {
        await connection.end();
      }
    } catch {
      return { running: true, ready: false, clusterSize: 0, state: 'starting', clusterStatus: 'unknown' };
    }
  }

  node(index: number): GaleraNode {
    const node = this.nodes[index - 1];
    if (!node) throw new Error(`no node ${index}; nodes are 1 to ${NODE_COUNT}`);
    return node;
  }

  private async startNode(node: GaleraNode, mode: { bootstrap: boolean; recover?: boolean }): Promise<void> {
    const dataDir = join(node.dir, 'data');
    if (!existsSync(join(dataDir, 'mysql'))) {
      mkdirSync(node.dir, { recursive: true });
      await this.chownToMysql(node.dir);
      this.log(`node ${node.index}: initializing ${dataDir}`);
      // --no-defaults: otherwise the standalone server's /etc/mysql/my.cnf (its datadir, port and
      // socket) is read too.
      await run('mariadb-install-db', [
        '--no-defaults',
        `--datadir=${dataDir}`,
        '--user=mysql',
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
      ]);
    }
    writeFileSync(this.configFile(node), this.config(node));
    const args = [`--defaults-file=${this.configFile(node)}`];
    if (mode.bootstrap) args.push('--wsrep-new-cluster');
    if (mode.recover) {
      const position = await this.recoverPosition(node);
      if (position) args.push(`--wsrep-start-position=${position}`);
    }
    this.log(`node ${node.index}: starting on port ${node.sqlPort}${mode.bootstrap ? ' (bootstrapping the cluster)' : ' (joining)'}`);
    const child = spawn('/usr/sbin/mariadbd', args, { detached: true, stdio: 'ignore' });
    child.unref();
    await waitFor(
      async () => (await this.status(node)).state === 'Synced',
      180_000,
      `node ${node.index} to be Synced`,
      () => this.tail(node),
    );
    this.log(`node ${node.index}: Synced`);
  }

  /** The position of the last transaction this node committed, read from InnoDB after a crash. */
  private async recoverPosition(node: GaleraNode): Promise<string | undefined> {
    const logFile = join(node.dir, 'recover.log');
    rmSync(logFile, { force: true });
    await run('/usr/sbin/mariadbd', [`--defaults-file=${this.configFile(node)}`, '--wsrep-recover', `--log-error=${logFile}`]).catch(() => undefined);
    const text = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
    return /WSREP: Recovered position:\s*(\S+)/.exec(text)?.[1];
  }

  private async stopNode(node: GaleraNode): Promise<void> {
    const pid = this.pid(node);
    if (!pid || !isAlive(pid)) return;
    process.kill(pid, 'SIGTERM');
    try {
      await waitFor(() => !isAlive(pid), 30_000, `node ${node.index} to stop`);
    } catch {
      process.kill(pid, 'SIGKILL');
      await waitFor(() => !isAlive(pid), 10_000, `node ${node.index} to die`);
    }
    this.log(`node ${node.index}: stopped`);
  }

  private async waitForCluster(size: number): Promise<void> {
    await waitFor(
      async () => {
        const statuses = await Promise.all(this.nodes.map((node) => this.status(node)));
        return statuses.every((s) => s.state === 'Synced' && s.clusterSize === size);
      },
      120_000,
      `all ${size} nodes to be Synced in one cluster`,
    );
  }

  private async isRunning(node: GaleraNode): Promise<boolean> {
    const pid = this.pid(node);
    return pid !== undefined && isAlive(pid);
  }

  private pid(node: GaleraNode): number | undefined {
    const file = join(node.dir, 'mysqld.pid');
    if (!existsSync(file)) return undefined;
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  }

  private configFile(node: GaleraNode): string {
    return join(node.dir, 'my.cnf');
  }

  private config(node: GaleraNode): string {
    const peers = this.nodes.map((n) => `127.0.0.1:${n.galeraPort}`).join(',');
    const g = node.galeraPort;
    // On one IP every node needs its own IST and SST receive addresses. The evs timeouts are short
    // so a killed node is evicted in seconds instead of stalling the others for the default ~15 s.
    const provider = [
      `gmcast.listen_addr=tcp://127.0.0.1:${g}`,
      `ist.recv_addr=127.0.0.1:${g + 1}`,
      'gcache.size=64M',
      'evs.suspect_timeout=PT3S',
      'evs.inactive_timeout=PT5S',
      'evs.inactive_check_period=PT1S',
      'evs.keepalive_period=PT1S',
      'pc.wait_prim_timeout=PT30S',
    ].join(';');
    return `[mysqld]
user = mysql
datadir = ${join(node.dir, 'data')}
socket = ${join(node.dir, 'mysqld.sock')}
pid-file = ${join(node.dir, 'mysqld.pid')}
log-error = ${join(node.dir, 'error.log')}
port = ${node.sqlPort}
bind-address = 127.0.0.1
character-set-server = utf8mb4
collation-server = utf8mb4_general_ci
max_connections = 500
performance_schema = OFF
innodb_buffer_pool_size = 64M
innodb_log_file_size = 32M
innodb_flush_log_at_trx_commit = 2
binlog_format = ROW
default_storage_engine = InnoDB
innodb_autoinc_lock_mode = 2
wsrep_on = ON
wsrep_provider = ${PROVIDER}
wsrep_cluster_name = payments_test_cluster
wsrep_cluster_address = gcomm://${peers}
wsrep_node_name = node${node.index}
wsrep_node_address = 127.0.0.1:${g}
wsrep_provider_options = "${provider}"
wsrep_sst_method = rsync
wsrep_sst_receive_address = 127.0.0.1:${g + 2}
wsrep_slave_threads = 2
`;
  }

  private tail(node: GaleraNode): string {
    const file = join(node.dir, 'error.log');
    return existsSync(file) ? readFileSync(file, 'utf8').split('\n').slice(-15).join('\n') : '(no error log)';
  }

  private async chownToMysql(path: string): Promise<void> {
    await run('chown', ['-R', 'mysql:mysql', path]);
  }

  private async checkInstalled(): Promise<void> {
    const missing = ['/usr/sbin/mariadbd', PROVIDER, '/usr/bin/rsync', '/usr/bin/wsrep_sst_rsync'].filter((f) => !existsSync(f));
    if (missing.length) {
      throw new Error(`missing ${missing.join(', ')}: apt-get install mariadb-server galera-4 rsync socat`);
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string, detail?: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${detail ? `\n${detail()}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function main(): Promise<void> {
  const [command, arg] = process.argv.slice(2);
  const cluster = new GaleraCluster();
  switch (command) {
    case 'up':
      return cluster.up();
    case 'down':
      return cluster.down();
    case 'kill':
      return cluster.kill(Number(arg));
    case 'restart':
      return cluster.restart(Number(arg));
    case 'status':
      for (const node of cluster.nodes) {
        const s = await cluster.status(node);
        console.log(`node ${node.index} 127.0.0.1:${node.sqlPort}: ${s.running ? `${s.state}, ${s.clusterStatus}, size ${s.clusterSize}` : 'down'}`);
      }
      return;
    default:
      console.error('usage: npm run cluster:up | cluster:down | cluster:status (scripts/galera-cluster: up|down|status|kill N|restart N)');
      process.exitCode = 2;
  }
}

if (require.main === module) {
  main().catch((error: Error) => {
    console.error(error.message);
    process.exitCode = 1;
  });
}
