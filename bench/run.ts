/**
 * `npm run bench`: what exactly-once costs on POST /v1/transfers, measured against the built server
 * and against the SQL it sends, in one run.
 *
 * Server processes side by side, each on a freshly created database of the chosen kind, with
 * production settings (auth, validation, request logs at `info`, metrics):
 * - IDEMPOTENCY_ENABLED=false: the baseline;
 * - idempotency on: first execution (fresh keys), replay (a pool of completed keys), contended
 *   (16 connections on 4 hot keys at a time); one such server per `--adapters` × `--transports`
 *   variant, for first execution (the first variant serves every other scenario).
 * - raw: no server. The statements one first execution sends, captured from the idempotent server
 *   (bench/raw.ts), replayed with fresh values through plain mysql2 with the server's pool size and
 *   the same number of connections: the ceiling the API is measured against.
 * Baseline, first execution, raw and replay, at every connection count, run in alternating rounds
 * (their ratios, and how they change with connections, are what matter and the easiest to skew);
 * contended follows. Only one load runs at a time: an idle server costs nothing.
 * Prints a Markdown table and writes bench/results/<YYYY-MM-DD>.json and its .svg chart (not with --smoke). Exits
 * non-zero only on errors (unexpected non-2xx answers, connection or SQL errors), never on speed.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Adapter, BenchArgs, parseArgs, ScenarioName, Transport } from './args';
import { runClusterBench } from './cluster';
import { BenchDatabase, createDatabase, databaseVersion, withSocket } from './database';
import { Api, CompletedKey, completeReplayPool, prepareAccounts } from './fixtures';
import { writeChart } from './chart';
import { machineInfo, markdownTable, soakReport, writeResults } from './report';
import { errorCount, measureRound, Round, runScenario, ScenarioInfo, ScenarioResult, summarize, warmUp } from './measure';
import { captureFirstExecution, RawLoad, RawWorkload } from './raw';
import { findDatabasePid, ResourceSampler } from './resources';
import { baselineScenario, contendedScenario, firstExecutionScenario, replayScenario } from './scenarios';
import { BenchServer, startServer } from './server';
import { soak } from './soak';

const started = Date.now();
const log = (line: string) => console.log(`[bench +${String(Math.round((Date.now() - started) / 1000)).padStart(3)} s] ${line}`);
const cleanups: Array<() => Promise<void>> = [];
/** The last output of each server, printed when the run fails. */
const failureOutput: Array<() => string> = [];

async function cleanUp(): Promise<void> {
  while (cleanups.length) await cleanups.pop()!().catch((error) => console.error(`clean-up: ${(error as Error).message}`));
}

/** The version of another Node binary (`--compare-node`); a path that is not one fails the run here. */
function nodeVersion(path: string): string {
  return execFileSync(path, ['--version'], { encoding: 'utf8' }).trim();
}


interface Variant {
  adapter: Adapter;
  transport: Transport;
  /** Another checkout's built server (`--compare-build`), instead of this one. */
  build?: string;
  /** Another Node binary (`--compare-node`) and its version. */
  node?: { path: string; version: string };
}

interface OpenServer {
  api: Api;
  sampler: ResourceSampler;
  accounts: string[];
  db: BenchDatabase;
  variant: Variant;
  /** Starts one more server process like this one, on its database (stopped by the caller). */
  twin(): Promise<BenchServer>;
}

/** A server process on a fresh database of its own, with accounts opened and funded; both are removed at the end. */
async function openServer(args: BenchArgs, label: string, variant: Variant, env: Record<string, string>): Promise<OpenServer> {
  const db = await createDatabase(args.db, args.mysqlUrl, label.replace(/\W+/g, '_'));
  cleanups.push(() => db.drop());
  const apiKey = `sk_bench_${randomBytes(16).toString('hex')}`;
  const databaseUrl = variant.transport === 'socket' ? withSocket(db.url, args.socketPath) : db.url;
  log(`${label} server: starting (${variant.adapter}, ${variant.transport}) on a fresh ${args.db === 'mysql' ? `database ${db.name}` : 'SQLite file'}`);
  const serverEnv = { DATABASE_URL: databaseUrl, BOOTSTRAP_API_KEY: apiKey, HTTP_ADAPTER: variant.adapter, DB_POOL_SIZE: String(args.dbPoolSize), ...env };
  const main = variant.build ? join(variant.build, 'dist', 'src', 'main.js') : undefined;
  const node = variant.node?.path;
  const server: BenchServer = await startServer(serverEnv, { cpuProfDir: args.cpuProfDir, main, node });
  cleanups.push(async () => {
    log(`${label} server: stopping${args.cpuProfDir ? ` (CPU profile into ${args.cpuProfDir})` : ''}`);
    await server.stop();
  });
  failureOutput.push(() => `${label} server output (last 2000 characters):\n${server.output().slice(-2000)}`);
  const api = { url: server.url, apiKey };
  log(`${label} server: opening and funding accounts`);
  const twin = () => startServer(serverEnv, { main, node });
  return { api, sampler: new ResourceSampler(server.pid, databasePid(args)), accounts: await prepareAccounts(api), db, variant, twin };
}

