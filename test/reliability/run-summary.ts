import type { Connection } from 'mysql2/promise';
import { checkInvariants, formatSummary, InvariantReport, RunStats } from './invariants';
import { SCALE, SEED } from './reliability-settings';

/**
 * How every reliability suite ends: read the database, print the one-screen summary of the run
 * (with this run's seed and scale) and fail on any violated invariant.
 */
export async function expectInvariantsHold(sql: Connection, run: Omit<RunStats, 'seed' | 'scale'>): Promise<InvariantReport> {
  const report = await checkInvariants(sql);
  console.log(formatSummary(report, { ...run, seed: SEED, scale: SCALE }));
  expect(report.results.filter((result) => !result.ok)).toEqual([]);
  return report;
}
