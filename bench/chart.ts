/**
 * The bench's results as an SVG chart: req/s and p50/p99 latency per scenario and connection count,
 * one section per database the results file holds. Hand-written SVG, no browser or library needed.
 *
 * `npm run bench` writes it beside its JSON (`bench/results/<date>.svg`); to draw it again from
 * an existing results file: `node dist/bench/chart.js bench/results/<date>.json`.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { ScenarioResult } from './measure';
import type { MachineInfo } from './report';

type ChartScenario = Pick<ScenarioResult, 'name' | 'title' | 'connections' | 'rps'> & { latencyMs: Pick<ScenarioResult['latencyMs'], 'p50' | 'p99'> };

/** One run of a results file, as `writeResults` stores it (the fields the chart reads). */
export interface ChartRun {
  startedAt: string;
  machine: Pick<MachineInfo, 'cpuModel' | 'cores' | 'node' | 'database'>;
  settings: { duration: number; rounds: number; endpoint: string };
  ratios?: { firstOverBaseline?: number; replayOverFirst?: number };
  targets?: { firstOverBaseline?: number; replayOverFirst?: number };
  scenarios: ChartScenario[];
}

export interface ResultsDocument {
  runs: Record<string, ChartRun>;
}

const WIDTH = 960;
const LABELS_RIGHT = 236;
const RPS = { x: 250, width: 270 };
const LATENCY = { x: 620, width: 270 };
const ROW = 40;
const HEADER = 82;
const AXIS = 26;
const COLORS = { baseline: '#8a8f98', rps: '#2f6db5', p50: '#2f6db5', p99: '#9dbde3', grid: '#e3e6ea', text: '#1f2328', muted: '#59636e' };

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A round axis maximum and its step (1, 2 or 5 × 10^k), at most 6 steps. */
export function niceAxis(max: number): { max: number; step: number } {
  if (!(max > 0)) return { max: 1, step: 0.2 };
  const raw = max / 6;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!;
  return { max: Math.ceil(max / step - 1e-9) * step, step };
}

function format(value: number): string {
  return Number.isInteger(value) ? String(value) : value >= 100 ? value.toFixed(0) : String(Math.round(value * 10) / 10);
}

/** `first execution (fresh key)` at 10 connections → [`first execution`, `10 conns · fresh key`]. */
function labelLines(scenario: ChartScenario): [string, string] {
  const match = /^(.*?) \((.*)\)$/.exec(scenario.title);
  const [head, detail] = match ? [match[1], match[2]] : [scenario.title, ''];
  const conns = `${scenario.connections} conns`;
  return [head, detail.includes('connections') ? detail : detail ? `${conns} · ${detail}` : conns];
}

function axis(left: number, width: number, top: number, height: number, scale: { max: number; step: number }, unit: string): string[] {
  const parts: string[] = [];
  for (let tick = 0; tick <= scale.max + 1e-9; tick += scale.step) {
    const x = left + (tick / scale.max) * width;
    parts.push(`<line x1="${x.toFixed(1)}" y1="${top}" x2="${x.toFixed(1)}" y2="${top + height}" stroke="${COLORS.grid}"/>`);
    parts.push(
      `<text x="${x.toFixed(1)}" y="${top + height + 14}" text-anchor="middle" font-size="10" fill="${COLORS.muted}">${format(Math.round(tick * 1000) / 1000)}</text>`,
    );
  }
  parts.push(
    `<text x="${left + width / 2}" y="${top + height + AXIS}" text-anchor="middle" font-size="11" fill="${COLORS.muted}">${escape(unit)}</text>`,
  );
  return parts;
}

function bar(
  scenario: string,
  metric: string,
  x: number,
  y: number,
  width: number,
  height: number,
  color: string,
  value: number,
  unit: string,
): string[] {
  return [
    `<rect class="bar" data-scenario="${escape(scenario)}" data-metric="${metric}" x="${x}" y="${y.toFixed(1)}" width="${width.toFixed(2)}" height="${height}" fill="${color}"/>`,
    `<text x="${(x + width + 4).toFixed(1)}" y="${(y + height - 2).toFixed(1)}" font-size="10" fill="${COLORS.text}">${format(value)}${unit}</text>`,
  ];
}

function ratioLine(run: ChartRun): string {
  const parts: string[] = [];
  const { firstOverBaseline, replayOverFirst } = run.ratios ?? {};
  if (firstOverBaseline !== undefined)
    parts.push(`first execution / baseline ${firstOverBaseline} (target ≥ ${run.targets?.firstOverBaseline ?? 0.85})`);
  if (replayOverFirst !== undefined) parts.push(`replay / first execution ${replayOverFirst} (target ≥ ${run.targets?.replayOverFirst ?? 2})`);
  return parts.length ? `req/s ratios: ${parts.join(' · ')}` : '';
}