function databasePid(args: BenchArgs): number | undefined {
  if (args.db !== 'mysql') return undefined;
  const url = new URL(args.mysqlUrl);
  return ['127.0.0.1', 'localhost'].includes(url.hostname) ? findDatabasePid(Number(url.port || 3306)) : undefined;
}

/** One load of the alternating rounds: an HTTP scenario against a server, or the raw SQL. */
interface Lane {
  info: ScenarioInfo;
  warmUp(seconds: number): Promise<void>;
  measure(seconds: number): Promise<Round>;
}

function httpLane(server: OpenServer, scenario: ReturnType<typeof baselineScenario>, variantTitle: string): Lane {
  const info: ScenarioInfo = {
    ...scenario,
    title: scenario.title + variantTitle,
    adapter: server.variant.adapter,
    transport: server.variant.transport,
    build: server.variant.build,
    node: server.variant.node?.version,
  };
  return {
    info,
    warmUp: (seconds) => warmUp(server.api, scenario, seconds, log),
    measure: (seconds) => measureRound(server.api, scenario, seconds, server.sampler, log),
  };
}

function rawLane(load: RawLoad, connections: number, transport: Transport, dbPid: number | undefined, variantTitle: string): Lane {
  const sampler = new ResourceSampler(process.pid, dbPid);
  const info: ScenarioInfo = {
    name: 'raw',
    title: `raw SQL of a first execution (plain mysql2)${variantTitle}`,
    connections,
    expected: [],
    transport,
  };
  return {
    info,
    warmUp: async (seconds) => {
      log(`raw: warm-up ${seconds} s, ${connections} connections`);
      await load.run(seconds, connections, new ResourceSampler(process.pid, dbPid));
    },
    measure: async (seconds) => {
      log(`raw: ${seconds} s, ${connections} connections`);
      return load.run(seconds, connections, sampler);
    },
  };
}

/**
 * The lanes (every scenario at every connection count) take turns, round after round, so that a
 * change during the run falls on all of them alike instead of on whichever ran last: the machine's
 * speed (other tenants, CPU frequency), and the tables, which grow by every first execution and raw
 * request (a later lane writes into bigger indexes and a fuller buffer pool). Every other round runs
 * them in reverse order, so no lane is always early in its round.
 */
async function interleaved(args: BenchArgs, lanes: Lane[]): Promise<ScenarioResult[]> {
  const name = (lane: Lane) => `${lane.info.name}@${lane.info.connections}`;
  for (const lane of lanes) await lane.warmUp(args.warmup);
  const seconds = args.duration / args.rounds;
  const rounds: Round[][] = lanes.map(() => []);
  for (let round = 1; round <= args.rounds; round++) {
    const order = [...lanes.keys()];
    if (round % 2 === 0) order.reverse();
    log(`round ${round}/${args.rounds}: ${order.map((i) => name(lanes[i])).join(', ')}, ${seconds} s each`);
    for (const i of order) rounds[i].push(await lanes[i].measure(seconds));
    const rps = (i: number) => rounds[i][rounds[i].length - 1].latencies.length / rounds[i][rounds[i].length - 1].seconds;
    log(`round ${round}/${args.rounds}: ${order.map((i) => `${name(lanes[i])} ${rps(i).toFixed(0)}`).join(', ')} req/s`);
  }
  return lanes.map((lane, i) => summarize(lane.info, rounds[i]));
}

