import { existsSync } from 'node:fs';

/** The Chromium the /docs browser suite drives: Debian's, or `CHROMIUM_PATH`. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const yes = (value: string | undefined) => value === '1' || value === 'true';

/**
 * Decides once, in global setup, whether the browser suite runs, and publishes it as `TEST_BROWSER`.
 * Like MySQL: without Chromium the suite is left out with one loud line saying how to get it; under
 * CI (`CI=true`) or `REQUIRE_BROWSER=1` the whole run fails here instead.
 */
export function decideBrowser(): void {
  if (process.env.TEST_BROWSER !== undefined) return;
  if (existsSync(CHROMIUM)) {
    process.env.TEST_BROWSER = '1';
    return;
  }
  if (yes(process.env.REQUIRE_BROWSER) || yes(process.env.CI)) {
    throw new Error(
      `${CHROMIUM} is missing and the /docs browser suite is required (CI or REQUIRE_BROWSER): apt-get install chromium, or set CHROMIUM_PATH`,
    );
  }
  console.warn(
    `\n*** ${CHROMIUM} is missing: the /docs browser suite is NOT run (apt-get install chromium, or set CHROMIUM_PATH; CI=true or REQUIRE_BROWSER=1 makes this an error) ***\n`,
  );
  process.env.TEST_BROWSER = '0';
}

/** A suite that drives Chromium: listed as skipped where global setup left the browser out. */
export function describeWithBrowser(name: string, suite: () => void): void {
  if (process.env.TEST_BROWSER === '0') describe.skip(name, suite);
  else describe(name, suite);
}