/** One database's run: header, scenario labels, req/s bars, p50/p99 bars. Returns its markup and height. */
function section(db: string, run: ChartRun, top: number): { markup: string[]; height: number } {
  const plotTop = top + HEADER;
  const plotHeight = run.scenarios.length * ROW;
  const rpsScale = niceAxis(Math.max(...run.scenarios.map((s) => s.rps)));
  const latencyScale = niceAxis(Math.max(...run.scenarios.map((s) => s.latencyMs.p99)));
  const { machine, settings } = run;
  const when = run.startedAt.slice(0, 16).replace('T', ' ');
  const rounds = settings.rounds > 1 ? `, baseline and first execution in ${settings.rounds} alternating rounds` : '';
  const m: string[] = [
    `<g class="run" data-db="${escape(db)}">`,
    `<text x="12" y="${top + 20}" font-size="14" font-weight="600" fill="${COLORS.text}">${escape(`${settings.endpoint} on ${machine.database}, Node ${machine.node}`)}</text>`,
    `<text x="12" y="${top + 37}" font-size="11" fill="${COLORS.muted}">${escape(`${when} UTC · ${machine.cpuModel} (${machine.cores} cores) · ${settings.duration} s per scenario${rounds}`)}</text>`,
    `<text x="12" y="${top + 53}" font-size="11" fill="${COLORS.muted}">${escape(ratioLine(run))}</text>`,
    `<text x="${RPS.x}" y="${plotTop - 4}" font-size="11" font-weight="600" fill="${COLORS.text}">throughput (req/s, higher is better)</text>`,
    `<text x="${LATENCY.x}" y="${plotTop - 4}" font-size="11" font-weight="600" fill="${COLORS.text}">latency (ms, lower is better): <tspan fill="${COLORS.p50}">■ p50</tspan> <tspan fill="${COLORS.p99}">■ p99</tspan></text>`,
    ...axis(RPS.x, RPS.width, plotTop, plotHeight, rpsScale, 'requests per second'),
    ...axis(LATENCY.x, LATENCY.width, plotTop, plotHeight, latencyScale, 'milliseconds'),
  ];
  run.scenarios.forEach((s, i) => {
    const y = plotTop + i * ROW;
    const [head, detail] = labelLines(s);
    m.push(`<text x="${LABELS_RIGHT}" y="${y + 17}" text-anchor="end" font-size="12" font-weight="600" fill="${COLORS.text}">${escape(head)}</text>`);
    m.push(`<text x="${LABELS_RIGHT}" y="${y + 31}" text-anchor="end" font-size="10" fill="${COLORS.muted}">${escape(detail)}</text>`);
    const rpsColor = s.name === 'baseline' ? COLORS.baseline : COLORS.rps;
    m.push(...bar(s.name, 'rps', RPS.x, y + 10, (s.rps / rpsScale.max) * RPS.width, 20, rpsColor, s.rps, ''));
    m.push(...bar(s.name, 'p50', LATENCY.x, y + 7, (s.latencyMs.p50 / latencyScale.max) * LATENCY.width, 12, COLORS.p50, s.latencyMs.p50, ' ms'));
    m.push(...bar(s.name, 'p99', LATENCY.x, y + 21, (s.latencyMs.p99 / latencyScale.max) * LATENCY.width, 12, COLORS.p99, s.latencyMs.p99, ' ms'));
  });
  m.push('</g>');
  return { markup: m, height: HEADER + plotHeight + AXIS + 18 };
}

/** The chart of every run in a results document, one section per database, stacked. */
export function renderChart(document: ResultsDocument): string {
  const runs = Object.entries(document.runs).filter(([, run]) => run.scenarios.length > 0);
  if (!runs.length) throw new Error('the results hold no run with scenarios to chart');
  const body: string[] = [];
  let top = 0;
  for (const [db, run] of runs) {
    const { markup, height } = section(db, run, top);
    body.push(...markup);
    top += height;
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${top}" viewBox="0 0 ${WIDTH} ${top}" font-family="-apple-system, 'Segoe UI', Helvetica, Arial, sans-serif">`,
    `<title>${escape(`Bench: ${runs.map(([db, run]) => `${db} ${run.startedAt.slice(0, 10)}`).join(', ')}`)}</title>`,
    `<rect width="${WIDTH}" height="${top}" fill="#ffffff"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

/** Writes the chart of a results file beside it (`<date>.json` → `<date>.svg`); returns its path. */
export function writeChart(resultsFile: string): string {
  const file = resultsFile.replace(/\.json$/, '.svg');
  writeFileSync(`${file}.tmp`, renderChart(JSON.parse(readFileSync(resultsFile, 'utf8'))));
  renameSync(`${file}.tmp`, file);
  return file;
}

if (require.main === module) {
  const files = process.argv.slice(2);
  if (!files.length || files.some((f) => !f.endsWith('.json'))) {
    console.error('usage: node dist/bench/chart.js bench/results/<date>.json [more.json …]');
    process.exit(2);
  }
  for (const file of files) console.log(`chart written to ${writeChart(file)}`);
}
