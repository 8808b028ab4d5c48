import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

interface NodeSupport {
  satisfies(version: string, range: string): boolean;
  supportNotice(version: string, range: string): { fatal: boolean; line: string } | undefined;
}
// Plain CommonJS on purpose: it runs at preinstall, before TypeScript or any dependency is there.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { satisfies, supportNotice } = require('./node-support.cjs') as NodeSupport;

const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8'));
const RANGE = '^22.22.3 || ^24.15.0 || ^26.0.0';

describe('node-support', () => {
  it.each([
    ['v24.15.0', true],
    ['v24.22.3', true],
    ['v22.22.3', true],
    ['v26.0.0', true],
    ['v24.14.9', false],
    ['v22.12.0', false],
    ['v23.11.0', false],
    ['v25.1.0', false],
    ['v27.0.0', false],
    ['v20.20.2', false],
  ])('%s is inside the range: %p', (version, expected) => {
    expect(satisfies(version, RANGE)).toBe(expected);
  });

  it('refuses range forms it does not understand instead of guessing', () => {
    expect(() => satisfies('v24.0.0', '>=22')).toThrow(/only \^x\.y\.z ranges/);
  });

  it('is silent on a supported Node, warns in one line on Node 20.19+, fails below 20.19', () => {
    expect(supportNotice('v24.22.3', RANGE)).toBeUndefined();
    const old = supportNotice('v20.20.2', RANGE)!;
    expect(old.fatal).toBe(false);
    expect(old.line).toContain('Node v20.20.2 is not supported');
    expect(old.line).toContain(RANGE);
    expect(old.line).not.toContain('\n');
    const ancient = supportNotice('v20.18.3', RANGE)!;
    expect(ancient.fatal).toBe(true);
    expect(ancient.line).toContain('cannot run this project');
  });

  it('package.json engines are in the form the check understands, and the script follows them', () => {
    expect(pkg.engines.node).toBe(RANGE);
    const run = spawnSync(process.execPath, [join(__dirname, 'node-support.cjs')], { encoding: 'utf8' });
    const notice = supportNotice(process.version, RANGE);
    expect(run.status).toBe(notice?.fatal ? 1 : 0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(notice ? `${notice.fatal ? 'error' : 'warning'}: ${notice.line}\n` : '');
  });

  it('npm runs it before installing and before starting', () => {
    const { scripts } = pkg;
    expect(scripts.preinstall).toBe('node scripts/node-support.cjs');
    expect(scripts.prestart).toMatch(/^node scripts\/node-support\.cjs && /);
  });
});
