import { DataSource } from 'typeorm';
import { bearer, bootTestApp, TestApp } from './support/app';
import { createTestDatabase, describeOnMysql, TestDatabase } from './support/databases';
import { paymentsApi } from './support/payments-api';
import { eventually, WebhookReceiver } from './support/webhook-receiver';

/**
 * A claimed batch can take longer to send than its lease (a slow receiver, one endpoint's
 * deliveries sent one after the other). A dispatcher starts no send that could outlast its lease:
 * it gives those rows back, so the other dispatcher, which may take them as soon as the lease is
 * over, never finds one in flight. Here a receiver takes 600 ms per request against a 2 s lease.
 */
describeOnMysql('sends never outlast their lease, on %s', (kind) => {
  let db: TestDatabase;
  const apps: TestApp[] = [];
  let hooks: WebhookReceiver;
  const env = {
    WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
    WEBHOOKS_POLL_MS: '50',
    WEBHOOK_TIMEOUT_MS: '1000',
    WEBHOOK_LEASE_MS: '2000',
    WEBHOOKS_BATCH_SIZE: '10',
  };

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    // The events are written with dispatch off, so that one claim takes them all as one batch.
    apps.push(await bootTestApp(db.url, { env: { ...env, WEBHOOKS_DISPATCHER_ENABLED: 'false' } }));
    hooks = await WebhookReceiver.start({ holdMs: () => 600 });
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await hooks?.close();
    await db?.drop();
  });

  it('a batch longer than the lease is sent in parts, each delivery once, never two sends at a time', async () => {
    const [writer] = apps;
    const api = paymentsApi(writer.http, writer.apiKey);
    expect((await writer.http.post('/v1/webhook-endpoints').set(bearer(writer.apiKey)).send({ url: hooks.url })).status).toBe(201);
    const account = await api.openAccount();
    for (let i = 0; i < 8; i++) expect((await api.deposit(account, 1 + i)).status).toBe(201);
    const committed = (await api.listAll('/v1/events', 100)).map((e) => e.id);
    expect(committed).toHaveLength(8);

    for (let i = 0; i < 2; i++) apps.push(await bootTestApp(db.url, { env }));
    await eventually('all 8 events delivered', () => hooks.received.length >= 8, 60_000);
    await eventually(
      'no delivery pending',
      async () => (await writer.app.get(DataSource).query("SELECT COUNT(*) AS n FROM webhook_deliveries WHERE status = 'pending'"))[0].n == 0,
      60_000,
    );
    expect([...hooks.eventIds()].sort()).toEqual([...committed].sort());
    expect(hooks.overlaps).toBe(0);
    // Each event once, unless the dispatcher saw its send fail: on a loaded machine a 600 ms answer
    // can outlast the 1 s timeout as the dispatcher measures it, and then the retry is the
    // at-least-once promise at work, not a second send of a running delivery. Every event received
    // more than once must have a failed attempt on record for each extra copy.
    const copies = new Map<string, number>();
    for (const r of hooks.received) copies.set(r.eventId, (copies.get(r.eventId) ?? 0) + 1);
    for (const [eventId, n] of copies) {
      if (n === 1) continue;
      const [row] = await writer.app
        .get(DataSource)
        .query("SELECT COUNT(*) AS n FROM webhook_attempts WHERE event_id = ? AND outcome <> 'delivered'", [eventId]);
      expect({ eventId, failedAttempts: Number(row.n) }).toEqual({ eventId, failedAttempts: n - 1 });
    }
  });
});
