/**
 * `npm run bench -- --cluster`: what a 3-node MariaDB Galera cluster costs, beside the single server,
 * in one run. Each topology gets three app processes with idempotency on and three with it off (the
 * baseline); on the cluster each process talks to its own node, on the single server all talk to
 * it. The load is spread evenly over the three processes. Then the contended scenario (hot keys
 * sent to all three processes at once) runs on the cluster, and the certification failures it
 * caused are read from the nodes' `wsrep_local_cert_failures` and `wsrep_local_bf_aborts`.
 * Writes bench/results/<date>-cluster.json. Exits non-zero on errors, never on speed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { createConnection } from 'mysql2/promise';
import { GaleraCluster } from '../scripts/galera-cluster';
import { createDatabase, databaseVersion } from './database';
import { Api, authHeaders, prepareAccounts } from './fixtures';
import { machineInfo } from './report';
import { baselineScenario, contendedScenario, firstExecutionScenario, Scenario } from './scenarios';
import { BenchServer, startServer } from './server';

const PROCESSES = 3;

interface ClusterArgs {
  seconds: number;
  connections: number;
  mysqlUrl: string;
}

interface LoadResult {
  topology: string;
  scenario: string;
  connections: number;
  seconds: number;
  requests: number;
  rps: number;
  /** Request-weighted mean of the three load generators' medians, and the worst of their p99s. */
  latencyMs: { p50: number; p99: number };
  statuses: Record<string, number>;
  errors: number;
  certFailures?: number;
  bfAborts?: number;
}

