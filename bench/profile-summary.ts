/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`): the functions with the most self time,
 * and self time by package (node_modules/<package>, the app's dist/src, Node internals, GC…).
 *
 *   node dist/bench/profile-summary.js <file.cpuprofile | dir> [--top 30] [--skip <s>] [--callers <function>]
 *
 * --skip leaves out the first seconds (start-up, fixtures, warm-up). Self time here is wall time on
 * the main thread: on a saturated machine a syscall that wakes the database (writeBuffer) also
 * collects the time the process waited to be scheduled again.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  children?: number[];
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

function latestProfile(path: string): string {
  if (!statSync(path).isDirectory()) return path;
  const files = readdirSync(path).filter((f) => f.endsWith('.cpuprofile'));
  if (!files.length) throw new Error(`no .cpuprofile in ${path}`);
  return join(path, files.sort((a, b) => statSync(join(path, b)).mtimeMs - statSync(join(path, a)).mtimeMs)[0]);
}

/** Where a function lives: an npm package, the app, Node itself, or V8's pseudo-frames. */
function packageOf(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  const modules = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1];
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0];
  const app = /\/dist\/(src|bench)\/(.*)$/.exec(url);
  if (app) return `app ${app[1]}/${app[2].split('/')[0]}`;
  return url;
}

function shortUrl(url: string): string {
  return url.replace(/^file:\/\//, '').replace(/^.*node_modules\//, '').replace(/^.*\/dist\//, 'dist/');
}

function main(): void {
  const argv = process.argv.slice(2);
  const option = (name: string, fallback: number) => (argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : fallback);
  const top = option('--top', 30);
  const skipUs = option('--skip', 0) * 1e6;
  const target = argv.find((a, i) => !a.startsWith('--') && !argv[i - 1]?.startsWith('--'));
  if (!target) {
    console.error('usage: node dist/bench/profile-summary.js <file.cpuprofile | dir> [--top 30] [--skip <s>]');
    process.exit(2);
  }
  const file = latestProfile(target);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  let at = 0;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    if (at >= skipUs) selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });

  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const functions = new Map<string, number>();
  const packages = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const name = `${functionName || '(anonymous)'} ${url ? `${shortUrl(url)}:${lineNumber + 1}` : ''}`.trim();
    functions.set(name, (functions.get(name) ?? 0) + us);
    const pkg = packageOf(url, functionName);
    packages.set(pkg, (packages.get(pkg) ?? 0) + us);
  }
  const idle = (functions.get('(idle)') ?? 0);
  const busy = total - idle;
  const pct = (us: number) => `${((us / busy) * 100).toFixed(1).padStart(5)} %`;
  const ms = (us: number) => `${(us / 1000).toFixed(0).padStart(7)} ms`;
  console.log(`${file}\nprofiled ${(total / 1e6).toFixed(1)} s, busy ${(busy / 1e6).toFixed(1)} s (${((busy / total) * 100).toFixed(0)} %); shares below are of busy time\n`);
  console.log(`top ${top} functions by self time:`);
  for (const [name, us] of [...functions].filter(([n]) => n !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${ms(us)} ${pct(us)}  ${name}`);
  }
  // Native frames (writeBuffer, writev…) say little on their own: show which JS called them.
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const nativeTop = [...functions].filter(([n]) => !n.includes(' ') && !n.startsWith('(')).sort((a, b) => b[1] - a[1]).slice(0, 3);
  const asked = argv.filter((_, i) => argv[i - 1] === '--callers');
  for (const native of [...nativeTop.map(([n]) => n), ...asked]) {
    const callers = new Map<string, number>();
    for (const [id, us] of selfUs) {
      if ((byId.get(id)!.callFrame.functionName || '(anonymous)') !== native) continue;
      const chain: string[] = [];
      for (let p = parent.get(id), depth = 0; p !== undefined && chain.length < 3 && depth < 60; p = parent.get(p), depth++) {
        const frame = byId.get(p)!.callFrame;
        if (frame.url && !frame.url.startsWith('node:')) chain.push(`${frame.functionName || '(anonymous)'} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`);
      }
      const key = chain.join(' < ') || '(no JS caller)';
      callers.set(key, (callers.get(key) ?? 0) + us);
    }
    console.log(`\n${native}: called from`);
    for (const [chain, us] of [...callers].sort((a, b) => b[1] - a[1]).slice(0, 6)) console.log(`${ms(us)} ${pct(us)}  ${chain}`);
  }
  console.log('\nself time by package:');
  for (const [name, us] of [...packages].filter(([n]) => n !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${ms(us)} ${pct(us)}  ${name}`);
  }
}

main();
