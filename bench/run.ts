/**
 * `npm run bench`: what exactly-once costs on POST /v1/transfers, measured against the built server.
 *
 * Two server processes side by side, each on a freshly created database of the chosen kind:
 * - IDEMPOTENCY_ENABLED=false: the baseline;
 * - idempotency on: first execution (fresh keys), replay (a pool of completed keys), contended
 *   (16 connections on 4 hot keys at a time).
 * Baseline and first execution run in alternating rounds (their ratio is the one that matters and
 * the easiest to skew); replay and contended follow on the idempotent server. Only one load runs at
 * a time: the idle server costs nothing.
 * Prints a Markdown table and writes bench/results/<YYYY-MM-DD>.json and its .svg chart (not with --smoke). Exits
 * non-zero only on errors (unexpected non-2xx answers, connection errors), never on speed.
 */
import { randomBytes } from 'node:crypto';
import { BenchArgs, parseArgs, ScenarioName } from './args';
import { runClusterBench } from './cluster';
import { createDatabase, databaseVersion } from './database';
import { Api, completeReplayPool, prepareAccounts } from './fixtures';
import { writeChart } from './chart';
import { machineInfo, markdownTable, writeResults } from './report';
import { errorCount, measureRound, Round, runScenario, ScenarioResult, summarize, warmUp } from './measure';
import { findDatabasePid, ResourceSampler } from './resources';
import { baselineScenario, contendedScenario, firstExecutionScenario, replayScenario, Scenario } from './scenarios';
import { BenchServer, startServer } from './server';

const started = Date.now();
const log = (line: string) => console.log(`[bench +${String(Math.round((Date.now() - started) / 1000)).padStart(3)} s] ${line}`);
const cleanups: Array<() => Promise<void>> = [];
/** The last output of each server, printed when the run fails. */
const failureOutput: Array<() => string> = [];

async function cleanUp(): Promise<void> {
  while (cleanups.length) await cleanups.pop()!().catch((error) => console.error(`clean-up: ${(error as Error).message}`));
}

interface OpenServer {
  api: Api;
  sampler: ResourceSampler;
  accounts: string[];
}

/** A server process on a fresh database of its own, with accounts opened and funded; both are removed at the end. */
async function openServer(args: BenchArgs, label: string, env: Record<string, string>): Promise<OpenServer> {
  const db = await createDatabase(args.db, args.mysqlUrl, label);
  cleanups.push(() => db.drop());
  const apiKey = `sk_bench_${randomBytes(16).toString('hex')}`;
  log(`${label} server: starting on a fresh ${args.db === 'mysql' ? `database ${db.name}` : 'SQLite file'}`);
  const server: BenchServer = await startServer(
    { DATABASE_URL: db.url, BOOTSTRAP_API_KEY: apiKey, LOG_LEVEL: 'warn', ...env },
    { cpuProfDir: args.cpuProfDir },
  );
  cleanups.push(async () => {
    log(`${label} server: stopping${args.cpuProfDir ? ` (CPU profile into ${args.cpuProfDir})` : ''}`);
    await server.stop();
  });
  failureOutput.push(() => `${label} server output (last 2000 characters):\n${server.output().slice(-2000)}`);
  const dbPid = args.db === 'mysql' && /@(127\.0\.0\.1|localhost)[:/]/.test(args.mysqlUrl) ? findDatabasePid() : undefined;
  const api = { url: server.url, apiKey };
  log(`${label} server: opening and funding accounts`);
  return { api, sampler: new ResourceSampler(server.pid, dbPid), accounts: await prepareAccounts(api) };
}

/**
 * Baseline and first execution take turns, round after round, each on its own server, so that a
 * change in the machine's speed during the run (other tenants, CPU frequency) falls on both alike
 * instead of on whichever ran second.
 */
