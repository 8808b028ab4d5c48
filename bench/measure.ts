import { loadavg } from 'node:os';
import autocannon from 'autocannon';
import type { Adapter, ScenarioName, Transport } from './args';
import { Api, authHeaders } from './fixtures';
import { ResourceSampler, Usage } from './resources';
import type { Scenario } from './scenarios';

/** What a result is of: the scenario, and where it ran (HTTP adapter, database transport). */
export interface ScenarioInfo {
  name: ScenarioName;
  title: string;
  connections: number;
  expected: number[];
  /** The server's HTTP adapter (none for raw, which has no server). */
  adapter?: Adapter;
  transport?: Transport;
  /** Another checkout's server (`--compare-build`). */
  build?: string;
  /** The version of another Node binary the server runs on (`--compare-node`). */
  node?: string;
}

export interface ScenarioResult {
  name: ScenarioName;
  title: string;
  connections: number;
  adapter?: Adapter;
  transport?: Transport;
  build?: string;
  node?: string;
  seconds: number;
  requests: number;
  rps: number;
  /** Requests per second of each measured round, in the order they ran. */
  roundRps: number[];
  latencyMs: { p50: number; p90: number; p99: number; mean: number; max: number };
  statuses: Record<string, number>;
  /** 2xx answers that carried `Idempotent-Replayed: true`. */
  replayed: number;
  /** Non-2xx answers the scenario expects (409 in contended). */
  expectedNon2xx: number;
  /** Non-2xx answers it does not expect, by status. */
  unexpected: Record<string, number>;
  /** The first few bodies of unexpected answers, to tell what went wrong. */
  unexpectedSamples: string[];
  connectionErrors: number;
  timeouts: number;
  peakRssMb: number;
  serverHwmMb: number;
  serverCpuMsPerRequest: number;
  dbCpuMsPerRequest: number;
  /** The load generator's (this process's) CPU per request. */
  benchCpuMsPerRequest: number;
  /** All cores, whoever used them: 100 means the machine was saturated. */
  machineBusyPct: number;
  /** Share of the machine used by other processes meanwhile (noise: should be near 0). */
  othersBusyPct: number;
  topOthers: string[];
  /** 1-minute load average at the end of the run. */
  loadAverage: number;
}

/** Without a callback autocannon returns its instance (events), made thenable for the result. */
type Run = autocannon.Instance & PromiseLike<autocannon.Result>;

interface Counters {
  replayed: number;
  samples: string[];
}

function cannon(api: Api, scenario: Scenario, seconds: number, counters: Counters): Run {
  const headers = authHeaders(api);
  return autocannon({
    url: api.url,
    connections: scenario.connections,
    duration: seconds,
    timeout: 10,
    requests: [
      {
        method: 'POST',
        path: '/v1/transfers',
        setupRequest: (request) => {
          const { key, body } = scenario.next();
          request.headers = { ...headers, 'idempotency-key': key };
          request.body = body;
          return request;
        },
        onResponse: (status, body, _context, responseHeaders) => {
          const unexpected = (status < 200 || status > 299) && !scenario.expected.includes(status);
          if (unexpected && counters.samples.length < 5) counters.samples.push(`${status} ${body.slice(0, 300)}`);
          const value = responseHeaders?.['Idempotent-Replayed'] ?? responseHeaders?.['idempotent-replayed'];
          if (value === 'true') counters.replayed++;
        },
      },
    ],
  }) as unknown as Run;
}

/** What one measured round left behind: the raw material of a scenario's result. */
export interface Round {
  seconds: number;
  latencies: number[];
  statuses: Record<string, number>;
  replayed: number;
  samples: string[];
  connectionErrors: number;
  timeouts: number;
  usage: Usage;
}

/** A run thrown away: the server's JIT, pools and caches warm up before anything is measured. */
export async function warmUp(api: Api, scenario: Scenario, seconds: number, log: (line: string) => void): Promise<void> {
  log(`${scenario.name}: warm-up ${seconds} s, ${scenario.connections} connections`);
  const warm = await cannon(api, scenario, seconds, { replayed: 0, samples: [] });
  if (warm.errors || warm.non2xx) log(`${scenario.name}: warm-up had ${warm.errors} connection errors, ${warm.non2xx} non-2xx`);
}

