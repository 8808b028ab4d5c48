import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startServer, ServerProcess } from './support/server-process';
import { createTestDatabase, TestDatabase } from './support/databases';
import { CHROMIUM, describeWithBrowser } from './support/browser';

const ARTIFACTS = join(__dirname, 'artifacts');

/**
 * A person's view of the docs: Debian's Chromium opens /docs, expands the transfer operation and
 * finds the Idempotency-Key header. Needs /usr/bin/chromium (`.ci/run` installs it and requires
 * it); elsewhere, without it, global setup says so loudly and the suite is listed as skipped.
 */
describeWithBrowser('OpenAPI UI in a browser', () => {
  let db: TestDatabase;
  let server: ServerProcess;

  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    server = await startServer({ DATABASE_URL: db.url, BOOTSTRAP_API_KEY: 'sk_test_docs_browser_0123456789' });
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  it('shows the Idempotency-Key header on POST /v1/transfers', async () => {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
      await page.goto(`${server.url}/docs`);
      const operation = page.locator('#operations-transfers-TransfersController_create');
      await operation.locator('.opblock-summary').click();
      const header = operation.locator('tr[data-param-name="Idempotency-Key"]');
      await header.waitFor({ timeout: 15_000 });
      expect(await header.innerText()).toContain('Idempotency-Key');
      // Swagger UI marks a required parameter's name with the `required` class (shown as a star).
      expect(await header.locator('.parameter__name.required').count()).toBe(1);
      expect(await header.innerText()).toContain('header');
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'docs-transfers.png'), fullPage: false });
    } finally {
      await browser.close();
    }
  });
});
