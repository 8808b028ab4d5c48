import { loadavg } from 'node:os';
import autocannon from 'autocannon';
import type { ScenarioName } from './args';
import { Api, authHeaders } from './fixtures';
import { ResourceSampler } from './resources';
import type { Scenario } from './scenarios';

export interface ScenarioResult {
  name: ScenarioName;
  title: string;
  connections: number;
  seconds: number;
  requests: number;
  rps: number;
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

/** A warm-up (thrown away), then the measured run, with the server's memory and CPU sampled. */
export async function runScenario(
  api: Api,
  scenario: Scenario,
  timing: { seconds: number; warmup: number },
  sampler: ResourceSampler,
  log: (line: string) => void,
): Promise<ScenarioResult> {
  log(`${scenario.name}: warm-up ${timing.warmup} s, ${scenario.connections} connections`);
  const warm = await cannon(api, scenario, timing.warmup, { replayed: 0, samples: [] });
  if (warm.errors || warm.non2xx) log(`${scenario.name}: warm-up had ${warm.errors} connection errors, ${warm.non2xx} non-2xx`);
  log(`${scenario.name}: measuring ${timing.seconds} s`);
  const counters: Counters = { replayed: 0, samples: [] };
  sampler.start();
  const instance = cannon(api, scenario, timing.seconds, counters);
  let done = 0;
  let second = 0;
  instance.on('response', () => done++);
  instance.on('tick', () => {
    if (++second % 5 === 0 && second < timing.seconds) log(`${scenario.name}: ${second} s, ${done} responses`);
  });
  const result = (await instance) as autocannon.Result & { latency: { p90: number } };
  const resources = sampler.stop();

  const statuses: Record<string, number> = {};
  for (const [status, stat] of Object.entries(result.statusCodeStats ?? {})) statuses[status] = Number(stat.count ?? 0);
  const unexpected: Record<string, number> = {};
  let expectedNon2xx = 0;
  for (const [status, count] of Object.entries(statuses)) {
    if (/^2/.test(status)) continue;
    if (scenario.expected.includes(Number(status))) expectedNon2xx += count;
    else unexpected[status] = count;
  }
  const requests = result.requests.total;
  return {
    name: scenario.name,
    title: scenario.title,
    connections: scenario.connections,
    seconds: result.duration,
    requests,
    rps: round(requests / result.duration),
    latencyMs: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      mean: round(result.latency.mean),
      max: result.latency.max,
    },
    statuses,
    replayed: counters.replayed,
    expectedNon2xx,
    unexpected,
    unexpectedSamples: counters.samples,
    connectionErrors: result.errors,
    timeouts: result.timeouts,
    peakRssMb: resources.peakRssMb,
    serverHwmMb: resources.hwmMb,
    serverCpuMsPerRequest: round(resources.serverCpuMs / Math.max(1, requests), 3),
    dbCpuMsPerRequest: round(resources.dbCpuMs / Math.max(1, requests), 3),
    benchCpuMsPerRequest: round(resources.benchCpuMs / Math.max(1, requests), 3),
    machineBusyPct: resources.machineBusyPct,
    othersBusyPct: resources.othersBusyPct,
    topOthers: resources.topOthers,
    loadAverage: round(loadavg()[0], 2),
  };
}

/** Errors of a result: unexpected non-2xx answers and connection errors (never slowness). */
export function errorCount(result: ScenarioResult): number {
  return Object.values(result.unexpected).reduce((sum, n) => sum + n, 0) + result.connectionErrors;
}

function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
