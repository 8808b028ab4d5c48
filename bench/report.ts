import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';
import type { BenchArgs } from './args';
import type { ScenarioResult } from './measure';
import type { SoakResult } from './soak';

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGb: number;
  os: string;
  node: string;
  database: string;
}

export function machineInfo(database: string): MachineInfo {
  const cpu = cpus();
  return {
    cpuModel: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${process.platform} ${release()}`,
    node: process.version,
    database,
  };
}

/** The issue's targets for the ratios of one run. */
export const TARGETS = { firstOverRaw: 0.5, firstOverBaseline: 0.9, replayOverFirst: 5 };

/** Where the headline numbers come from: the first adapter and transport listed. */
export interface Primary {
  adapter: string;
  transport: string;
}

// Three decimals: a ratio of 0.845 must not be printed as the 0.85 it is measured against.
const divide = (a?: number, b?: number) => (a !== undefined && b ? Math.round((a / b) * 1000) / 1000 : undefined);

/** Per-round ratios of two results measured in the same alternating rounds. */
function eachRound(a?: ScenarioResult, b?: ScenarioResult): number[] {
  if (!a || !b || a.roundRps.length !== b.roundRps.length) return [];
  return a.roundRps.map((rps, i) => divide(rps, b.roundRps[i])!).filter((r) => r !== undefined);
}

// CPU per request of server + database: what capacity costs, less sensitive to other load than req/s.
const cpu = (r?: ScenarioResult) => (r ? r.serverCpuMsPerRequest + (Number.isFinite(r.dbCpuMsPerRequest) ? r.dbCpuMsPerRequest : 0) : undefined);

/** The ratios the issue sets targets for, at one connection count, from results of one run. */
export function ratiosAt(results: ScenarioResult[], connections: number, primary: Primary) {
  const at = results.filter((r) => r.connections === connections);
  const baseline = at.find((r) => r.name === 'baseline');
  const first = at.find((r) => r.name === 'first' && !r.build && !r.node && r.adapter === primary.adapter && r.transport === primary.transport);
  const raw = at.find((r) => r.name === 'raw' && r.transport === primary.transport);
  const replay = at.find((r) => r.name === 'replay');
  return {
    connections,
    firstOverRaw: divide(first?.rps, raw?.rps),
    firstOverBaseline: divide(first?.rps, baseline?.rps),
    replayOverFirst: divide(replay?.rps, first?.rps),
    rounds: { firstOverRaw: eachRound(first, raw), firstOverBaseline: eachRound(first, baseline), replayOverFirst: eachRound(replay, first) },
    /** Inverse CPU cost ratios: the throughput ratios a CPU-bound machine would show (raw: the mysql2 client's CPU + DB). */
    cpuFirstOverRaw: divide(cpu(raw), cpu(first)),
    cpuFirstOverBaseline: divide(cpu(baseline), cpu(first)),
    cpuReplayOverFirst: divide(cpu(first), cpu(replay)),
    /** First execution on each other adapter/transport, over the primary one. */
    variants: at
      .filter((r) => r.name === 'first' && r !== first)
      .map((r) => ({ adapter: r.adapter, transport: r.transport, build: r.build, node: r.node, overPrimary: divide(r.rps, first?.rps), rounds: eachRound(r, first) })),
    rawVariants: at
      .filter((r) => r.name === 'raw' && r !== raw)
      .map((r) => ({ transport: r.transport, overPrimary: divide(r.rps, raw?.rps), rounds: eachRound(r, raw) })),
  };
}

export function ratios(results: ScenarioResult[], primary: Primary) {
  return [...new Set(results.filter((r) => r.name !== 'contended').map((r) => r.connections))].map((c) => ratiosAt(results, c, primary));
}

/** Throughput of each scenario as connections grow; `falls` when a count does worse than the one before by more than 5 %. */
export function scaling(results: ScenarioResult[]) {
  const groups = new Map<string, ScenarioResult[]>();
  for (const r of results) {
    if (r.name === 'contended') continue;
    const label = r.title;
    groups.set(label, [...(groups.get(label) ?? []), r]);
  }
  return [...groups].flatMap(([title, rs]) => {
    if (rs.length < 2) return [];
    const sorted = [...rs].sort((a, b) => a.connections - b.connections);
    const falls = sorted.slice(1).some((r, i) => r.rps < sorted[i].rps * 0.95);
    return [{ title, points: sorted.map((r) => ({ connections: r.connections, rps: r.rps, peakRssMb: r.peakRssMb })), falls }];
  });
}

function num(value: number): string {
  return Number.isFinite(value) ? String(value) : '–';
}

function statusText(result: ScenarioResult): string {
  const parts = Object.entries(result.unexpected).map(([status, n]) => `${n}×${status}`);
  if (result.connectionErrors) parts.push(`${result.connectionErrors} ${result.name === 'raw' ? 'SQL' : 'conn.'} errors`);
  return parts.length ? parts.join(', ') : '0';
}

const spread = (rounds: number[]) => (rounds.length > 1 ? `; single rounds ${rounds.join(', ')}` : '');
const target = (value: number | undefined, goal: number) => (value === undefined ? '' : value >= goal ? ` (target ≥ ${goal}: met)` : ` (target ≥ ${goal}: **not met**)`);

/** The Markdown table printed at the end and pasted into the README's Performance section. */
export function markdownTable(results: ScenarioResult[], machine: MachineInfo, args: BenchArgs): string {
  const primary = { adapter: args.adapters[0], transport: args.transports[0] };
  const lines = [
    `${machine.database}, Node ${machine.node}, ${machine.cpuModel} (${machine.cores} cores), load average ${args.loadAverageAtStart} at the start; ` +
      `${args.duration} s per scenario and connection count after a ${args.warmup} s warm-up (${args.rounds > 1 ? `in ${args.rounds} alternating rounds` : 'one round each'}), ` +
      `POST /v1/transfers, ${primary.adapter}, database over ${primary.transport}`,
    '',
    '| scenario | conns | req/s | p50 ms | p90 ms | p99 ms | errors | 409 | replayed | server CPU ms/req | DB CPU ms/req | peak RSS MB |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of results) {
    lines.push(
      `| ${r.title} | ${r.connections} | ${r.rps} | ${r.latencyMs.p50} | ${r.latencyMs.p90} | ${r.latencyMs.p99} | ` +
        `${statusText(r)} | ${r.name === 'contended' ? r.expectedNon2xx : '–'} | ${r.replayed} | ${r.serverCpuMsPerRequest} | ${num(r.dbCpuMsPerRequest)} | ${r.peakRssMb} |`,
    );
  }
  lines.push('');
  const busy = results.map((r) => `${r.name}@${r.connections} ${num(r.machineBusyPct)} % (others ${num(r.othersBusyPct)} %)`).join(', ');
  lines.push(`- machine CPU busy during each run: ${busy}`);
  for (const r of ratios(results, primary)) {
    const cpuNote = (ratio?: number) => (ratio === undefined ? '' : `; by server + DB CPU per request: ${ratio}`);
    if ([r.firstOverRaw, r.firstOverBaseline, r.replayOverFirst].every((x) => x === undefined) && !r.variants.length && !r.rawVariants.length) continue;
    lines.push(`- **${r.connections} connections**:`);
    if (r.firstOverRaw !== undefined) {
      lines.push(`  - first execution / raw SQL: **${r.firstOverRaw}**${target(r.firstOverRaw, TARGETS.firstOverRaw)}${cpuNote(r.cpuFirstOverRaw)}${spread(r.rounds.firstOverRaw)}`);
    }
    if (r.firstOverBaseline !== undefined) {
      lines.push(`  - first execution / baseline: **${r.firstOverBaseline}**${target(r.firstOverBaseline, TARGETS.firstOverBaseline)}${cpuNote(r.cpuFirstOverBaseline)}${spread(r.rounds.firstOverBaseline)}`);
    }
    if (r.replayOverFirst !== undefined) {
      lines.push(`  - replay / first execution: **${r.replayOverFirst}**${target(r.replayOverFirst, TARGETS.replayOverFirst)}${cpuNote(r.cpuReplayOverFirst)}${spread(r.rounds.replayOverFirst)}`);
    }
    for (const v of r.variants) {
      const [what, over] = v.build
        ? [`the build of ${v.build}`, 'this build']
        : v.node
          ? [`Node ${v.node}`, `Node ${process.version}`]
          : [`${v.adapter} over ${v.transport}`, `${primary.adapter} over ${primary.transport}`];
      lines.push(`  - first execution on ${what} / on ${over}: **${v.overPrimary}**${spread(v.rounds)}`);
    }
    for (const v of r.rawVariants) lines.push(`  - raw SQL over ${v.transport} / over ${primary.transport}: **${v.overPrimary}**${spread(v.rounds)}`);
  }
  for (const s of scaling(results)) {
    lines.push(`- ${s.title} as connections grow: ${s.points.map((p) => `${p.connections} → ${p.rps} req/s (RSS ${p.peakRssMb} MB)`).join(', ')}${s.falls ? ' — **throughput falls**' : ''}`);
  }
  const noisy = results.filter((r) => r.othersBusyPct >= 10).map((r) => `${r.name}@${r.connections} (${r.othersBusyPct} %)`);
  if (noisy.length) lines.push(`- ⚠ other processes used ≥ 10 % of the machine during: ${noisy.join(', ')}; those numbers are low`);
  return lines.join('\n');
}

/** The soak's report: RSS over the run, and its growth from the first minute to the last. */
export function soakReport(soak: SoakResult, machine: MachineInfo, args: BenchArgs): string {
  const every = Math.max(1, Math.round(30 / soak.sampleSeconds));
  const series = soak.rssMb.filter((_, i) => i % every === 0).join(', ');
  return [
    `${machine.database}, Node ${machine.node}, ${machine.cpuModel} (${machine.cores} cores), load average ${args.loadAverageAtStart} at the start; ` +
      `soak: first execution for ${soak.seconds} s at ${soak.connections} connections, ${args.adapters[0]}, database over ${args.transports[0]}`,
    '',
    `- ${soak.requests} requests, ${soak.rps} req/s, ${soak.errors} errors, server CPU ${soak.serverCpuMsPerRequest} ms/req`,
    `- server RSS every 30 s (MB): ${series}`,
    `- RSS median of the first minute ${soak.firstMinuteMb} MB, of the last minute ${soak.lastMinuteMb} MB: growth **${soak.growthMb} MB (${soak.growthPct} %)**`,
    `- V8 heap in use every 30 s (MB): ${soak.heapUsedMb.filter((_, i) => i % every === 0).join(', ')}; median of the first minute ${soak.heapFirstMinuteMb} MB, of the last ${soak.heapLastMinuteMb} MB`,
  ].join('\n');
}

/**
 * The day's first free results file: `<date>.json`, else `<date>-b.json`, `<date>-c.json`, … Every
 * run gets a file of its own, so a later run never replaces or joins a committed one (a soak and a
 * full run of the same day stay apart, and each file's chart shows its own run).
 */
function resultsFile(dir: string, date: string): string {
  for (let n = 0; n < 26; n++) {
    const file = join(dir, `${date}${n === 0 ? '' : `-${String.fromCharCode(97 + n)}`}.json`);
    if (!existsSync(file)) return file;
  }
  throw new Error(`bench/results already holds 26 files for ${date}; move some away`);
}

/**
 * Writes `bench/results/<YYYY-MM-DD>.json` under the working directory (the repository when run
 * through npm), or the day's next free `<date>-<letter>.json`.
 */
export function writeResults(args: BenchArgs, machine: MachineInfo, results: ScenarioResult[], startedAt: Date, soak?: SoakResult): string {
  const dir = join(process.cwd(), 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const key = args.soak ? `${args.db}-soak` : args.db;
  const file = resultsFile(dir, startedAt.toISOString().slice(0, 10));
  const run = {
    startedAt: startedAt.toISOString(),
    machine,
    settings: {
      duration: args.duration,
      warmup: args.warmup,
      rounds: args.rounds,
      connections: args.connections,
      adapters: args.adapters,
      transports: args.transports,
      endpoint: 'POST /v1/transfers',
      // What else shapes the numbers and is set from outside: the servers' and the raw load's pool,
      // and flags given to every Node process of the run.
      dbPoolSize: args.dbPoolSize,
      ...(process.env.NODE_OPTIONS ? { nodeOptions: process.env.NODE_OPTIONS } : {}),
    },
    ratios: ratios(results, { adapter: args.adapters[0], transport: args.transports[0] }),
    scaling: scaling(results),
    targets: TARGETS,
    loadAverageAtStart: args.loadAverageAtStart,
    scenarios: results,
    ...(soak ? { soak } : {}),
  };
  const document = { runs: { [key]: run } };
  writeFileSync(`${file}.tmp`, `${JSON.stringify(document, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
  return file;
}
