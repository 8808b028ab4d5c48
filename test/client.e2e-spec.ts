import type { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { PaymentsApiError, PaymentsClient, type AttemptEvent, type CreateTransferParams } from '../src/client';
import { Fault, FaultProxy } from '../src/client/testing/fault-proxy';
import { TransfersService } from '../src/payments/transfers.service';
import { auditLedger } from './support/payments-api';
import { databaseKinds, DbKind, describeOnMysql } from './support/databases';
import { SuiteApp, useSuiteApp } from './support/idempotency-fixtures';

const TRANSFERS = { method: 'POST', path: '/v1/transfers' };

/**
 * The real app listening on a port, a fault-injecting proxy in front of it, a client that talks to
 * the server directly (set-up and checks) and one whose every call goes through the proxy.
 */
function useClients(kind: DbKind, options: { env?: Record<string, string>; timeoutMs?: number } = {}) {
  const suite: SuiteApp = useSuiteApp(kind, 'express', { env: options.env });
  const ctx = {} as { baseUrl: string; proxy: FaultProxy; direct: PaymentsClient; flaky: PaymentsClient; events: AttemptEvent[] };
  beforeAll(async () => {
    await suite.t.app.listen(0, '127.0.0.1');
    ctx.baseUrl = `http://127.0.0.1:${(suite.t.app.getHttpServer().address() as AddressInfo).port}`;
    ctx.proxy = await FaultProxy.start({ target: ctx.baseUrl });
    ctx.direct = new PaymentsClient({ apiKey: suite.t.apiKey, baseUrl: ctx.baseUrl });
    ctx.events = [];
    ctx.flaky = new PaymentsClient({
      apiKey: suite.t.apiKey,
      baseUrl: ctx.proxy.url,
      timeoutMs: options.timeoutMs ?? 1_000,
      baseDelayMs: 10,
      maxDelayMs: 100,
      onAttempt: (event) => ctx.events.push(event),
    });
  });
  afterAll(() => ctx.proxy?.close());

  const helpers = {
    /** Two new accounts, the first funded with `funds`; returns a transfer body between them. */
    async pair(funds: number, amount: number): Promise<CreateTransferParams> {
      const from = await ctx.direct.accounts.create({ name: 'payer', currency: 'usd' });
      const to = await ctx.direct.accounts.create({ name: 'payee', currency: 'usd' });
      if (funds > 0) await ctx.direct.deposits.create(from.id, { amount: funds, currency: 'usd' });
      return { from_account: from.id, to_account: to.id, amount, currency: 'usd' };
    },
    async transfersOf(accountId: string): Promise<string[]> {
      const ids: string[] = [];
      for await (const transfer of ctx.direct.transfers.listAutoPaging({ account: accountId, limit: 2 })) ids.push(transfer.id);
      return ids;
    },
    async balances(body: CreateTransferParams): Promise<number[]> {
      return [(await ctx.direct.accounts.retrieve(body.from_account)).balance, (await ctx.direct.accounts.retrieve(body.to_account)).balance];
    },
    /** The same request sent again by hand with the same key: the server's stored answer, raw. */
    replayByHand(key: string, body: CreateTransferParams) {
      return fetch(`${ctx.baseUrl}/v1/transfers`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${suite.t.apiKey}`, 'Content-Type': 'application/json', 'Idempotency-Key': key },
        body: JSON.stringify(body),
      });
    },
  };
  return { suite, ctx, ...helpers };
}

describe.each(databaseKinds())('PaymentsClient through a faulty network, on %s', (kind) => {
  const { suite, ctx, pair, transfersOf, balances, replayByHand } = useClients(kind);

  it.each<[string, Fault, Array<{ status: number; replayed: boolean }>, boolean]>([
    ['the answer is lost after the server made the transfer', { kind: 'drop' }, [{ status: 201, replayed: false }, { status: 201, replayed: true }], true],
    ['the answer comes after the client timed out', { kind: 'delay', delayMs: 3_000 }, [{ status: 201, replayed: false }, { status: 201, replayed: true }], true],
    ['the connection is reset before the request left', { kind: 'reset' }, [{ status: 201, replayed: false }], false],
  ])('makes exactly one transfer when %s', async (_, fault, reachedServer, replayed) => {
    const body = await pair(10_000, 2_500);
    ctx.proxy.inject(TRANSFERS, fault);

    const transfer = await ctx.flaky.transfers.create(body);

    const key = transfer.lastResponse.idempotencyKey!;
    expect(transfer.lastResponse).toMatchObject({ statusCode: 201, attempts: 2, replayed });
    expect(ctx.proxy.forwarded(key).map(({ status, replayed }) => ({ status, replayed }))).toEqual(reachedServer);
    expect(await transfersOf(body.from_account)).toEqual([transfer.id]);
    expect(await balances(body)).toEqual([7_500, 2_500]);
    const stored = await replayByHand(key, body);
    expect({ status: stored.status, replayed: stored.headers.get('idempotent-replayed'), text: await stored.text() }).toEqual({
      status: 201,
      replayed: 'true',
      text: JSON.stringify(transfer),
    });
  });

  it('makes exactly one transfer when duplicates of the request race to the server', async () => {
    const body = await pair(10_000, 2_500);
    ctx.proxy.inject(TRANSFERS, { kind: 'pass', copies: 5 });

    const transfer = await ctx.flaky.transfers.create(body);

    const copies = ctx.proxy.forwarded(transfer.lastResponse.idempotencyKey);
    expect(copies).toHaveLength(5);
    expect(copies.filter((copy) => copy.status === 201 && !copy.replayed)).toHaveLength(1);
    expect(await transfersOf(body.from_account)).toEqual([transfer.id]);
    expect(await balances(body)).toEqual([7_500, 2_500]);
  });

  it('does not retry a 402 decline: the server sees one request, and it stays declined under its key', async () => {
    const body = await pair(1_000, 5_000);

    const error = await ctx.flaky.transfers.create(body).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PaymentsApiError);
    const declined = error as PaymentsApiError;
    expect(declined).toMatchObject({ status: 402, code: 'insufficient_funds', attempts: 1, idempotentReplayed: false });
    expect(ctx.proxy.forwarded(declined.idempotencyKey)).toHaveLength(1);
    expect(await ctx.direct.idempotencyKeys.retrieve(declined.idempotencyKey!)).toMatchObject({ status: 'completed', response_status: 402 });
    expect(await transfersOf(body.from_account)).toEqual([]);
    expect(await balances(body)).toEqual([1_000, 0]);
  });

  it('leaves the ledger balanced after all of it', async () => {
    const audit = await auditLedger(suite.t.app.get(DataSource));
    expect({ total: audit.total, drifted: audit.drifted, negative: audit.negative }).toEqual({ total: 0, drifted: [], negative: [] });
  });
});

// Only MySQL/MariaDB makes a duplicate wait on the original's uncommitted key row and then answer
// 409; on SQLite transactions are serialized, so a duplicate simply waits for the replay.
describeOnMysql('PaymentsClient and a key still in use, on %s', (kind) => {
  const { suite, ctx, pair, transfersOf, balances } = useClients(kind, { env: { IDEMPOTENCY_WAIT_MS: '1000' }, timeoutMs: 10_000 });

  it('retries 409 idempotency_key_in_use with the same key and gets the original transfer', async () => {
    const body = await pair(10_000, 2_500);
    const key = `client-e2e-${Date.now()}`;
    // The original request holds the key (claimed, uncommitted) until the test opens the gate.
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    let entered!: () => void;
    const inHandler = new Promise<void>((resolve) => (entered = resolve));
    const service = suite.t.app.get(TransfersService);
    const create = service.create.bind(service);
    const spy = jest.spyOn(service, 'create').mockImplementationOnce(async (...args) => {
      entered();
      await gate;
      return create(...args);
    });
    try {
      const original = ctx.direct.transfers.create(body, { idempotencyKey: key });
      await inHandler;
      ctx.events.length = 0;
      const retried = ctx.flaky.transfers.create(body, { idempotencyKey: key });
      const firstAttempt = await waitForEvent(ctx.events);
      openGate();
      const [first, second] = await Promise.all([original, retried]);

      expect(firstAttempt).toMatchObject({ attempt: 1, status: 409, code: 'idempotency_key_in_use', retryInMs: 1_000 });
      expect(second).toEqual(first);
      expect(second.lastResponse).toMatchObject({ replayed: true, idempotencyKey: key });
      expect(second.lastResponse.attempts).toBeGreaterThanOrEqual(2);
      expect(ctx.proxy.forwarded(key).every((copy) => copy.status === 409 || (copy.status === 201 && copy.replayed))).toBe(true);
      expect(await transfersOf(body.from_account)).toEqual([first.id]);
      expect(await balances(body)).toEqual([7_500, 2_500]);
    } finally {
      openGate();
      spy.mockRestore();
    }
  });
});

/** The first attempt event the flaky client reports. */
async function waitForEvent(events: AttemptEvent[]): Promise<AttemptEvent> {
  while (events.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
  return events[0];
}
