import { DataSource } from 'typeorm';
import { verifyWebhookSignature, WebhookSignatureError } from '../src/client';
import { bearer, bootTestApp, TestApp } from './support/app';
import { createTestDatabase, databaseKinds, describeOnMysql, TestDatabase } from './support/databases';
import { expectProblem, freshKey, paymentsApi, PaymentsApi } from './support/payments-api';
import { eventually, WebhookReceiver } from './support/webhook-receiver';

/** Fast retries and polling, so that a test sees several attempts; loopback receivers allowed. */
const DELIVERY_ENV = {
  WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
  WEBHOOKS_POLL_MS: '50',
  WEBHOOK_RETRY_BASE_MS: '100',
  WEBHOOK_RETRY_CAP_MS: '400',
  WEBHOOK_TIMEOUT_MS: '3000',
  WEBHOOK_LEASE_MS: '10000',
};

describe.each(databaseKinds())('webhooks on %s', (kind) => {
  let db: TestDatabase;
  let t: TestApp;
  const receivers: WebhookReceiver[] = [];

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    t = await bootTestApp(db.url, { env: DELIVERY_ENV });
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all(receivers.map((r) => r.close()));
    await db?.drop();
  });

  const receiver = async (options: Parameters<typeof WebhookReceiver.start>[0] = {}) => {
    const r = await WebhookReceiver.start(options);
    receivers.push(r);
    return r;
  };
  const freshClient = async (): Promise<PaymentsApi & { apiKey: string }> => {
    const apiKey = await t.newClient();
    return Object.assign(paymentsApi(t.http, apiKey), { apiKey });
  };
  const createEndpoint = (apiKey: string, body: object, headers: Record<string, string> = {}) =>
    t.http
      .post('/v1/webhook-endpoints')
      .set({ ...bearer(apiKey), ...headers })
      .send(body);
  const attemptsOf = async (api: PaymentsApi, endpoint: string) =>
    (await api.get(`/v1/webhook-endpoints/${endpoint}/attempts?limit=100`)).body.data as any[];

  describe('endpoints', () => {
    it('creation shows the signing secret once; retrieve and list never do; delete removes it', async () => {
      const api = await freshClient();
      const created = await createEndpoint(api.apiKey, { url: 'https://example.com/hooks', events: ['transfer.created', 'deposit.created'] });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        id: expect.stringMatching(/^we_/),
        object: 'webhook_endpoint',
        url: 'https://example.com/hooks',
        enabled_events: ['transfer.created', 'deposit.created'],
        secret: expect.stringMatching(/^whsec_[A-Za-z0-9_-]{32}$/),
        created_at: expect.any(String),
      });
      expect(created.headers.location).toBe(`/v1/webhook-endpoints/${created.body.id}`);
      const { secret, ...shown } = created.body;
      expect((await api.get(`/v1/webhook-endpoints/${shown.id}`)).body).toEqual(shown);
      expect((await api.get('/v1/webhook-endpoints')).body).toEqual({ object: 'list', data: [shown], has_more: false });
      // Not stored as given: sealed (and encrypted when WEBHOOK_SECRETS_KEY is set).
      const [row] = await t.app.get(DataSource).query('SELECT secret FROM webhook_endpoints WHERE id = ?', [shown.id]);
      expect(row.secret).not.toBe(secret);

      const deleted = await t.http.delete(`/v1/webhook-endpoints/${shown.id}`).set(bearer(api.apiKey));
      expect(deleted.body).toEqual({ id: shown.id, object: 'webhook_endpoint', deleted: true });
      expectProblem(await api.get(`/v1/webhook-endpoints/${shown.id}`), 404, 'webhook_endpoint_not_found');
      expectProblem(await t.http.delete(`/v1/webhook-endpoints/${shown.id}`).set(bearer(api.apiKey)), 404, 'webhook_endpoint_not_found');
    });

    it('events defaults to all (*); a repeated creation under one key replays the same endpoint', async () => {
      const api = await freshClient();
      const key = freshKey();
      const first = await createEndpoint(api.apiKey, { url: 'https://example.com/a' }, { 'Idempotency-Key': key });
      const again = await createEndpoint(api.apiKey, { url: 'https://example.com/a' }, { 'Idempotency-Key': key });
      expect(first.body.enabled_events).toEqual(['*']);
      expect([again.status, again.headers['idempotent-replayed'], again.body.id]).toEqual([201, 'true', first.body.id]);
      expect((await api.get('/v1/webhook-endpoints')).body.data).toHaveLength(1);
    });

    it("another client's endpoint is a 404 for every route", async () => {
      const owner = await freshClient();
      const other = await freshClient();
      const { body } = await createEndpoint(owner.apiKey, { url: 'https://example.com/b' });
      expectProblem(await other.get(`/v1/webhook-endpoints/${body.id}`), 404, 'webhook_endpoint_not_found');
      expectProblem(await other.get(`/v1/webhook-endpoints/${body.id}/attempts`), 404, 'webhook_endpoint_not_found');
      expectProblem(await t.http.delete(`/v1/webhook-endpoints/${body.id}`).set(bearer(other.apiKey)), 404, 'webhook_endpoint_not_found');
      expect((await other.get('/v1/webhook-endpoints')).body.data).toEqual([]);
      expect((await owner.get(`/v1/webhook-endpoints/${body.id}`)).status).toBe(200);
    });

    it.each([
      ['no url', {}, 'url'],
      ['a url that is not a string', { url: 42 }, 'url'],
      ['a url that does not parse', { url: 'not a url' }, 'url'],
      ['an ftp url', { url: 'ftp://example.com/hooks' }, 'url'],
      ['credentials in the url', { url: 'https://user:pass@example.com/hooks' }, 'url'],
      ['a url over 2048 characters', { url: `https://example.com/${'a'.repeat(2048)}` }, 'url'],
      ['an empty events list', { url: 'https://example.com/h', events: [] }, 'events'],
      ['events as a string', { url: 'https://example.com/h', events: 'transfer.created' }, 'events'],
      ['an unknown event type', { url: 'https://example.com/h', events: ['transfer.deleted'] }, 'events'],
      ['an unknown field', { url: 'https://example.com/h', extra: 1 }, 'extra'],
    ])('%s is a 400 naming the field', async (_label, body, param) => {
      const api = await freshClient();
      expectProblem(await createEndpoint(api.apiKey, body), 400, 'validation_error', param as string);
    });
  });

  describe('delivery', () => {
    it('a receiver answering 500 three times then 200 gets one event four times, signed, and the attempts show it', async () => {
      const api = await freshClient();
      const hooks = await receiver({ script: [500, 500, 500, 200] });
      const endpoint = (await createEndpoint(api.apiKey, { url: hooks.url, events: ['deposit.created'] })).body;
      const alice = await api.openAccount('usd', 700);
      const [event] = await api.listAll('/v1/events');
      await eventually('the fourth attempt answered 200', async () => (await attemptsOf(api, endpoint.id)).some((a) => a.outcome === 'delivered'));

      expect(hooks.received.map((r) => [r.eventId, r.answered])).toEqual([
        [event.id, 500],
        [event.id, 500],
        [event.id, 500],
        [event.id, 200],
      ]);
      for (const copy of hooks.received) {
        expect(copy.body).toBe(hooks.received[0].body);
        expect(verifyWebhookSignature(copy.body, copy.headers['payments-signature'], endpoint.secret, 300)).toEqual(event);
      }
      expect(JSON.parse(hooks.received[0].body).data.object.account).toBe(alice);
      const attempts = await attemptsOf(api, endpoint.id);
      expect(attempts.map((a) => [a.attempt, a.status_code, a.outcome, a.event])).toEqual([
        [4, 200, 'delivered', event.id],
        [3, 500, 'retrying', event.id],
        [2, 500, 'retrying', event.id],
        [1, 500, 'retrying', event.id],
      ]);
    });

    it('a bad signature, another secret or a stale timestamp is refused by the client helper', async () => {
      const api = await freshClient();
      const hooks = await receiver();
      const endpoint = (await createEndpoint(api.apiKey, { url: hooks.url })).body;
      await api.openAccount('usd', 100);
      await eventually('the deposit was delivered', () => hooks.received.length === 1);
      const { body, headers } = hooks.received[0];
      const header = String(headers['payments-signature']);
      const t0 = Number(/t=(\d+)/.exec(header)![1]);
      expect(verifyWebhookSignature(body, header, endpoint.secret, 300, t0).id).toBe(JSON.parse(body).id);
      expect(() => verifyWebhookSignature(body.replace('"amount":100', '"amount":900'), header, endpoint.secret, 300, t0)).toThrow(
        WebhookSignatureError,
      );
      expect(() => verifyWebhookSignature(body, header, 'whsec_another', 300, t0)).toThrow(WebhookSignatureError);
      expect(() => verifyWebhookSignature(body, header, endpoint.secret, 300, t0 + 301)).toThrow(/timestamp/);
      expect(() => verifyWebhookSignature(body, header.replace(/v1=[0-9a-f]/, 'v1=g'), endpoint.secret, 300, t0)).toThrow(WebhookSignatureError);
      expect(() => verifyWebhookSignature(body, undefined, endpoint.secret)).toThrow(WebhookSignatureError);
    });

    it('a receiver that is down for a while gets every event once it is back', async () => {
      const api = await freshClient();
      const probe = await WebhookReceiver.start();
      const port = probe.port;
      await probe.close(); // nothing listens on this port now: connections are refused
      const endpoint = (await createEndpoint(api.apiKey, { url: `http://127.0.0.1:${port}/hooks` })).body;
      const alice = await api.openAccount('usd', 5_000);
      const bob = await api.openAccount();
      for (let i = 0; i < 3; i++) await api.transfer(alice, bob, 100 + i);
      const committed = (await api.listAll('/v1/events')).map((e) => e.id);
      expect(committed).toHaveLength(4);
      await eventually('each event was refused at least twice', async () => {
        const refused = (await attemptsOf(api, endpoint.id)).filter((a) => a.error === 'connection refused');
        return committed.every((id) => refused.filter((a) => a.event === id).length >= 2);
      });
      const gauges = async () => {
        const text = (await t.http.get('/metrics')).text;
        const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
        return { pending: value('webhook_events_pending'), age: value('webhook_oldest_undelivered_event_age_seconds') };
      };
      const during = await gauges();
      expect(during.pending).toBeGreaterThanOrEqual(4);
      expect(during.age).toBeGreaterThan(0);
      const hooks = await receiver({ port });
      await eventually('every event arrived', () => committed.every((id) => hooks.eventIds().has(id)));
      await eventually('the backlog is empty', async () => (await gauges()).pending === 0);
      expect((await gauges()).age).toBe(0);
      expect([...hooks.eventIds()].sort()).toEqual([...committed].sort());
      expect(hooks.received.every((r) => r.answered === 200)).toBe(true);
    });

    it('an endpoint gets only the types it subscribed to, and only events after its creation', async () => {
      const api = await freshClient();
      const alice = await api.openAccount('usd', 5_000);
      const bob = await api.openAccount();
      await api.transfer(alice, bob, 50);
      const hooks = await receiver();
      await createEndpoint(api.apiKey, { url: hooks.url, events: ['transfer.reversed'] });
      const transfer = await api.transfer(alice, bob, 60);
      await api.deposit(bob, 10);
      await api.reverse(transfer.body.id, 10);
      await eventually('the reversal arrived', () => hooks.received.length >= 1);
      const [reversed] = await api.listAll('/v1/events?type=transfer.reversed');
      // Every delivery row is settled, so nothing else is on its way to this receiver.
      await eventually(
        'no delivery pending',
        async () => (await t.app.get(DataSource).query("SELECT COUNT(*) AS n FROM webhook_deliveries WHERE status = 'pending'"))[0].n == 0,
      );
      expect(hooks.received.map((r) => r.eventId)).toEqual([reversed.id]);
    });

    it('a delivery whose endpoint is gone (deleted while its event was written) is dropped, not retried forever', async () => {
      const api = await freshClient();
      const hooks = await receiver();
      await createEndpoint(api.apiKey, { url: hooks.url });
      await api.openAccount('usd', 100);
      await eventually('the deposit was delivered', () => hooks.received.length === 1);
      const sql = t.app.get(DataSource);
      const [delivery] = await sql.query('SELECT client_id, event_id, created_at FROM webhook_deliveries WHERE event_id = ?', [
        hooks.received[0].eventId,
      ]);
      await sql.query(
        "INSERT INTO webhook_deliveries (id, client_id, event_id, endpoint_id, status, attempts, next_attempt_at, lease_owner, created_at) VALUES ('whd_orphan', ?, ?, 'we_deleted', 'pending', 0, ?, NULL, ?)",
        [delivery.client_id, delivery.event_id, delivery.created_at, delivery.created_at],
      );
      await eventually(
        'the orphan was dropped',
        async () => (await sql.query("SELECT id FROM webhook_deliveries WHERE id = 'whd_orphan'")).length === 0,
      );
      expect(hooks.received).toHaveLength(1);
    });

    it('a delivery still failing when its retry window ends is marked failed', async () => {
      const shortDb = await createTestDatabase(kind);
      const short = await bootTestApp(shortDb.url, { env: { ...DELIVERY_ENV, WEBHOOK_RETRY_WINDOW_SECONDS: '1' } });
      try {
        const api = paymentsApi(short.http, short.apiKey);
        const hooks = await receiver({ fallbackStatus: 503 });
        const endpoint = (await short.http.post('/v1/webhook-endpoints').set(bearer(short.apiKey)).send({ url: hooks.url })).body;
        await api.openAccount('usd', 100);
        await eventually('the delivery failed for good', async () => (await attemptsOf(api, endpoint.id)).some((a) => a.outcome === 'failed'));
        const attempts = await attemptsOf(api, endpoint.id);
        expect(attempts[0]).toMatchObject({ outcome: 'failed', status_code: 503, error: 'answered 503' });
        expect(attempts.slice(1).every((a) => a.outcome === 'retrying')).toBe(true);
        const [row] = await short.app.get(DataSource).query('SELECT status, attempts FROM webhook_deliveries');
        expect([row.status, Number(row.attempts)]).toEqual(['failed', attempts.length]);
      } finally {
        await short.close();
        await shortDb.drop();
      }
    });

    it('metrics show the backlog and the attempts by outcome', async () => {
      const metrics = (await t.http.get('/metrics')).text;
      expect(metrics).toMatch(/^webhook_events_pending \d+$/m);
      expect(metrics).toMatch(/^webhook_oldest_undelivered_event_age_seconds [\d.e+-]+$/m);
      expect(metrics).toMatch(/^webhook_deliveries_total\{outcome="delivered"\} [1-9]\d*$/m);
      expect(metrics).toMatch(/^webhook_deliveries_total\{outcome="retrying"\} [1-9]\d*$/m);
    });
  });
});