async function main(): Promise<void> {
  if (process.argv.includes('--cluster')) return runClusterBench(process.argv.slice(2).filter((arg) => arg !== '--cluster'));
  const args = parseArgs(process.argv.slice(2));
  const startedAt = new Date();
  const machine = machineInfo(await databaseVersion(args.db, args.mysqlUrl));
  log(`${machine.database}, Node ${machine.node}, ${machine.cpuModel} × ${machine.cores}; ` +
    (args.soak
      ? `soak: first execution for ${args.soakSeconds} s at ${args.connections[0]} connections`
      : `${args.duration} s per scenario in ${args.rounds} round(s) (+${args.warmup} s warm-up), ${args.connections.join(', ')} connections`) +
    `; adapters ${args.adapters.join(', ')}; database over ${args.transports.join(', ')}${args.smoke ? ', smoke' : ''}`);
  if (args.loadAverageAtStart > 1) log(`note: 1-min load average is ${args.loadAverageAtStart} before the run; other work on this machine makes numbers noisy`);
  const wants = (name: ScenarioName) => args.scenarios.includes(name);
  const results: ScenarioResult[] = [];
  const record = (result: ScenarioResult) => {
    results.push(result);
    const errors = errorCount(result);
    log(`${result.title} @${result.connections}: ${result.rps} req/s, p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms, ` +
      `${result.requests} requests, ${result.replayed} replayed, ${errors} errors, peak RSS ${result.peakRssMb} MB`);
    if (result.othersBusyPct >= 10) log(`${result.name}: other processes used ${result.othersBusyPct} % of the machine: ${result.topOthers.join(', ')}`);
    for (const sample of result.unexpectedSamples) log(`${result.name}: unexpected answer: ${sample}`);
  };
  const variants: Variant[] = args.adapters.flatMap((adapter) => args.transports.map((transport) => ({ adapter, transport })));
  const primary = variants[0];
  if (args.compareBuild) variants.push({ ...primary, build: args.compareBuild });
  if (args.compareNode) variants.push({ ...primary, node: { path: args.compareNode, version: nodeVersion(args.compareNode) } });
  const several = variants.length > 1;
  const variantTitle = (v: Variant) =>
    v.build ? ` [build of ${v.build}]` : v.node ? ` [Node ${v.node.version}]` : several ? ` [${v.adapter}, ${v.transport}]` : '';
  let soakResult: Awaited<ReturnType<typeof soak>> | undefined;

  try {
    if (args.soak) {
      const server = await openServer(args, 'soak', primary, { IDEMPOTENCY_ENABLED: 'true' });
      soakResult = await soak(server.api, firstExecutionScenario(server.accounts, args.connections[0]), server.sampler, args.soakSeconds, log);
    } else {
      const baseline = wants('baseline') ? await openServer(args, 'baseline', primary, { IDEMPOTENCY_ENABLED: 'false' }) : undefined;
      const needsIdempotent = wants('first') || wants('raw') || wants('replay') || wants('contended');
      const idempotent: OpenServer[] = [];
      for (const [i, variant] of (wants('first') ? variants : [primary]).entries()) {
        if (!needsIdempotent) break;
        const label =
          i === 0 ? 'idempotent' : variant.build ? 'idempotent_compared' : variant.node ? 'idempotent_node' : `idempotent_${variant.adapter}_${variant.transport}`;
        idempotent.push(await openServer(args, label, variant, { IDEMPOTENCY_ENABLED: 'true' }));
      }
      const main = idempotent[0];
      let workload: RawWorkload | undefined;
      const rawLoads = new Map<Transport, RawLoad>();
      if (main && wants('raw')) {
        if (args.db !== 'mysql') log('raw: MySQL/MariaDB only (it replays statements from its general log); left out on SQLite');
        else {
          log('raw: capturing the statements of two first executions from the general log');
          workload = await captureFirstExecution(args.mysqlUrl, main.db.name!, main.api.apiKey, main.accounts, main.twin);
          log(`raw: ${workload.base.statements.length} statements per request:\n${workload.base.statements.map((s, i) => `    ${i + 1}. ${s.prepared ? '(prepared) ' : ''}${s.template.replace(/\s+/g, ' ').slice(0, 140)}`).join('\n')}`);
          for (const transport of args.transports) {
            const load = RawLoad.open(main.db.url, args.dbPoolSize, workload, main.accounts, transport === 'socket' ? args.socketPath : undefined);
            cleanups.push(() => load.close());
            rawLoads.set(transport, load);
          }
        }
      }
      let pool: CompletedKey[] | undefined;
      if (main && wants('replay')) {
        const size = args.smoke ? 100 : 500;
        log(`replay: completing a pool of ${size} keys`);
        pool = await completeReplayPool(main.api, main.accounts, size);
      }
      const lanes: Lane[] = [];
      for (const connections of args.connections) {
        if (baseline) lanes.push(httpLane(baseline, baselineScenario(baseline.accounts, connections), variantTitle(primary)));
        if (wants('first')) {
          for (const server of idempotent) lanes.push(httpLane(server, firstExecutionScenario(server.accounts, connections), variantTitle(server.variant)));
        }
        for (const [transport, load] of rawLoads) {
          lanes.push(rawLane(load, connections, transport, databasePid(args), args.transports.length > 1 ? ` [${transport}]` : ''));
        }
        if (pool) lanes.push(httpLane(main, replayScenario(pool, connections), variantTitle(primary)));
      }
      if (lanes.length) (await interleaved(args, lanes)).forEach(record);
      if (main && wants('contended')) {
        const scenario = contendedScenario(main.accounts);
        const result = await runScenario(main.api, scenario, { seconds: args.duration, warmup: args.warmup }, main.sampler, log);
        record({ ...result, adapter: main.variant.adapter, transport: main.variant.transport });
      }
    }
  } catch (error) {
    for (const output of failureOutput) console.error(output());
    throw error;
  } finally {
    await cleanUp();
  }

  if (soakResult) console.log(`\n${soakReport(soakResult, machine, args)}\n`);
  else console.log(`\n${markdownTable(results, machine, args)}\n`);
  if (!args.smoke) {
    const file = writeResults(args, machine, results, startedAt, soakResult);
    log(`results written to ${file}, chart to ${writeChart(file)}`);
  }
  const errors = results.reduce((sum, result) => sum + errorCount(result), 0) + (soakResult?.errors ?? 0);
  if (errors > 0) {
    console.error(`bench: ${errors} errors (unexpected non-2xx answers, connection or SQL errors); see the table`);
    process.exitCode = 1;
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`bench: ${signal}, cleaning up`);
    void cleanUp().finally(() => process.exit(130));
  });
}

main().catch(async (error) => {
  console.error(`bench failed: ${(error as Error).stack ?? String(error)}`);
  await cleanUp();
  process.exit(1);
});
