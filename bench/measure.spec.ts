import { parseArgs } from './args';
import { Round, summarize } from './measure';
import type { Usage } from './resources';
import type { Scenario } from './scenarios';

const scenario: Scenario = { name: 'contended', title: 'contended', connections: 4, expected: [409], next: () => ({ key: 'k', body: '{}' }) };

function usage(overrides: Partial<Usage> = {}): Usage {
  return {
    peakRssMb: 100,
    hwmMb: 100,
    serverCpuMs: 0,
    dbCpuMs: 0,
    benchCpuMs: 0,
    machineBusyPct: 50,
    othersBusyPct: 0,
    topOthers: [],
    ...overrides,
  };
}

function round(overrides: Partial<Round>): Round {
  return { seconds: 1, latencies: [], statuses: {}, replayed: 0, samples: [], connectionErrors: 0, timeouts: 0, usage: usage(), ...overrides };
}

describe('summarize (a scenario measured in rounds)', () => {
  it('adds up requests, time, CPU and statuses, and takes percentiles over every response of every round', () => {
    const first = round({
      seconds: 2,
      latencies: [1, 2, 3, 4],
      statuses: { '201': 3, '409': 1 },
      replayed: 1,
      usage: usage({ serverCpuMs: 40, dbCpuMs: 8, peakRssMb: 120, machineBusyPct: 40 }),
    });
    const second = round({
      seconds: 2,
      latencies: [5, 6, 7, 8, 9, 10],
      statuses: { '201': 5, '500': 1 },
      replayed: 2,
      samples: ['500 boom'],
      connectionErrors: 1,
      usage: usage({ serverCpuMs: 60, dbCpuMs: 12, peakRssMb: 150, machineBusyPct: 80 }),
    });

    const result = summarize(scenario, [first, second]);

    expect(result.requests).toBe(10);
    expect(result.seconds).toBe(4);
    expect(result.rps).toBe(2.5);
    expect(result.roundRps).toEqual([2, 3]);
    expect(result.latencyMs).toEqual({ p50: 5, p90: 9, p99: 10, mean: 5.5, max: 10 });
    expect(result.statuses).toEqual({ '201': 8, '409': 1, '500': 1 });
    expect(result.expectedNon2xx).toBe(1);
    expect(result.unexpected).toEqual({ '500': 1 });
    expect(result.unexpectedSamples).toEqual(['500 boom']);
    expect(result.replayed).toBe(3);
    expect(result.connectionErrors).toBe(1);
    expect(result.serverCpuMsPerRequest).toBe(10);
    expect(result.dbCpuMsPerRequest).toBe(2);
    expect(result.peakRssMb).toBe(150);
    expect(result.machineBusyPct).toBe(60);
  });
});

describe('bench flags', () => {
  it('splits the measured time into alternating rounds, one round in smoke mode unless asked', () => {
    expect(parseArgs([]).rounds).toBe(4);
    expect(parseArgs(['--rounds', '8']).rounds).toBe(8);
    expect(parseArgs(['--smoke']).rounds).toBe(1);
    expect(parseArgs(['--smoke', '--rounds', '2']).rounds).toBe(2);
  });
});

describe('bench connection counts and variants', () => {
  it('measures 10, 32 and 64 connections by default, 10 in smoke mode, and a given list in turn', () => {
    expect(parseArgs([]).connections).toEqual([10, 32, 64]);
    expect(parseArgs(['--smoke']).connections).toEqual([10]);
    expect(parseArgs(['--connections', '16,48']).connections).toEqual([16, 48]);
    expect(parseArgs(['--soak']).connections).toEqual([32]);
    expect(parseArgs(['--soak', '120']).soakSeconds).toBe(120);
  });

  it('takes adapters and transports as lists, the first one serving every scenario', () => {
    const args = parseArgs(['--adapters', 'fastify,express', '--transports', 'socket,tcp', '--socket-path', '/tmp/my.sock']);
    expect(args.adapters).toEqual(['fastify', 'express']);
    expect(args.transports).toEqual(['socket', 'tcp']);
    expect(args.socketPath).toBe('/tmp/my.sock');
  });
});
