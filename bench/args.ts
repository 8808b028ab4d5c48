import { loadavg } from 'node:os';
import { loadAppConfig } from '../src/config/app-config';

/** Command-line flags of `npm run bench`. */
export type DbKind = 'mysql' | 'sqlite';
export type ScenarioName = 'baseline' | 'first' | 'raw' | 'replay' | 'contended';
export const ALL_SCENARIOS: ScenarioName[] = ['baseline', 'first', 'raw', 'replay', 'contended'];
export type Adapter = 'express' | 'fastify';
/** How the servers (and the raw load) reach MySQL/MariaDB: TCP, or its Unix socket. */
export type Transport = 'tcp' | 'socket';
/** The adapter the application uses when HTTP_ADAPTER is not set. */
export const DEFAULT_ADAPTER: Adapter = loadAppConfig({}).httpAdapter;

export interface BenchArgs {
  db: DbKind;
  /** Measured seconds per scenario (a warm-up runs before each). */
  duration: number;
  warmup: number;
  /** Each connection count is measured in turn (baseline, first, raw and replay alternate at each). */
  connections: number[];
  /** First execution runs on a server per adapter; the first one listed serves every other scenario. */
  adapters: Adapter[];
  /** First execution and raw run over each; the first one listed serves every other scenario. */
  transports: Transport[];
  socketPath: string;
  /** The servers' DB pool size (`DB_POOL_SIZE`, default 10): the raw load uses the same. */
  dbPoolSize: number;
  /**
   * `--compare-build <dir>`: first execution also runs on the server built in another checkout
   * (`<dir>/dist/src/main.js`), e.g. the main branch, in the same rounds: a before/after in one run.
   */
  compareBuild?: string;
  /**
   * `--compare-node <path>`: first execution also runs on a server started by another Node binary
   * (this checkout's build), in the same rounds: e.g. Node 24 LTS beside the machine's Node.
   */
  compareNode?: string;
  /** `--soak`: only first execution, for `soakSeconds`, the server's RSS sampled throughout. */
  soak: boolean;
  soakSeconds: number;
  /** Baseline and first execution alternate this many times, each round `duration / rounds` seconds. */
  rounds: number;
  smoke: boolean;
  scenarios: ScenarioName[];
  /** When set, each server runs under `node --cpu-prof` and writes its profile (CPU.<date>.<pid>…) here. */
  cpuProfDir?: string;
  mysqlUrl: string;
  /** 1-minute load average when the run started (recorded with the results). */
  loadAverageAtStart: number;
}

const USAGE = `usage: npm run bench -- [--db mysql|sqlite] [--duration <s>] [--connections <n>[,<n>…]] [--rounds <n>] [--smoke]
       [--scenarios baseline,first,raw,replay,contended] [--adapters express,fastify] [--transports tcp,socket]
       [--socket-path <path>] [--compare-build <checkout dir>] [--compare-node <node binary>] [--soak [<s>]] [--cpu-prof <dir>]
  MySQL/MariaDB server: BENCH_MYSQL_URL (default mysql://root@127.0.0.1:3306); a fresh database is made and dropped.
  npm run bench -- --cluster [--duration <s>] [--connections <n>]: single server beside a 3-node Galera cluster.
  --connections 10,32,64 (the default) measures each count in turn; --soak runs first execution alone
  (default 300 s, at the first connection count) and reports the server's RSS over time.`;

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

function list<T extends string>(flag: string, raw: string | undefined, allowed: readonly T[]): T[] {
  const names = (raw ?? '').split(',').filter(Boolean);
  if (!names.length || names.some((name) => !allowed.includes(name as T))) fail(`${flag} takes a list of ${allowed.join(', ')}`);
  return [...new Set(names)] as T[];
}

function positive(flag: string, raw: string | undefined): number {
  const value = Number(raw);
  if (!raw || !Number.isFinite(value) || value <= 0) fail(`${flag} needs a positive number; got "${raw ?? ''}"`);
  return value;
}

export function parseArgs(argv: string[]): BenchArgs {
  const args: BenchArgs = {
    db: 'mysql',
    duration: 20,
    warmup: 5,
    connections: [10, 32, 64],
    adapters: [DEFAULT_ADAPTER],
    transports: ['tcp'],
    socketPath: process.env.BENCH_MYSQL_SOCKET ?? '/run/mysqld/mysqld.sock',
    dbPoolSize: Number(process.env.DB_POOL_SIZE ?? 10),
    soak: false,
    soakSeconds: 300,
    rounds: 4,
    smoke: false,
    scenarios: ALL_SCENARIOS,
    mysqlUrl: process.env.BENCH_MYSQL_URL ?? process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306',
    loadAverageAtStart: Math.round(loadavg()[0] * 100) / 100,
  };
  let durationGiven = false;
  let roundsGiven = false;
  let connectionsGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => argv[++i];
    switch (flag) {
      case '--db': {
        const db = value();
        if (db !== 'mysql' && db !== 'sqlite') fail(`--db must be mysql or sqlite; got "${db ?? ''}"`);
        args.db = db;
        break;
      }
      case '--duration':
        args.duration = positive(flag, value());
        durationGiven = true;
        break;
      case '--connections': {
        const raw = value();
        args.connections = (raw ?? '').split(',').map((n) => Math.round(positive(flag, n)));
        connectionsGiven = true;
        break;
      }
      case '--adapters':
        args.adapters = list(flag, value(), ['express', 'fastify'] as const);
        break;
      case '--transports':
        args.transports = list(flag, value(), ['tcp', 'socket'] as const);
        break;
      case '--compare-build':
        args.compareBuild = value() ?? fail('--compare-build needs the directory of a built checkout');
        break;
      case '--compare-node':
        args.compareNode = value() ?? fail('--compare-node needs the path of a node binary');
        break;
      case '--socket-path':
        args.socketPath = value() ?? fail('--socket-path needs the path of the MySQL server socket');
        break;
      case '--soak':
        args.soak = true;
        if (/^\d+$/.test(argv[i + 1] ?? '')) args.soakSeconds = positive(flag, value());
        break;
      case '--rounds':
        args.rounds = Math.round(positive(flag, value()));
        roundsGiven = true;
        break;
      case '--smoke':
        args.smoke = true;
        break;
      case '--scenarios': {
        const names = list(flag, value(), ALL_SCENARIOS);
        args.scenarios = ALL_SCENARIOS.filter((name) => names.includes(name));
        break;
      }
      case '--cpu-prof':
        args.cpuProfDir = value() ?? fail('--cpu-prof needs a directory');
        break;
      case '--help':
      case '-h':
        console.log(USAGE);
        process.exit(0);
      // falls through: never reached, process.exit() does not return
      default:
        fail(`unknown flag "${flag}"`);
    }
  }
  if (args.smoke && !durationGiven) args.duration = 3;
  if (args.smoke && !roundsGiven) args.rounds = 1;
  if (args.smoke && !connectionsGiven) args.connections = [10];
  if (args.soak && !connectionsGiven) args.connections = [32];
  if (args.db === 'sqlite' && args.transports.includes('socket')) fail('--transports socket needs --db mysql');
  args.warmup = args.smoke ? 1 : Math.min(5, Math.max(1, Math.round(args.duration / 4)));
  return args;
}
