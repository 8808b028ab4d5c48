import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ChartRun, niceAxis, renderChart } from './chart';

function run(overrides: Partial<ChartRun> = {}): ChartRun {
  return {
    startedAt: '2026-11-28T00:14:23.808Z',
    machine: { cpuModel: 'AMD EPYC', cores: 2, node: 'v24.22.3', database: 'MariaDB 10.11.19' },
    settings: { duration: 20, rounds: 4, endpoint: 'POST /v1/transfers' },
    ratios: { firstOverBaseline: 0.845, replayOverFirst: 2.459 },
    targets: { firstOverBaseline: 0.85, replayOverFirst: 2 },
    scenarios: [
      { name: 'baseline', title: 'baseline (IDEMPOTENCY_ENABLED=false)', connections: 10, rps: 1000, latencyMs: { p50: 9, p99: 20 } },
      { name: 'first', title: 'first execution (fresh key)', connections: 10, rps: 800, latencyMs: { p50: 11, p99: 22 } },
      { name: 'contended', title: 'contended (16 connections, 4 hot keys)', connections: 16, rps: 1600, latencyMs: { p50: 7, p99: 40 } },
    ],
    ...overrides,
  };
}

/** Width of the bar of one scenario and metric. */
function barWidth(svg: string, scenario: string, metric: string): number {
  const match = new RegExp(`<rect class="bar" data-scenario="${scenario}" data-metric="${metric}" [^>]*width="([\\d.]+)"`).exec(svg);
  if (!match) throw new Error(`no ${metric} bar for ${scenario}`);
  return Number(match[1]);
}

/** Every element closed, in order: the file is XML a viewer can open. */
function expectWellFormed(svg: string): void {
  const open: string[] = [];
  for (const [, closing, name, selfClosing] of svg.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    if (selfClosing) continue;
    if (closing) expect(open.pop()).toBe(name);
    else open.push(name);
  }
  expect(open).toEqual([]);
  expect(svg.replace(/&(amp|lt|gt|quot);/g, '')).not.toMatch(/&|<(?![a-zA-Z/])/);
}

describe('bench chart', () => {
  it('draws req/s and p50/p99 bars proportional to the results, labelled by scenario and connections', () => {
    const svg = renderChart({ runs: { mysql: run() } });
    expectWellFormed(svg);
    expect(barWidth(svg, 'first', 'rps') / barWidth(svg, 'baseline', 'rps')).toBeCloseTo(0.8, 3);
    expect(barWidth(svg, 'contended', 'rps') / barWidth(svg, 'baseline', 'rps')).toBeCloseTo(1.6, 3);
    expect(barWidth(svg, 'contended', 'p99') / barWidth(svg, 'baseline', 'p50')).toBeCloseTo(40 / 9, 3);
    for (const label of [
      'first execution',
      '10 conns · fresh key',
      '16 connections, 4 hot keys',
      '10 conns · IDEMPOTENCY_ENABLED=false',
      '1600',
      '22 ms',
    ]) {
      expect(svg).toContain(`>${label}<`);
    }
    expect(svg).toContain('POST /v1/transfers on MariaDB 10.11.19, Node v24.22.3');
    expect(svg).toContain('first execution / baseline 0.845 (target ≥ 0.85)');
    expect(svg).toContain('4 alternating rounds');
  });

  it('stacks one section per database of the results file', () => {
    const svg = renderChart({
      runs: {
        mysql: run(),
        sqlite: run({
          machine: { ...run().machine, database: 'SQLite 3.53.2' },
          settings: { duration: 3, rounds: 1, endpoint: 'POST /v1/transfers' },
        }),
      },
    });
    expectWellFormed(svg);
    expect(svg.match(/<g class="run"/g)).toHaveLength(2);
    expect(svg).toContain('data-db="sqlite"');
    expect(svg).toContain('on SQLite 3.53.2');
    const height = Number(/<svg [^>]*height="(\d+)"/.exec(svg)![1]);
    expect(height).toBeGreaterThan(Number(/<svg [^>]*height="(\d+)"/.exec(renderChart({ runs: { mysql: run() } }))![1]));
  });

  it('escapes text from the results file', () => {
    const svg = renderChart({ runs: { 'a<b': run({ machine: { ...run().machine, cpuModel: 'Fast & "Cheap" <CPU>' } }) } });
    expectWellFormed(svg);
    expect(svg).toContain('Fast &amp; &quot;Cheap&quot; &lt;CPU&gt;');
    expect(svg).toContain('data-db="a&lt;b"');
  });

  it('refuses a results file with nothing to draw', () => {
    expect(() => renderChart({ runs: {} })).toThrow(/no run with scenarios/);
    expect(() => renderChart({ runs: { mysql: run({ scenarios: [] }) } })).toThrow(/no run with scenarios/);
  });

  it.each([
    [2168.8, 2500, 500],
    [1043.7, 1200, 200],
    [23.3, 25, 5],
    [73, 80, 20],
    [0.4, 0.4, 0.1],
  ])('axis for a maximum of %p runs to %p in steps of %p', (max, axisMax, step) => {
    const axis = niceAxis(max);
    expect(axis.step).toBeCloseTo(step, 9);
    expect(axis.max).toBeCloseTo(axisMax, 9);
  });

  it("the README's chart is the drawing of the results file it names", () => {
    const root = join(__dirname, '..');
    const image = /!\[[^\]]*\]\((bench\/results\/[\w-]+)\.svg\)/.exec(readFileSync(join(root, 'README.md'), 'utf8'));
    expect(image).not.toBeNull();
    const base = join(root, image![1]);
    expect(existsSync(`${base}.json`)).toBe(true);
    // After a change to the drawing: npm run build && node dist/bench/chart.js <that file>.json
    expect(readFileSync(`${base}.svg`, 'utf8')).toBe(renderChart(JSON.parse(readFileSync(`${base}.json`, 'utf8'))));
  });
});
