import { loadavg } from 'node:os';

/** Command-line flags of `npm run bench`. */
export type DbKind = 'mysql' | 'sqlite';
export type ScenarioName = 'baseline' | 'first' | 'replay' | 'contended';
export const ALL_SCENARIOS: ScenarioName[] = ['baseline', 'first', 'replay', 'contended'];

export interface BenchArgs {
  db: DbKind;
  /** Measured seconds per scenario (a warm-up runs before each). */
  duration: number;
  warmup: number;
  connections: number;
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

const USAGE = `usage: npm run bench -- [--db mysql|sqlite] [--duration <s>] [--connections <n>] [--rounds <n>] [--smoke]
       [--scenarios baseline,first,replay,contended] [--cpu-prof <dir>]
       npm run bench -- --cluster [--duration <s>] [--connections <n>]   (single server beside a 3-node Galera cluster)
  MySQL/MariaDB server: BENCH_MYSQL_URL (default mysql://root@127.0.0.1:3306); a fresh database is made and dropped.`;

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
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
    connections: 10,
    rounds: 4,
    smoke: false,
    scenarios: ALL_SCENARIOS,
    mysqlUrl: process.env.BENCH_MYSQL_URL ?? process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306',
    loadAverageAtStart: Math.round(loadavg()[0] * 100) / 100,
  };
  let durationGiven = false;
  let roundsGiven = false;
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
      case '--connections':
        args.connections = Math.round(positive(flag, value()));
        break;
      case '--rounds':
        args.rounds = Math.round(positive(flag, value()));
        roundsGiven = true;
        break;
      case '--smoke':
        args.smoke = true;
        break;
      case '--scenarios': {
        const names = (value() ?? '').split(',').filter(Boolean);
        const unknown = names.filter((name) => !ALL_SCENARIOS.includes(name as ScenarioName));
        if (!names.length || unknown.length) fail(`--scenarios takes a list of ${ALL_SCENARIOS.join(', ')}`);
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
  args.warmup = args.smoke ? 1 : Math.min(5, Math.max(1, Math.round(args.duration / 4)));
  return args;
}