/** One measured stretch of a scenario, with the server's memory and CPU sampled meanwhile. */
export async function measureRound(
  api: Api,
  scenario: Scenario,
  seconds: number,
  sampler: ResourceSampler,
  log: (line: string) => void,
): Promise<Round> {
  const counters: Counters = { replayed: 0, samples: [] };
  const latencies: number[] = [];
  sampler.start();
  const instance = cannon(api, scenario, seconds, counters);
  let second = 0;
  instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => latencies.push(responseTime));
  instance.on('tick', () => {
    if (++second % 5 === 0 && second < seconds) log(`${scenario.name}: ${second} s, ${latencies.length} responses`);
  });
  const result = await instance;
  const usage = sampler.stop();
  const statuses: Record<string, number> = {};
  for (const [status, stat] of Object.entries(result.statusCodeStats ?? {})) statuses[status] = Number(stat.count ?? 0);
  return {
    seconds: result.duration,
    latencies,
    statuses,
    replayed: counters.replayed,
    samples: counters.samples,
    connectionErrors: result.errors,
    timeouts: result.timeouts,
    usage,
  };
}

/** A warm-up, then `rounds` measured stretches back to back (a scenario measured on its own). */
export async function runScenario(
  api: Api,
  scenario: Scenario,
  timing: { seconds: number; warmup: number },
  sampler: ResourceSampler,
  log: (line: string) => void,
): Promise<ScenarioResult> {
  await warmUp(api, scenario, timing.warmup, log);
  log(`${scenario.name}: measuring ${timing.seconds} s`);
  return summarize(scenario, [await measureRound(api, scenario, timing.seconds, sampler, log)]);
}

/** The result of a scenario over all its rounds: counts and CPU summed, latency percentiles over every response. */
export function summarize(scenario: ScenarioInfo, rounds: Round[]): ScenarioResult {
  const statuses: Record<string, number> = {};
  for (const round of rounds) {
    for (const [status, count] of Object.entries(round.statuses)) statuses[status] = (statuses[status] ?? 0) + count;
  }
  const unexpected: Record<string, number> = {};
  let expectedNon2xx = 0;
  for (const [status, count] of Object.entries(statuses)) {
    if (/^2/.test(status)) continue;
    if (scenario.expected.includes(Number(status))) expectedNon2xx += count;
    else unexpected[status] = count;
  }
  const sum = (pick: (round: Round) => number) => rounds.reduce((total, round) => total + pick(round), 0);
  const seconds = sum((r) => r.seconds);
  const requests = sum((r) => r.latencies.length);
  const latencies = rounds.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const perRequest = (ms: number) => round(ms / Math.max(1, requests), 3);
  // Machine shares are averaged over the rounds, weighted by their length.
  const weighted = (pick: (usage: Usage) => number) => Math.round(sum((r) => pick(r.usage) * r.seconds) / Math.max(1, seconds));
  return {
    name: scenario.name,
    title: scenario.title,
    connections: scenario.connections,
    adapter: scenario.adapter,
    transport: scenario.transport,
    build: scenario.build,
    node: scenario.node,
    seconds: round(seconds),
    requests,
    rps: round(requests / seconds),
    roundRps: rounds.map((r) => round(r.latencies.length / r.seconds)),
    latencyMs: {
      p50: percentile(latencies, 50),
      p90: percentile(latencies, 90),
      p99: percentile(latencies, 99),
      mean: round(latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length)),
      max: round(latencies[latencies.length - 1] ?? 0),
    },
    statuses,
    replayed: sum((r) => r.replayed),
    expectedNon2xx,
    unexpected,
    unexpectedSamples: rounds.flatMap((r) => r.samples).slice(0, 5),
    connectionErrors: sum((r) => r.connectionErrors),
    timeouts: sum((r) => r.timeouts),
    peakRssMb: Math.max(...rounds.map((r) => r.usage.peakRssMb)),
    serverHwmMb: Math.max(...rounds.map((r) => r.usage.hwmMb)),
    serverCpuMsPerRequest: perRequest(sum((r) => r.usage.serverCpuMs)),
    dbCpuMsPerRequest: perRequest(sum((r) => r.usage.dbCpuMs)),
    benchCpuMsPerRequest: perRequest(sum((r) => r.usage.benchCpuMs)),
    machineBusyPct: weighted((u) => u.machineBusyPct),
    othersBusyPct: weighted((u) => u.othersBusyPct),
    topOthers: rounds[rounds.length - 1]?.usage.topOthers ?? [],
    loadAverage: round(loadavg()[0], 2),
  };
}

/** The nearest-rank percentile of sorted values, to 0.1 ms. */
function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]);
}

/** Errors of a result: unexpected non-2xx answers and connection errors (never slowness). */
export function errorCount(result: ScenarioResult): number {
  return Object.values(result.unexpected).reduce((sum, n) => sum + n, 0) + result.connectionErrors;
}

function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
