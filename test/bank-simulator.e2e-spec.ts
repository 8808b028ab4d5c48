import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bankClient } from './support/bank';
import { freePort } from './support/server-process';

const MAIN = join(__dirname, '..', 'dist', 'src', 'bank-simulator', 'main.js');

/**
 * `npm run bank` as its own process: its own Idempotency-Key (a repeat pays nothing again), the
 * read routes, and every fault a test can plan, seen from a plain HTTP client.
 */
describe('bank simulator process', () => {
  let child: ChildProcess;
  let dir: string;
  let url: string;
  let bank: ReturnType<typeof bankClient<object>>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bank-process-'));
    const port = await freePort();
    child = spawn(process.execPath, [MAIN], {
      env: { ...process.env, BANK_PORT: String(port), BANK_DATABASE_FILE: join(dir, 'bank.sqlite') },
      stdio: 'pipe',
    });
    url = `http://127.0.0.1:${port}`;
    bank = bankClient(url, {});
    for (let i = 0; ; i++) {
      if (
        await fetch(`${url}/_sim/stats`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      if (i > 100) throw new Error('bank simulator did not start');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
  afterAll(async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    rmSync(dir, { recursive: true, force: true });
  });

  const transfer = (key: string | undefined, body: object) =>
    fetch(`${url}/transfers`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(key ? { 'Idempotency-Key': key } : {}) },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(1_000),
    });
  let n = 0;
  const request = () => ({ amount: 1_000 + n, currency: 'usd', bank_account: 'DE89 3704', reference: `ref-${++n}` });

  it('pays once per Idempotency-Key: a repeat answers the first transfer (200) and pays nothing again', async () => {
    const body = request();
    const first = await transfer('k-1', body);
    expect(first.status).toBe(201);
    const paid = (await first.json()) as Record<string, any>;
    expect(paid).toMatchObject({ object: 'bank_transfer', status: 'paid', failure_code: null, reference: body.reference, amount: body.amount });
    const repeat = await transfer('k-1', body);
    expect({ status: repeat.status, body: await repeat.json() }).toEqual({ status: 200, body: paid });
    expect(await bank.transfersFor(body.reference)).toEqual([paid]);
    expect(await (await fetch(`${url}/transfers/${paid.id}`)).json()).toEqual(paid);
    expect((await fetch(`${url}/transfers/btr_none`)).status).toBe(404);
    expect((await transfer('k-1', { ...body, amount: body.amount + 1 })).status).toBe(422);
  });

  it('refuses a request without a key or with a bad field (400 naming it), paying nothing', async () => {
    const before = await bank.stats();
    expect((await transfer(undefined, request())).status).toBe(400);
    const bad = await transfer('k-bad', { ...request(), amount: 1.5 });
    expect({ status: bad.status, body: await bad.json() }).toEqual({ status: 400, body: { error: { code: 'invalid_request', param: 'amount' } } });
    expect(await bank.stats()).toEqual(before);
  });

  it('fails with 500 before acting: nothing paid, the same key pays later', async () => {
    const body = request();
    await bank.fault('error_before', { reference: body.reference });
    expect((await transfer('k-500', body)).status).toBe(500);
    expect(await bank.transfersFor(body.reference)).toEqual([]);
    expect((await transfer('k-500', body)).status).toBe(201);
  });

  it('acts, then drops the connection: the transfer exists, the caller got no answer', async () => {
    const body = request();
    await bank.fault('drop_after', { reference: body.reference });
    await expect(transfer('k-drop', body)).rejects.toThrow();
    expect(await bank.transfersFor(body.reference)).toEqual([expect.objectContaining({ status: 'paid' })]);
  });

  it("acts, then answers after the caller's timeout", async () => {
    const body = request();
    await bank.fault('slow_after', { reference: body.reference, delay_ms: 2_000 });
    await expect(transfer('k-slow', body)).rejects.toThrow(/timeout|aborted/i);
    expect(await bank.transfersFor(body.reference)).toEqual([expect.objectContaining({ status: 'paid' })]);
  });

  it.each(['account_closed', 'limit_exceeded'])('declines with %s, and a repeat of the key answers the same decline', async (code) => {
    const body = request();
    await bank.fault('decline', { reference: body.reference, code });
    const first = (await (await transfer(`k-${code}`, body)).json()) as Record<string, any>;
    expect(first).toMatchObject({ status: 'declined', failure_code: code });
    expect(await (await transfer(`k-${code}`, body)).json()).toEqual(first);
  });

  it('answers garbage, or a status it never sends, after acting', async () => {
    const a = request();
    await bank.fault('garbage', { reference: a.reference });
    expect(await (await transfer('k-garbage', a)).text()).not.toMatch(/^\{/);
    const b = request();
    await bank.fault('impossible', { reference: b.reference });
    expect(((await (await transfer('k-impossible', b)).json()) as { status: string }).status).toBe('teleported');
    expect((await bank.stats()).duplicate_references).toBe(0);
  });

  it('is down for N seconds (connections refused), then back with its books intact', async () => {
    const before = await bank.stats();
    expect((await fetch(`${url}/_sim/down`, { method: 'POST', body: JSON.stringify({ seconds: 1 }) })).status).toBe(200);
    await expect(transfer('k-down', request())).rejects.toThrow();
    let back = false;
    for (let i = 0; i < 50 && !back; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      back = await fetch(`${url}/_sim/stats`).then(
        (r) => r.ok,
        () => false,
      );
    }
    expect(back).toBe(true);
    expect(await bank.stats()).toEqual(before);
  });
});
