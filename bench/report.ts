import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';
import type { BenchArgs } from './args';
import type { ScenarioResult } from './measure';

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

/** The ratios the issue sets targets for, from results of one run. */
export function ratios(results: ScenarioResult[]) {
  const find = (name: string) => results.find((r) => r.name === name);
  const rps = (name: string) => find(name)?.rps;
  // CPU per request of server + database: what capacity costs, less sensitive to other load than req/s.
  const cpu = (name: string) => {
    const r = find(name);
    return r ? r.serverCpuMsPerRequest + (Number.isFinite(r.dbCpuMsPerRequest) ? r.dbCpuMsPerRequest : 0) : undefined;
  };
  // Three decimals: a ratio of 0.845 must not be printed as the 0.85 it is measured against.
  const divide = (a?: number, b?: number) => (a !== undefined && b ? Math.round((a / b) * 1000) / 1000 : undefined);
  return {
    firstOverBaseline: divide(rps('first'), rps('baseline')),
    replayOverFirst: divide(rps('replay'), rps('first')),
    /** Inverse CPU cost ratios: the throughput ratios a CPU-bound machine would show. */
    cpuFirstOverBaseline: divide(cpu('baseline'), cpu('first')),
    cpuReplayOverFirst: divide(cpu('first'), cpu('replay')),
  };
}

function num(value: number): string {
  return Number.isFinite(value) ? String(value) : '–';
}

function statusText(result: ScenarioResult): string {
  const parts = Object.entries(result.unexpected).map(([status, n]) => `${n}×${status}`);
  if (result.connectionErrors) parts.push(`${result.connectionErrors} conn. errors`);
  return parts.length ? parts.join(', ') : '0';
}

/** The lowest and highest first/baseline ratio of single rounds: how much the machine moved meanwhile. */
function roundSpread(results: ScenarioResult[]): string {
  const baseline = results.find((r) => r.name === 'baseline')?.roundRps ?? [];
  const first = results.find((r) => r.name === 'first')?.roundRps ?? [];
  if (baseline.length < 2 || baseline.length !== first.length) return '';
  const each = first.map((rps, i) => rps / baseline[i]);
  return `; single rounds ${Math.min(...each).toFixed(2)}–${Math.max(...each).toFixed(2)}`;
}

/** The Markdown table printed at the end and pasted into the README's Performance section. */
export function markdownTable(results: ScenarioResult[], machine: MachineInfo, args: BenchArgs): string {
  const lines = [
    `${machine.database}, Node ${machine.node}, ${machine.cpuModel} (${machine.cores} cores), ` +
      `${args.duration} s per scenario after a ${args.warmup} s warm-up (${args.rounds > 1 ? `baseline and first execution in ${args.rounds} alternating rounds` : 'one round each'}), POST /v1/transfers`,
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
  const { firstOverBaseline, replayOverFirst, cpuFirstOverBaseline, cpuReplayOverFirst } = ratios(results);
  lines.push('');
  const busy = results.map((r) => `${r.name} ${num(r.machineBusyPct)} % (others ${num(r.othersBusyPct)} %)`).join(', ');
  lines.push(`- machine CPU busy during each run: ${busy}`);
  const cpuNote = (ratio?: number) => (ratio === undefined ? '' : `; by server + DB CPU per request: ${ratio}`);
  if (firstOverBaseline !== undefined) {
    lines.push(`- first execution / baseline throughput: **${firstOverBaseline}** (target ≥ 0.85)${cpuNote(cpuFirstOverBaseline)}${roundSpread(results)}`);
  }
  if (replayOverFirst !== undefined) {
    lines.push(`- replay / first execution throughput: **${replayOverFirst}** (target ≥ 2)${cpuNote(cpuReplayOverFirst)}`);
  }
  const noisy = results.filter((r) => r.othersBusyPct >= 10).map((r) => `${r.name} (${r.othersBusyPct} %)`);
  if (noisy.length) lines.push(`- ⚠ other processes used ≥ 10 % of the machine during: ${noisy.join(', ')}; those numbers are low`);
  return lines.join('\n');
}

/**
 * Writes `bench/results/<YYYY-MM-DD>.json` under the working directory (the repository when run
 * through npm); a second database kind on the same day is added next to the first.
 */
export function writeResults(args: BenchArgs, machine: MachineInfo, results: ScenarioResult[], startedAt: Date): string {
  const dir = join(process.cwd(), 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${startedAt.toISOString().slice(0, 10)}.json`);
  let existing: { runs?: Record<string, unknown> } = {};
  if (existsSync(file)) {
    try {
      existing = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      existing = {};
    }
  }
  const run = {
    startedAt: startedAt.toISOString(),
    machine,
    settings: { duration: args.duration, warmup: args.warmup, rounds: args.rounds, connections: args.connections, endpoint: 'POST /v1/transfers' },
    ratios: ratios(results),
    targets: { firstOverBaseline: 0.85, replayOverFirst: 2 },
    loadAverageAtStart: args.loadAverageAtStart,
    scenarios: results,
  };
  const document = { runs: { ...(existing.runs ?? {}), [args.db]: run } };
  writeFileSync(`${file}.tmp`, `${JSON.stringify(document, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
  return file;
}
