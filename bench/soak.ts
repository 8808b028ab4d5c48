import { loadavg } from 'node:os';
import autocannon from 'autocannon';
import { authHeaders, Api } from './fixtures';
import { processStats, ResourceSampler } from './resources';
import type { Scenario } from './scenarios';

export interface SoakResult {
  seconds: number;
  connections: number;
  requests: number;
  rps: number;
  errors: number;
  /** The server's RSS, one sample every `sampleSeconds`, in MB. */
  rssMb: number[];
  sampleSeconds: number;
  /** Median RSS over the first and the last minute of the run (after the warm-up). */
  firstMinuteMb: number;
  lastMinuteMb: number;
  growthMb: number;
  growthPct: number;
  /** The server's V8 heap in use (from its /metrics), sampled with RSS: what a leak would grow. */
  heapUsedMb: number[];
  heapFirstMinuteMb: number;
  heapLastMinuteMb: number;
  serverCpuMsPerRequest: number;
  loadAverage: number;
}

const SAMPLE_SECONDS = 5;

/** `nodejs_heap_size_used_bytes` from the server's Prometheus metrics, in MB (NaN when unavailable). */
async function heapUsed(api: Api): Promise<number> {
  try {
    const text = await (await fetch(`${api.url}/metrics`)).text();
    const match = /^nodejs_heap_size_used_bytes(?:\{[^}]*\})? ([0-9.e+]+)$/m.exec(text);
    return match ? round1(Number(match[1]) / 2 ** 20) : NaN;
  } catch {
    return NaN;
  }
}

function median(values: number[]): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor(sorted.length / 2)] : NaN;
}

const round1 = (value: number) => Math.round(value * 10) / 10;

/**
 * First execution for `seconds` at one connection count after a 30 s warm-up, the server's RSS
 * sampled every 5 s: memory that grows with the number of requests served (a leak, an unbounded
 * cache) shows as a last minute above the first.
 */
export async function soak(
  api: Api,
  scenario: Scenario,
  sampler: ResourceSampler,
  seconds: number,
  log: (line: string) => void,
): Promise<SoakResult> {
  const pid = sampler.pid;
  const headers = authHeaders(api);
  const run = (duration: number) =>
    autocannon({
      url: api.url,
      connections: scenario.connections,
      duration,
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
        },
      ],
    }) as unknown as autocannon.Instance & PromiseLike<autocannon.Result>;
  log(`soak: warm-up 30 s, ${scenario.connections} connections`);
  await run(30);
  log(`soak: ${seconds} s of first execution, RSS every ${SAMPLE_SECONDS} s`);
  const rssMb: number[] = [];
  const heapUsedMb: number[] = [];
  const take = () => {
    rssMb.push(round1((processStats(pid)?.rssKb ?? NaN) / 1024));
    void heapUsed(api).then((mb) => heapUsedMb.push(mb));
  };
  take();
  sampler.start();
  const instance = run(seconds);
  let responses = 0;
  let tick = 0;
  instance.on('response', () => responses++);
  instance.on('tick', () => {
    if (++tick % SAMPLE_SECONDS === 0) take();
    if (tick % 30 === 0) log(`soak: ${tick} s, ${responses} responses, RSS ${rssMb[rssMb.length - 1]} MB`);
  });
  const result = await instance;
  const usage = sampler.stop();
  take();
  const perMinute = Math.max(1, Math.round(60 / SAMPLE_SECONDS));
  await new Promise((resolve) => setTimeout(resolve, 500)); // the last /metrics read
  const firstMinuteMb = median(rssMb.slice(0, perMinute));
  const lastMinuteMb = median(rssMb.slice(-perMinute));
  const non2xx = result.non2xx ?? 0;
  return {
    seconds: result.duration,
    connections: scenario.connections,
    requests: responses,
    rps: round1(responses / result.duration),
    errors: non2xx + result.errors,
    rssMb,
    sampleSeconds: SAMPLE_SECONDS,
    firstMinuteMb,
    lastMinuteMb,
    growthMb: round1(lastMinuteMb - firstMinuteMb),
    growthPct: round1(((lastMinuteMb - firstMinuteMb) / firstMinuteMb) * 100),
    heapUsedMb,
    heapFirstMinuteMb: median(heapUsedMb.slice(0, perMinute)),
    heapLastMinuteMb: median(heapUsedMb.slice(-perMinute)),
    serverCpuMsPerRequest: Math.round((usage.serverCpuMs / Math.max(1, responses)) * 1000) / 1000,
    loadAverage: Math.round(loadavg()[0] * 100) / 100,
  };
}
