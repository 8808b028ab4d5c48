import { DataSource } from 'typeorm';
import { newId } from '../src/common/ids';
import { UnitOfWork } from '../src/database/unit-of-work';
import { OutboxOutsideTransactionError } from '../src/events/events.errors';
import { EventsService } from '../src/events/events.service';
import { WebhookEndpointEntity } from '../src/events/webhook-endpoint.entity';
import { bearer, bootTestApp, TestApp } from './support/app';
import { createTestDatabase, databaseKinds, TestDatabase } from './support/databases';
import { expectProblem, freshKey, paymentsApi, PaymentsApi } from './support/payments-api';

/**
 * The outbox: every committed change writes exactly one event, in its own transaction; a declined,
 * rolled-back or replayed request writes none. Dispatch is off here: only what is written is looked at.
 */
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe.each(databaseKinds())('events on %s', (kind) => {
  let db: TestDatabase;
  let t: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    t = await bootTestApp(db.url, { env: { WEBHOOKS_DISPATCHER_ENABLED: 'false' } });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  /** A client of its own, so that its event list holds only what the test did. */
  const freshClient = async (): Promise<PaymentsApi & { apiKey: string }> => {
    const apiKey = await t.newClient();
    return Object.assign(paymentsApi(t.http, apiKey), { apiKey });
  };
  const allEvents = (api: PaymentsApi, query = '') => api.listAll(`/v1/events${query}`, 2);

  it('a deposit, a transfer and a reversal each write one event carrying the object as the API showed it', async () => {
    const api = await freshClient();
    const alice = await api.openAccount();
    const bob = await api.openAccount();
    const deposit = await api.deposit(alice, 10_000);
    const transfer = await api.transfer(alice, bob, 2_500);
    const reversal = await api.reverse(transfer.body.id, 1_000);
    expect([deposit.status, transfer.status, reversal.status]).toEqual([201, 201, 201]);

    const events = await allEvents(api);
    expect(events.map((e) => e.type)).toEqual(['transfer.reversed', 'transfer.created', 'deposit.created']);
    const [reversed, created, deposited] = events;
    expect(deposited).toEqual({
      id: expect.stringMatching(/^evt_/),
      object: 'event',
      type: 'deposit.created',
      data: { object: deposit.body },
      created_at: expect.stringMatching(ISO_UTC),
    });
    expect(created.data.object).toEqual(transfer.body);
    // The transfer as it reads after the reversal.
    expect(reversed.data.object).toEqual({ ...transfer.body, amount_reversed: 1_000 });
    expect(reversed.data.object).toEqual((await api.get(`/v1/transfers/${transfer.body.id}`)).body);
    expect((await api.get(`/v1/events/${created.id}`)).body).toEqual(created);
  });

  it('a replayed request writes no new event', async () => {
    const api = await freshClient();
    const alice = await api.openAccount('usd', 5_000);
    const bob = await api.openAccount();
    const key = freshKey();
    const send = () =>
      t.http
        .post('/v1/transfers')
        .set({ ...bearer(api.apiKey), 'Idempotency-Key': key })
        .send({ from_account: alice, to_account: bob, amount: 100, currency: 'usd' });
    const first = await send();
    const again = await send();
    expect([first.status, again.status, again.headers['idempotent-replayed']]).toEqual([201, 201, 'true']);
    expect((await allEvents(api, '?type=transfer.created')).map((e) => e.data.object.id)).toEqual([first.body.id]);
  });

  it('declined requests write nothing: insufficient funds, an unknown account, a reversal beyond what is left', async () => {
    const api = await freshClient();
    const alice = await api.openAccount('usd', 1_000);
    const bob = await api.openAccount();
    const before = await allEvents(api);
    expectProblem(await api.transfer(alice, bob, 1_001), 402, 'insufficient_funds');
    expectProblem(await api.transfer(alice, 'acct_doesnotexist', 10), 404, 'account_not_found');
    const transfer = await api.transfer(alice, bob, 500);
    expectProblem(await api.reverse(transfer.body.id, 501), 422, 'amount_exceeds_refundable');
    expectProblem(await api.deposit('acct_doesnotexist', 10), 404, 'account_not_found');
    const after = await allEvents(api);
    expect(after.length - before.length).toBe(1);
    expect(after[0].data.object.id).toBe(transfer.body.id);
  });

  it('an event recorded in a transaction that rolls back is gone with it; outside a transaction recording refuses', async () => {
    const api = await freshClient();
    const events = t.app.get(EventsService);
    const client = await clientIdOf(api);
    const failure = new Error('the change failed after its event was written');
    await expect(
      t.app.get(UnitOfWork).run(async () => {
        await events.record(client, 'transfer.created', { id: 'tr_rolledback', object: 'transfer' });
        throw failure;
      }),
    ).rejects.toBe(failure);
    await expect(events.record(client, 'transfer.created', { id: 'tr_notx', object: 'transfer' })).rejects.toBeInstanceOf(
      OutboxOutsideTransactionError,
    );
    expect(await allEvents(api)).toEqual([]);
  });

  it('lists filter by type and page newest first; a bad type or cursor is a 400 naming it', async () => {
    const api = await freshClient();
    const alice = await api.openAccount('usd', 3_000);
    const bob = await api.openAccount();
    for (let i = 0; i < 3; i++) await api.transfer(alice, bob, 100 + i);
    const transfers = await allEvents(api, '?type=transfer.created');
    expect(transfers.map((e) => e.data.object.amount)).toEqual([102, 101, 100]);
    expect((await allEvents(api, '?type=deposit.created')).length).toBe(1);
    expect((await allEvents(api, '?type=payout.paid')).length).toBe(0);
    expectProblem(await api.get('/v1/events?type=transfer.deleted'), 400, 'validation_error', 'type');
    expectProblem(await api.get('/v1/events?limit=0'), 400, 'validation_error', 'limit');
    expectProblem(await api.get('/v1/events?starting_after=evt_nosuchevent'), 400, 'validation_error', 'starting_after');
  });

  it("another client's event is a 404, as a missing one", async () => {
    const owner = await freshClient();
    const other = await freshClient();
    await owner.openAccount('usd', 100);
    const [event] = await allEvents(owner);
    expectProblem(await other.get(`/v1/events/${event.id}`), 404, 'event_not_found');
    expectProblem(await owner.get('/v1/events/evt_missing'), 404, 'event_not_found');
    expect(await allEvents(other)).toEqual([]);
  });

  it('endpoints created or deleted by another process are seen by the next event (the outbox checks its known list in the insert)', async () => {
    const api = await freshClient();
    const client = await clientIdOf(api);
    const alice = await api.openAccount('usd', 10_000);
    const bob = await api.openAccount();
    const dataSource = t.app.get(DataSource);
    // Written straight to the table, as another process would: this process's list is not told.
    const addEndpoint = async (events: string[]) => {
      const id = newId('we');
      await dataSource.getRepository(WebhookEndpointEntity).insert({
        id,
        clientId: client,
        url: 'https://example.com/hook',
        enabledEvents: JSON.stringify(events),
        secret: 'whsec_test',
        createdAt: new Date(),
      });
      return id;
    };
    const removeEndpoint = (id: string) => dataSource.query('DELETE FROM webhook_endpoints WHERE id = ?', [id]);
    const deliveredTo = async () => {
      const transfer = await api.transfer(alice, bob, 10);
      expect(transfer.status).toBe(201);
      const [event] = await dataSource.query('SELECT id FROM events WHERE object_id = ?', [transfer.body.id]);
      const rows: Array<{ endpoint_id: string }> = await dataSource.query('SELECT endpoint_id FROM webhook_deliveries WHERE event_id = ?', [
        event.id,
      ]);
      return rows.map((row) => row.endpoint_id).sort();
    };

    expect(await deliveredTo()).toEqual([]); // this process now knows: no endpoints
    const all = await addEndpoint(['*']);
    expect(await deliveredTo()).toEqual([all]);
    const deposits = await addEndpoint(['deposit.created']);
    const transfers = await addEndpoint(['transfer.created']);
    expect(await deliveredTo()).toEqual([all, transfers].sort());
    // One gone and one new: the same count, other ids.
    await removeEndpoint(all);
    const another = await addEndpoint(['*']);
    expect(await deliveredTo()).toEqual([transfers, another].sort());
    await removeEndpoint(transfers);
    await removeEndpoint(another);
    expect(await deliveredTo()).toEqual([]);
    await removeEndpoint(deposits);
    expect(await deliveredTo()).toEqual([]);
  });

  /** The client id behind an API key, read from the table the key resolves to. */
  async function clientIdOf(api: PaymentsApi): Promise<string> {
    const account = await api.openAccount();
    const [row] = await t.app.get(DataSource).query('SELECT client_id FROM accounts WHERE id = ?', [account]);
    return row.client_id;
  }
});