function parseClusterArgs(argv: string[]): ClusterArgs {
  const args: ClusterArgs = { seconds: 15, connections: 24, mysqlUrl: process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306' };
  for (let i = 0; i < argv.length; i++) {
    const value = Number(argv[i + 1]);
    if (argv[i] === '--duration' && value > 0) args.seconds = value;
    else if (argv[i] === '--connections' && value >= PROCESSES) args.connections = Math.round(value);
    else continue;
    i++;
  }
  return args;
}

const log = (line: string) => console.log(`[bench cluster] ${line}`);

/** Runs `scenario` against every process at once, `connections` split evenly, and adds up. */
async function load(apis: Api[], scenario: Scenario, seconds: number, topology: string): Promise<LoadResult> {
  const per = Math.max(1, Math.round(scenario.connections / apis.length));
  const statuses: Record<string, number> = {};
  const runs = apis.map(
    (api) =>
      autocannon({
        url: api.url,
        connections: per,
        duration: seconds,
        timeout: 15,
        requests: [
          {
            method: 'POST',
            path: '/v1/transfers',
            setupRequest: (request) => {
              const { key, body } = scenario.next();
              return { ...request, headers: { ...authHeaders(api), 'idempotency-key': key }, body };
            },
            onResponse: (status) => {
              statuses[status] = (statuses[status] ?? 0) + 1;
            },
          },
        ],
      }) as unknown as PromiseLike<autocannon.Result>,
  );
  const results = await Promise.all(runs);
  const requests = results.reduce((sum, r) => sum + r.requests.total, 0);
  const unexpected = Object.entries(statuses)
    .filter(([status]) => !(Number(status) >= 200 && Number(status) < 300) && !scenario.expected.includes(Number(status)))
    .reduce((sum, [, n]) => sum + n, 0);
  return {
    topology,
    scenario: scenario.name,
    connections: per * apis.length,
    seconds,
    requests,
    rps: Math.round((requests / seconds) * 10) / 10,
    latencyMs: {
      p50: Math.round((results.reduce((sum, r) => sum + r.latency.p50 * r.requests.total, 0) / Math.max(1, requests)) * 10) / 10,
      p99: Math.max(...results.map((r) => r.latency.p99)),
    },
    statuses,
    errors: unexpected + results.reduce((sum, r) => sum + r.errors + r.timeouts, 0),
  };
}

async function wsrepCounters(urls: string[]): Promise<{ certFailures: number; bfAborts: number }> {
  let certFailures = 0;
  let bfAborts = 0;
  for (const url of urls) {
    const connection = await createConnection({ uri: url });
    try {
      const [rows] = await connection.query("SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_local_cert_failures', 'wsrep_local_bf_aborts')");
      for (const row of rows as Array<{ Variable_name: string; Value: string }>) {
        if (row.Variable_name === 'wsrep_local_cert_failures') certFailures += Number(row.Value);
        else bfAborts += Number(row.Value);
      }
    } finally {
      await connection.end();
    }
  }
  return { certFailures, bfAborts };
}

interface Topology {
  name: string;
  /** The server URL (no database) each of the three processes uses. */
  serverUrls: string[];
}

export async function runClusterBench(argv: string[]): Promise<void> {
  const args = parseClusterArgs(argv);
  const cluster = new GaleraCluster(undefined, log);
  const wasRunning = (await Promise.all(cluster.nodes.map((node) => cluster.status(node)))).every((s) => s.state === 'Synced');
  const cleanups: Array<() => Promise<void>> = [];
  const results: LoadResult[] = [];
  try {
    await cluster.up();
    if (!wasRunning) cleanups.push(() => cluster.down());
    const nodeServers = cluster.nodes.map((node) => `mysql://root@127.0.0.1:${node.sqlPort}`);
    const topologies: Topology[] = [
      { name: 'single server', serverUrls: Array.from({ length: PROCESSES }, () => args.mysqlUrl) },
      { name: 'galera, 3 nodes', serverUrls: nodeServers },
    ];
    for (const topology of topologies) {
      const apis: Record<'baseline' | 'idempotent', Api[]> = { baseline: [], idempotent: [] };
      for (const mode of ['baseline', 'idempotent'] as const) {
        const db = await createDatabase('mysql', topology.serverUrls[0], `cl_${mode}`);
        cleanups.push(() => db.drop());
        const apiKey = `sk_bench_${mode}_${Date.now().toString(36)}_0123456789`;
        log(`${topology.name}: starting ${PROCESSES} ${mode} processes`);
        const servers: BenchServer[] = await Promise.all(
          topology.serverUrls.map((url) =>
            startServer({
              DATABASE_URL: `${url.replace(/\/$/, '')}/${db.name}`,
              BOOTSTRAP_API_KEY: apiKey,
              LOG_LEVEL: 'warn',
              IDEMPOTENCY_ENABLED: String(mode === 'idempotent'),
              WEBHOOKS_DISPATCHER_ENABLED: 'false',
              COMPLETER_ENABLED: 'false',
            }),
          ),
        );
        for (const server of servers) cleanups.push(() => server.stop());
        apis[mode] = servers.map((server) => ({ url: server.url, apiKey }));
      }
      const accounts = {
        baseline: await prepareAccounts(apis.baseline[0]),
        idempotent: await prepareAccounts(apis.idempotent[0]),
      };
      for (const [mode, scenario] of [
        ['baseline', baselineScenario(accounts.baseline, args.connections)],
        ['idempotent', firstExecutionScenario(accounts.idempotent, args.connections)],
      ] as const) {
        log(`${topology.name}: ${scenario.title}, ${args.seconds} s`);
        results.push(await load(apis[mode], scenario, args.seconds, topology.name));
      }
      if (topology.name.startsWith('galera')) {
        const before = await wsrepCounters(nodeServers);
        const scenario = contendedScenario(accounts.idempotent);
        log(`${topology.name}: ${scenario.title} over all three processes, ${args.seconds} s`);
        const contended = await load(apis.idempotent, scenario, args.seconds, topology.name);
        const after = await wsrepCounters(nodeServers);
        results.push({ ...contended, certFailures: after.certFailures - before.certFailures, bfAborts: after.bfAborts - before.bfAborts });
      }
    }
  } finally {
    while (cleanups.length) await cleanups.pop()!().catch((error: Error) => console.error(`clean-up: ${error.message}`));
  }

  const machine = machineInfo(await databaseVersion('mysql', args.mysqlUrl));
  const rps = (topology: string, scenario: string) => results.find((r) => r.topology === topology && r.scenario === scenario)?.rps ?? NaN;
  const lines = [
    `| topology | scenario | conns | req/s | p50 ms | p99 ms | statuses | errors | cert. failures |`,
    `|---|---|---:|---:|---:|---:|---|---:|---|`,
    ...results.map(
      (r) =>
        `| ${r.topology} | ${r.scenario} | ${r.connections} | ${r.rps} | ${r.latencyMs.p50} | ${r.latencyMs.p99} | ${JSON.stringify(r.statuses)} | ${r.errors} | ` +
        (r.certFailures === undefined
          ? ''
          : `${r.certFailures} cert + ${r.bfAborts} BF aborts (${((1000 * (r.certFailures + (r.bfAborts ?? 0))) / Math.max(1, r.requests)).toFixed(1)} per 1000 requests)`) +
        ' |',
    ),
  ];
  const ratio = (a: number, b: number) => (a / b).toFixed(3);
  lines.push(
    '',
    `first execution / baseline: single server ${ratio(rps('single server', 'first'), rps('single server', 'baseline'))}, ` +
      `cluster ${ratio(rps('galera, 3 nodes', 'first'), rps('galera, 3 nodes', 'baseline'))}; ` +
      `cluster / single server, first execution: ${ratio(rps('galera, 3 nodes', 'first'), rps('single server', 'first'))}`,
    `${machine.database}, Node ${machine.node}, ${machine.cpuModel} × ${machine.cores}; all six processes, the three nodes and the load share the machine`,
  );
  console.log(`\n${lines.join('\n')}\n`);
  const dir = join(process.cwd(), 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${new Date().toISOString().slice(0, 10)}-cluster.json`);
  writeFileSync(file, `${JSON.stringify({ machine, args, results }, null, 2)}\n`);
  log(`results written to ${file}`);
  if (results.some((r) => r.errors > 0)) {
    console.error('bench cluster: errors (unexpected non-2xx answers or connection errors); see the table');
    process.exitCode = 1;
  }
}
