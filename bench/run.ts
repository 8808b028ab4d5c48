/**
 * `npm run bench`: what exactly-once costs on POST /v1/transfers, measured against the built server.
 *
 * Two server processes, one after the other, each on a freshly created database of the chosen kind:
 * - IDEMPOTENCY_ENABLED=false: the baseline;
 * - idempotency on: first execution (fresh keys), replay (a pool of completed keys), contended
 *   (16 connections on 4 hot keys at a time).
 * Prints a Markdown table and writes bench/results/<YYYY-MM-DD>.json (not with --smoke). Exits
 * non-zero only on errors (unexpected non-2xx answers, connection errors), never on speed.
 */
import { randomBytes } from 'node:crypto';
import { BenchArgs, parseArgs, ScenarioName } from './args';
import { createDatabase, databaseVersion } from './database';
import { Api, completeReplayPool, prepareAccounts } from './fixtures';
import { machineInfo, markdownTable, writeResults } from './report';
import { errorCount, runScenario, ScenarioResult } from './measure';
import { findDatabasePid, ResourceSampler } from './resources';
import { baselineScenario, contendedScenario, firstExecutionScenario, replayScenario } from './scenarios';
import { BenchServer, startServer } from './server';

const started = Date.now();
const log = (line: string) => console.log(`[bench +${String(Math.round((Date.now() - started) / 1000)).padStart(3)} s] ${line}`);
const cleanups: Array<() => Promise<void>> = [];

async function cleanUp(): Promise<void> {
  while (cleanups.length) await cleanups.pop()!().catch((error) => console.error(`clean-up: ${(error as Error).message}`));
}

/** Runs `work` against a fresh database and a server process started on it; removes both after. */
async function withServer(
  args: BenchArgs,
  label: string,
  env: Record<string, string>,
  work: (api: Api, sampler: ResourceSampler) => Promise<void>,
  cpuProfDir?: string,
): Promise<void> {
  const db = await createDatabase(args.db, args.mysqlUrl, label);
  cleanups.push(() => db.drop());
  const apiKey = `sk_bench_${randomBytes(16).toString('hex')}`;
  log(`${label} server: starting on a fresh ${args.db === 'mysql' ? `database ${db.name}` : 'SQLite file'}`);
  const server: BenchServer = await startServer(
    { DATABASE_URL: db.url, BOOTSTRAP_API_KEY: apiKey, LOG_LEVEL: 'warn', ...env },
    { cpuProfDir },
  );
  cleanups.push(() => server.stop());
  try {
    const dbPid = args.db === 'mysql' && /@(127\.0\.0\.1|localhost)[:/]/.test(args.mysqlUrl) ? findDatabasePid() : undefined;
    await work({ url: server.url, apiKey }, new ResourceSampler(server.pid, dbPid));
  } catch (error) {
    console.error(`server output (last 2000 characters):\n${server.output().slice(-2000)}`);
    throw error;
  } finally {
    log(`${label} server: stopping${cpuProfDir ? ` (CPU profile into ${cpuProfDir})` : ''}`);
    await cleanUp();
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const startedAt = new Date();
  const machine = machineInfo(await databaseVersion(args.db, args.mysqlUrl));
  log(`${machine.database}, Node ${machine.node}, ${machine.cpuModel} × ${machine.cores}; ` +
    `${args.duration} s per scenario (+${args.warmup} s warm-up), ${args.connections} connections${args.smoke ? ', smoke' : ''}`);
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

  if (wants('baseline')) {
    await withServer(args, 'baseline', { IDEMPOTENCY_ENABLED: 'false' }, async (api, sampler) => {
      log('baseline server: opening and funding accounts');
      const accounts = await prepareAccounts(api);
      record(await runScenario(api, baselineScenario(accounts, args.connections), timing, sampler, log));
    }, args.cpuProfDir);
  }
  if (wants('first') || wants('replay') || wants('contended')) {
    await withServer(args, 'idempotent', { IDEMPOTENCY_ENABLED: 'true' }, async (api, sampler) => {
      log('idempotent server: opening and funding accounts');
      const accounts = await prepareAccounts(api);
      if (wants('first')) record(await runScenario(api, firstExecutionScenario(accounts, args.connections), timing, sampler, log));
      if (wants('replay')) {
        const size = args.smoke ? 100 : 500;
        log(`replay: completing a pool of ${size} keys`);
        const pool = await completeReplayPool(api, accounts, size);
        record(await runScenario(api, replayScenario(pool, args.connections), timing, sampler, log));
      }
      if (wants('contended')) record(await runScenario(api, contendedScenario(accounts), timing, sampler, log));
    }, args.cpuProfDir);
  }

  console.log(`\n${markdownTable(results, machine, args)}\n`);
  if (!args.smoke) log(`results written to ${writeResults(args, machine, results, startedAt)}`);
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