async function interleaved(
  args: BenchArgs,
  pairs: Array<{ server: OpenServer; scenario: Scenario }>,
): Promise<ScenarioResult[]> {
  for (const { server, scenario } of pairs) await warmUp(server.api, scenario, args.warmup, log);
  const seconds = args.duration / args.rounds;
  const rounds: Round[][] = pairs.map(() => []);
  for (let round = 1; round <= args.rounds; round++) {
    log(`round ${round}/${args.rounds}: ${pairs.map((p) => p.scenario.name).join(', ')}, ${seconds} s each`);
    for (const [i, { server, scenario }] of pairs.entries()) {
      rounds[i].push(await measureRound(server.api, scenario, seconds, server.sampler, log));
    }
    if (pairs.length === 2) {
      const [a, b] = rounds.map((r) => r[r.length - 1].latencies.length / r[r.length - 1].seconds);
      log(`round ${round}/${args.rounds}: ${pairs[1].scenario.name} / ${pairs[0].scenario.name} = ${(b / a).toFixed(2)}`);
    }
  }
  return pairs.map(({ scenario }, i) => summarize(scenario, rounds[i]));
}

async function main(): Promise<void> {
  if (process.argv.includes('--cluster')) return runClusterBench(process.argv.slice(2).filter((arg) => arg !== '--cluster'));
  const args = parseArgs(process.argv.slice(2));
  const startedAt = new Date();
  const machine = machineInfo(await databaseVersion(args.db, args.mysqlUrl));
  log(`${machine.database}, Node ${machine.node}, ${machine.cpuModel} × ${machine.cores}; ` +
    `${args.duration} s per scenario in ${args.rounds} round(s) (+${args.warmup} s warm-up), ${args.connections} connections${args.smoke ? ', smoke' : ''}`);
  if (args.loadAverageAtStart > 1) log(`note: 1-min load average is ${args.loadAverageAtStart} before the run; other work on this machine makes numbers noisy`);
  const timing = { seconds: args.duration, warmup: args.warmup };
  const wants = (name: ScenarioName) => args.scenarios.includes(name);
  const results: ScenarioResult[] = [];
  const record = (result: ScenarioResult) => {
    results.push(result);
    const errors = errorCount(result);
    log(`${result.name}: ${result.rps} req/s, p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms, ` +
      `${result.requests} requests, ${result.replayed} replayed, ${errors} errors, peak RSS ${result.peakRssMb} MB`);
    if (result.othersBusyPct >= 10) log(`${result.name}: other processes used ${result.othersBusyPct} % of the machine: ${result.topOthers.join(', ')}`);
    for (const sample of result.unexpectedSamples) log(`${result.name}: unexpected answer: ${sample}`);
  };

  try {
    const baseline = wants('baseline') ? await openServer(args, 'baseline', { IDEMPOTENCY_ENABLED: 'false' }) : undefined;
    const idempotent = wants('first') || wants('replay') || wants('contended')
      ? await openServer(args, 'idempotent', { IDEMPOTENCY_ENABLED: 'true' })
      : undefined;
    const pairs: Array<{ server: OpenServer; scenario: Scenario }> = [];
    if (baseline) pairs.push({ server: baseline, scenario: baselineScenario(baseline.accounts, args.connections) });
    if (idempotent && wants('first')) pairs.push({ server: idempotent, scenario: firstExecutionScenario(idempotent.accounts, args.connections) });
    if (pairs.length) (await interleaved(args, pairs)).forEach(record);
    if (idempotent && wants('replay')) {
      const size = args.smoke ? 100 : 500;
      log(`replay: completing a pool of ${size} keys`);
      const pool = await completeReplayPool(idempotent.api, idempotent.accounts, size);
      record(await runScenario(idempotent.api, replayScenario(pool, args.connections), timing, idempotent.sampler, log));
    }
    if (idempotent && wants('contended')) {
      record(await runScenario(idempotent.api, contendedScenario(idempotent.accounts), timing, idempotent.sampler, log));
    }
  } catch (error) {
    for (const output of failureOutput) console.error(output());
    throw error;
  } finally {
    await cleanUp();
  }

  console.log(`\n${markdownTable(results, machine, args)}\n`);
  if (!args.smoke) {
    const file = writeResults(args, machine, results, startedAt);
    log(`results written to ${file}, chart to ${writeChart(file)}`);
  }
  const errors = results.reduce((sum, result) => sum + errorCount(result), 0);
  if (errors > 0) {
    console.error(`bench: ${errors} errors (unexpected non-2xx answers or connection errors); see the table`);
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
