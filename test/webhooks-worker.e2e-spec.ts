import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { bootstrapApiKey } from './support/process-client';
import { createTestDatabase, describeOnMysql, TestDatabase } from './support/databases';
import { ServerProcess, startServer } from './support/server-process';
import { eventually, WebhookReceiver } from './support/webhook-receiver';

const WORKER = join(__dirname, '..', 'dist', 'src', 'worker.js');

/**
 * `npm run worker` alone delivers what app processes without a dispatcher commit: the outbox is
 * in the database, not in the process that wrote it.
 */
describeOnMysql('the worker process on %s', (kind) => {
  let db: TestDatabase;
  let server: ServerProcess;
  let worker: ChildProcess | undefined;
  let hooks: WebhookReceiver;
  const apiKey = bootstrapApiKey();
  const env = { WEBHOOK_ALLOW_PRIVATE_URLS: 'true', WEBHOOKS_POLL_MS: '50', LOG_LEVEL: 'warn' };

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    hooks = await WebhookReceiver.start();
    server = await startServer({ ...env, DATABASE_URL: db.url, BOOTSTRAP_API_KEY: apiKey, WEBHOOKS_DISPATCHER_ENABLED: 'false' });
  });
  afterAll(async () => {
    await server?.kill();
    if (worker && worker.exitCode === null) worker.kill('SIGKILL');
    await hooks?.close();
    await db?.drop();
  });

  it('delivers events committed while it was not running, then stops cleanly on SIGTERM', async () => {
    const call = (path: string, body: object) =>
      fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json', 'Idempotency-Key': `worker-${Math.random()}` },
        body: JSON.stringify(body),
      }).then(async (res) => ({ status: res.status, body: (await res.json()) as any }));
    expect((await call('/v1/webhook-endpoints', { url: hooks.url })).status).toBe(201);
    const account = await call('/v1/accounts', { name: 'w', currency: 'usd' });
    for (const amount of [10, 20, 30]) expect((await call(`/v1/accounts/${account.body.id}/deposits`, { amount, currency: 'usd' })).status).toBe(201);
    // The app has no dispatcher: nothing leaves until the worker runs.
    expect(hooks.received).toEqual([]);

    let output = '';
    worker = spawn(process.execPath, [WORKER], { env: { ...process.env, ...env, DATABASE_URL: db.url }, stdio: ['ignore', 'pipe', 'pipe'] });
    worker.stdout!.on('data', (c) => (output += c));
    worker.stderr!.on('data', (c) => (output += c));
    await eventually('three deposits delivered', () => hooks.received.length === 3);
    expect(hooks.received.map((r) => JSON.parse(r.body).data.object.amount)).toEqual([10, 20, 30]);
    expect(output).toContain('payments worker running');

    const exited = new Promise<number | null>((resolve) => worker!.once('exit', (code) => resolve(code)));
    worker.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