/** The operator's network is off limits unless WEBHOOK_ALLOW_PRIVATE_URLS=true. */
describe('webhook destinations without WEBHOOK_ALLOW_PRIVATE_URLS', () => {
  let db: TestDatabase;
  let t: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    t = await bootTestApp(db.url, { env: { WEBHOOKS_DISPATCHER_ENABLED: 'false' } });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it.each([
    'http://127.0.0.1:8080/hooks',
    'http://localhost/hooks',
    'http://api.localhost/hooks',
    'http://10.1.2.3/hooks',
    'http://172.16.0.1/hooks',
    'http://192.168.1.10/hooks',
    'http://169.254.169.254/latest/meta-data',
    'http://100.64.0.1/hooks',
    'http://0.0.0.0/hooks',
    'http://[::1]/hooks',
    'http://[fe80::1]/hooks',
    'http://[fd00::1]/hooks',
    'http://[::ffff:127.0.0.1]/hooks',
    'http://2130706433/hooks',
    'http://0x7f.1/hooks',
  ])('%s is a 400 naming url', async (url) => {
    expectProblem(await t.http.post('/v1/webhook-endpoints').set(bearer(t.apiKey)).send({ url }), 400, 'validation_error', 'url');
  });

  it('a public address is accepted', async () => {
    const res = await t.http.post('/v1/webhook-endpoints').set(bearer(t.apiKey)).send({ url: 'https://93.184.215.14/hooks' });
    expect(res.status).toBe(201);
  });
});

