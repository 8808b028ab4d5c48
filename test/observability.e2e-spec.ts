import { createHash, randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { bootTestApp, bearer, TestApp } from './support/app';
import { createTestDatabase, TestDatabase } from './support/databases';
import { startServer, ServerProcess } from './support/server-process';

describe.each(['express', 'fastify'] as const)('metrics and rate limits on %s', (adapter) => {
  let db: TestDatabase;
  let t: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    t = await bootTestApp(db.url, { adapter, env: { RATE_LIMIT_PER_MINUTE: '8' } });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('/metrics counts requests by route pattern and idempotency outcomes, and never shows a key', async () => {
    const key = `metrics-secret-key-${randomBytes(4).toString('hex')}`;
    const create = () => t.http.post('/v1/accounts').set(bearer(t.apiKey)).set('Idempotency-Key', key).send({ name: 'm', currency: 'usd' });
    expect((await create()).status).toBe(201);
    expect((await create()).headers['idempotent-replayed']).toBe('true');
    const account = (await create()).body.id;
    expect((await t.http.get(`/v1/accounts/${account}`).set(bearer(t.apiKey))).status).toBe(200);

    const metrics = await t.http.get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(/http_request_duration_seconds_count\{method="POST",route="\/v1\/accounts",status="201"\} 3/);
    expect(metrics.text).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/v1\/accounts\/:id",status="200"\} 1/);
    expect(metrics.text).toMatch(/idempotency_outcomes_total\{outcome="executed"\} 1/);
    expect(metrics.text).toMatch(/idempotency_outcomes_total\{outcome="replayed"\} 2/);
    expect(metrics.text).not.toContain(key);
    expect(metrics.text).not.toContain(account);
  });

  it('rate limits per client with 429 problem+json and Retry-After, before the idempotency layer stores anything', async () => {
    const apiKey = await t.newClient('limited');
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await t.http.get('/v1/accounts').set(bearer(apiKey))).status);
    expect(statuses.every((s) => s === 200)).toBe(true);

    const limited = await t.http.post('/v1/accounts').set(bearer(apiKey)).set('Idempotency-Key', 'throttled-key').send({ name: 'x', currency: 'usd' });
    expect(limited.status).toBe(429);
    expect(limited.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(limited.body.code).toBe('rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    const [{ n }] = await t.app.get(DataSource).query("SELECT COUNT(*) AS n FROM idempotency_keys WHERE idempotency_key = 'throttled-key'");
    expect(Number(n)).toBe(0);

    // Another client is not limited by the first one's traffic.
    expect((await t.http.get('/v1/accounts').set(bearer(await t.newClient('other')))).status).toBe(200);
  });
});

describe('request logs', () => {
  let db: TestDatabase;
  let server: ServerProcess;
  const apiKey = `sk_test_${randomBytes(18).toString('hex')}`;

  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    server = await startServer({ DATABASE_URL: db.url, BOOTSTRAP_API_KEY: apiKey, LOG_LEVEL: 'info' });
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  it('writes one JSON line per request with request id, client, route, status, duration and outcome; no secrets', async () => {
    const key = `log-key-${randomBytes(6).toString('hex')}`;
    const res = await fetch(`${server.url}/v1/accounts`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json', 'Idempotency-Key': key, 'X-Request-Id': 'req-log-test-1' },
      body: JSON.stringify({ name: 'logged', currency: 'usd' }),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-request-id')).toBe('req-log-test-1');
    await new Promise((resolve) => setTimeout(resolve, 200)); // let the line reach the pipe

    const lines = server
      .output()
      .split('\n')
      .filter((line) => line.includes('req-log-test-1'))
      .map((line) => JSON.parse(line));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      reqId: 'req-log-test-1',
      route: '/v1/accounts',
      res: { status: 201 },
      idempotency_outcome: 'executed',
      msg: 'request completed',
    });
    expect(lines[0].client_id).toMatch(/^cli_/);
    expect(lines[0].api_key_id).toMatch(/^key_/);
    expect(typeof lines[0].responseTime).toBe('number');
    expect(lines[0].idempotency_key_hash).toMatch(/^[0-9a-f]{12}$/);
    expect(server.output()).not.toContain(key);
    expect(server.output()).not.toContain(apiKey);
  });
});

describe.each(['express', 'fastify'] as const)('keys in request logs on %s', (adapter) => {
  let db: TestDatabase;
  let server: ServerProcess;
  const apiKey = `sk_test_${randomBytes(18).toString('hex')}`;

  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    server = await startServer({ DATABASE_URL: db.url, BOOTSTRAP_API_KEY: apiKey, LOG_LEVEL: 'info', HTTP_ADAPTER: adapter });
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  it('a key in the path of GET /v1/idempotency-keys/<key> is logged only as its short hash, on found and unknown keys alike', async () => {
    const key = `path-key-${randomBytes(8).toString('hex')}`;
    const headers = { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' };
    const created = await fetch(`${server.url}/v1/accounts`, {
      method: 'POST',
      headers: { ...headers, 'Idempotency-Key': key },
      body: JSON.stringify({ name: 'logged', currency: 'usd' }),
    });
    expect(created.status).toBe(201);
    const unknown = `unknown-key-${randomBytes(8).toString('hex')}`;
    const lookups = [
      [key, 'lookup-found'],
      [unknown, 'lookup-unknown'],
      [encodeURIComponent(`"${key}"`), 'lookup-quoted'],
    ];
    for (const [segment, requestId] of lookups) {
      await fetch(`${server.url}/v1/idempotency-keys/${segment}`, { headers: { ...headers, 'X-Request-Id': requestId } });
    }
    await new Promise((resolve) => setTimeout(resolve, 200)); // let the lines reach the pipe

    const output = server.output();
    expect(output).not.toContain(key);
    expect(output).not.toContain(unknown);
    const lineOf = (requestId: string) => output.split('\n').filter((line) => line.includes(`"${requestId}"`)).map((line) => JSON.parse(line))[0];
    const hash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 12);
    expect(lineOf('lookup-found')).toMatchObject({ req: { path: `/v1/idempotency-keys/#${hash(key)}` }, idempotency_key_hash: hash(key), res: { status: 200 } });
    expect(lineOf('lookup-unknown')).toMatchObject({ req: { path: `/v1/idempotency-keys/#${hash(unknown)}` }, res: { status: 404 } });
    expect(lineOf('lookup-quoted').req.path).toBe(`/v1/idempotency-keys/#${hash(`"${key}"`)}`);
  });
});
