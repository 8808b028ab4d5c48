/**
 * A fault hook for crash tests: when the explicit test setting `TEST_CRASH_AT` names `point`, the
 * process kills itself there with SIGKILL (no shutdown hooks, no rollback by the app), as a power
 * cut would. Without the setting this does nothing.
 */
export function crashPoint(point: string): void {
  const at = process.env.TEST_CRASH_AT;
  if (at && at === point) process.kill(process.pid, 'SIGKILL');
}