/**
 * Two apps, each with its dispatcher, on one MySQL/MariaDB database: claims under `FOR UPDATE SKIP
 * LOCKED` hand each delivery to one of them, so a receiver that always answers 200 sees every event
 * exactly once and never two requests for one delivery at the same time.
 */
describeOnMysql('two dispatchers on one %s database', (kind) => {
  let db: TestDatabase;
  const apps: TestApp[] = [];
  let hooks: WebhookReceiver;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    for (let i = 0; i < 2; i++) apps.push(await bootTestApp(db.url, { env: { ...DELIVERY_ENV, WEBHOOKS_BATCH_SIZE: '5' } }));
    hooks = await WebhookReceiver.start({ holdMs: () => Math.floor(Math.random() * 20) });
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await hooks?.close();
    await db?.drop();
  });

  it('every event is delivered once, never twice at a time', async () => {
    const [a] = apps;
    const api = paymentsApi(a.http, a.apiKey);
    expect((await a.http.post('/v1/webhook-endpoints').set(bearer(a.apiKey)).send({ url: hooks.url })).status).toBe(201);
    const account = await api.openAccount();
    for (let i = 0; i < 60; i++) expect((await api.deposit(account, 1 + i)).status).toBe(201);
    const committed = (await api.listAll('/v1/events', 100)).map((e) => e.id);
    expect(committed).toHaveLength(60);
    await eventually('all 60 events delivered', () => hooks.received.length >= 60);
    await eventually(
      'no delivery pending',
      async () => (await a.app.get(DataSource).query("SELECT COUNT(*) AS n FROM webhook_deliveries WHERE status = 'pending'"))[0].n == 0,
    );
    expect(hooks.received.map((r) => r.eventId).sort()).toEqual([...committed].sort());
    expect(hooks.overlaps).toBe(0);
  });
});
