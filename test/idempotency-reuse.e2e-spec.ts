import { Body, Controller, Patch } from '@nestjs/common';
import { Idempotent } from '../src/idempotency';
import { bearer } from './support/app';
import {
  balanceOf,
  databasesAndAdapters,
  depositInto,
  expectExecuted,
  expectKeyEcho,
  expectProblem,
  expectReplayOf,
  fundedPair,
  newKey,
  postTransfer,
  transferBody,
  transfersFrom,
  useSuiteApp,
} from './support/idempotency-fixtures';

/**
 * The application has no PATCH route, so a test-only `PATCH /v1/transfers` (same path, other method,
 * marked like the real route) shows that the method is part of what a key is bound to. It counts
 * its runs so the test can prove it never ran.
 */
@Controller('v1/transfers')
class PatchTransfersProbeController {
  static runs = 0;

  @Patch()
  @Idempotent({ required: true })
  patch(@Body() body: Record<string, unknown>) {
    PatchTransfersProbeController.runs++;
    return { object: 'probe', body };
  }
}

/** Contract §1 (binding, scope) and §2 (a different fingerprint is 422 and runs nothing). */
describe.each(databasesAndAdapters())('reusing a key on %s over %s', (kind, adapter) => {
  const suite = useSuiteApp(kind, adapter, { controllers: [PatchTransfersProbeController] });

  describe('the same key for another request is 422 idempotency_key_reused, and nothing runs', () => {
    it('another body on the same route', async () => {
      const { t } = suite;
      const { from, to } = await fundedPair(t, 1_000);
      const key = newKey('other-body');
      const first = await postTransfer(t, key, transferBody(from, to, 100));
      expectExecuted(first, 201, key);

      const other = await postTransfer(t, key, transferBody(from, to, 900));
      expectProblem(other, 422, 'idempotency_key_reused');
      expectKeyEcho(other, key);
      expect(other.headers['idempotent-replayed']).toBeUndefined();
      expect(await transfersFrom(t, from)).toBe(1);
      expect([await balanceOf(t, from), await balanceOf(t, to)]).toEqual([900, 100]);
    });

    it('an extra optional field is another body', async () => {
      const { t } = suite;
      const { from, to } = await fundedPair(t, 1_000);
      const key = newKey('extra-field');
      expectExecuted(await postTransfer(t, key, transferBody(from, to, 100)), 201, key);
      const other = await postTransfer(t, key, transferBody(from, to, 100, { description: 'again' }));
      expectProblem(other, 422, 'idempotency_key_reused');
      expect(await transfersFrom(t, from)).toBe(1);
    });

    it('another route: a transfer key sent to a deposit', async () => {
      const { t } = suite;
      const { from, to } = await fundedPair(t, 1_000);
      const key = newKey('other-route');
      expectExecuted(await postTransfer(t, key, transferBody(from, to, 100)), 201, key);

      const deposit = await t.http.post(`/v1/accounts/${to}/deposits`).set({ ...bearer(t.apiKey), 'Idempotency-Key': key }).send({ amount: 5_000, currency: 'usd' });
      expectProblem(deposit, 422, 'idempotency_key_reused');
      expect(deposit.body.detail).toContain('POST /v1/transfers');
      expect([await balanceOf(t, from), await balanceOf(t, to)]).toEqual([900, 100]);
    });

    it('another route with the same body: a deposit key sent to another account', async () => {
      const { t } = suite;
      const { from, to } = await fundedPair(t, 0);
      const key = newKey('other-account');
      const send = (account: string) =>
        t.http.post(`/v1/accounts/${account}/deposits`).set({ ...bearer(t.apiKey), 'Idempotency-Key': key }).send({ amount: 300, currency: 'usd' });
      expectExecuted(await send(from), 201, key);
      expectProblem(await send(to), 422, 'idempotency_key_reused');
      expect([await balanceOf(t, from), await balanceOf(t, to)]).toEqual([300, 0]);
    });

    it('another method: the same body PATCHed to the same path', async () => {
      const { t } = suite;
      const { from, to } = await fundedPair(t, 1_000);
      const key = newKey('other-method');
      const body = transferBody(from, to, 100);
      expectExecuted(await postTransfer(t, key, body), 201, key);
      const runsBefore = PatchTransfersProbeController.runs;

      const patched = await t.http.patch('/v1/transfers').set({ ...bearer(t.apiKey), 'Idempotency-Key': key }).send(body);
      expectProblem(patched, 422, 'idempotency_key_reused');
      expect(PatchTransfersProbeController.runs).toBe(runsBefore);
      expect(await transfersFrom(t, from)).toBe(1);
      expect(await balanceOf(t, from)).toBe(900);
    });

    it('the refusal is not stored: the original request still replays afterwards', async () => {
      const { t } = suite;
      const { from, to } = await fundedPair(t, 1_000);
      const key = newKey('still-replays');
      const body = transferBody(from, to, 100);
      const first = await postTransfer(t, key, body);
      expectProblem(await postTransfer(t, key, transferBody(from, to, 200)), 422, 'idempotency_key_reused');
      expectReplayOf(await postTransfer(t, key, body), first, key);
      expect(await transfersFrom(t, from)).toBe(1);
    });
  });

  describe('the same key from two clients names two requests', () => {
    it("client B's own request under A's key runs as new: B never gets A's response", async () => {
      const { t } = suite;
      const clientB = await t.newClient('client-b');
      const a = await fundedPair(t, 1_000);
      const b = await fundedPair(t, 1_000, clientB);
      const key = newKey('shared');

      const fromA = await postTransfer(t, key, transferBody(a.from, a.to, 100));
      const fromB = await postTransfer(t, key, transferBody(b.from, b.to, 250), clientB);
      expectExecuted(fromA, 201, key);
      expectExecuted(fromB, 201, key);
      expect(fromB.body.id).not.toBe(fromA.body.id);
      expect(fromB.body).toMatchObject({ from_account: b.from, amount: 250 });
      expect([await balanceOf(t, a.from), await balanceOf(t, b.from, clientB)]).toEqual([900, 750]);

      const replayB = await postTransfer(t, key, transferBody(b.from, b.to, 250), clientB);
      expectReplayOf(replayB, fromB, key);
    });

    it("client B sending A's exact request under A's key gets its own answer (account_not_found), never A's transfer", async () => {
      const { t } = suite;
      const clientB = await t.newClient('client-b');
      const a = await fundedPair(t, 1_000);
      const key = newKey('copied');
      const body = transferBody(a.from, a.to, 100);

      const fromA = await postTransfer(t, key, body);
      expectExecuted(fromA, 201, key);
      const fromB = await postTransfer(t, key, body, clientB);
      expectExecuted(fromB, 404, key);
      expectProblem(fromB, 404, 'account_not_found');
      expect(fromB.text).not.toContain(fromA.body.id);
      expect(await transfersFrom(t, a.from)).toBe(1);
      expect([await balanceOf(t, a.from), await balanceOf(t, a.to)]).toEqual([900, 100]);
    });

    it("client B's use of a key does not block or change A's: A still replays its own response", async () => {
      const { t } = suite;
      const clientB = await t.newClient('client-b');
      const a = await fundedPair(t, 1_000);
      const b = await fundedPair(t, 0, clientB);
      const key = newKey('independent');
      const body = transferBody(a.from, a.to, 100);

      await depositInto(t, b.from, 50, clientB);
      expectExecuted(await postTransfer(t, key, transferBody(b.from, b.to, 50), clientB), 201, key);
      const fromA = await postTransfer(t, key, body);
      expectExecuted(fromA, 201, key);
      expectReplayOf(await postTransfer(t, key, body), fromA, key);
    });
  });
});
