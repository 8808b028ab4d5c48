'use strict';
/**
 * One line about the running Node.js, before `npm install` / `npm ci` (preinstall) and `npm start`
 * (prestart). Plain CommonJS with no dependencies: it runs before anything is installed or built.
 *
 * - Inside `engines.node` (what every dependency declares it needs): silent.
 * - Node 20.19 or later, outside `engines.node`: one warning line, exit 0. The dependencies say
 *   Node 22.12+, yet everything installs and the whole test suite passes on 20.19+ (CI runs it), so
 *   machines still on Node 20 are not locked out; Node 20 has had no security fixes since April 2026.
 * - Older than 20.19: one error line, exit 1. NestJS 12 ships ES modules that only Node 20.19+ can
 *   require(); the app would fail later with a far less clear error.
 */
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

/** The oldest Node this project runs on at all (require() of ES modules). */
const RUNS_FROM = '20.19.0';

function parseVersion(text) {
  const match = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(String(text).trim());
  if (!match) throw new Error(`not a version: ${text}`);
  return match.slice(1, 4).map(Number);
}

function compare(a, b) {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/**
 * Whether `version` satisfies `range`, for the form `engines.node` uses here: caret ranges joined
 * by `||` (`^22.22.3 || ^24.15.0`). Any other form is refused rather than guessed.
 */
function satisfies(version, range) {
  const v = parseVersion(version);
  return range.split('||').some((part) => {
    const caret = /^\s*\^(\d+\.\d+\.\d+)\s*$/.exec(part);
    if (!caret) throw new Error(`engines.node: only ^x.y.z ranges joined by || are understood, got "${part.trim()}"`);
    const low = parseVersion(caret[1]);
    return v[0] === low[0] && compare(v, low) >= 0;
  });
}

/** The line to print, or undefined when this Node is supported; `fatal` when it cannot run the app. */
function supportNotice(version, range) {
  if (satisfies(version, range)) return undefined;
  if (compare(parseVersion(version), parseVersion(RUNS_FROM)) < 0) {
    return {
      fatal: true,
      line: `Node ${version} cannot run this project (NestJS 12 needs ${RUNS_FROM} or later); supported: ${range}. Use Node 24 LTS.`,
    };
  }
  return {
    fatal: false,
    line: `Node ${version} is not supported (end of life); it works for now, but the dependencies need ${range}: use Node 24 LTS (README, "Node.js versions").`,
  };
}

function main() {
  const range = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')).engines.node;
  const notice = supportNotice(process.version, range);
  if (!notice) return;
  console.error(notice.fatal ? `error: ${notice.line}` : `warning: ${notice.line}`);
  if (notice.fatal) process.exitCode = 1;
}

module.exports = { satisfies, supportNotice, RUNS_FROM };

if (require.main === module) main();
