import { randomUUID } from 'node:crypto';
import type { DynamicModule, Type } from '@nestjs/common';
import type { Response } from 'supertest';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module';
import { bearer, bootTestApp, HttpAdapterKind, TestApp } from './app';
import { createTestDatabase, databaseKinds, DbKind, TestDatabase } from './databases';

/** Both HTTP adapters the application runs on. */
export const HTTP_ADAPTERS: HttpAdapterKind[] = ['express', 'fastify'];

/** Every (database, adapter) pair an in-process suite runs on. */
export function databasesAndAdapters(): Array<[DbKind, HttpAdapterKind]> {
  return databaseKinds().flatMap((kind) => HTTP_ADAPTERS.map((adapter): [DbKind, HttpAdapterKind] => [kind, adapter]));
}

/** A fresh key, unique across suites and runs. */
export function newKey(label = 'key'): string {
  return `${label}-${randomUUID()}`;
}

export interface SuiteApp {
  t: TestApp;
  db: TestDatabase;
}

/**
 * Creates a database and boots the app on it for the enclosing `describe`, and closes and drops both
 * afterwards. `controllers` adds test-only controllers to the real application module.
 */
export function useSuiteApp(
  kind: DbKind,
  adapter: HttpAdapterKind,
  options: { env?: Record<string, string>; controllers?: Type<unknown>[] } = {},
): SuiteApp {
  const suite = {} as SuiteApp;
  beforeAll(async () => {
    suite.db = await createTestDatabase(kind);
    suite.t = await bootWithControllers(suite.db.url, { adapter, env: options.env }, options.controllers ?? []);
  }, 60_000);
  afterAll(async () => {
    await suite.t?.close();
    await suite.db?.drop();
  }, 60_000);
  return suite;
}

/**
 * `bootTestApp` with extra controllers in the root module: the same `createApp` (body parsing, pipes,
 * filter, global guard and interceptor), only `AppModule.forRoot` is widened while the app is built.
 */
async function bootWithControllers(
  databaseUrl: string,
  options: { adapter: HttpAdapterKind; env?: Record<string, string> },
  controllers: Type<unknown>[],
): Promise<TestApp> {
  if (!controllers.length) return bootTestApp(databaseUrl, options);
  const forRoot = AppModule.forRoot.bind(AppModule);
  const spy = jest
    .spyOn(AppModule, 'forRoot')
    .mockImplementation((config): DynamicModule => {
      const module = forRoot(config);
      return { ...module, controllers: [...(module.controllers ?? []), ...controllers] };
    });
  try {
    return await bootTestApp(databaseUrl, options);
  } finally {
    spy.mockRestore();
  }
}

export async function openAccount(t: TestApp, apiKey = t.apiKey, currency = 'usd'): Promise<string> {
  const res = await t.http.post('/v1/accounts').set(bearer(apiKey)).send({ name: 'test account', currency });
  expect(res.status).toBe(201);
  return res.body.id;
}

export async function depositInto(t: TestApp, accountId: string, amount: number, apiKey = t.apiKey): Promise<void> {
  const res = await t.http
    .post(`/v1/accounts/${accountId}/deposits`)
    .set({ ...bearer(apiKey), 'Idempotency-Key': newKey('fund') })
    .send({ amount, currency: 'usd' });
  expect(res.status).toBe(201);
}

export async function balanceOf(t: TestApp, accountId: string, apiKey = t.apiKey): Promise<number> {
  const res = await t.http.get(`/v1/accounts/${accountId}`).set(bearer(apiKey));
  expect(res.status).toBe(200);
  return res.body.balance;
}

/** Two new accounts of the client, the first funded with `funds`. */
export async function fundedPair(t: TestApp, funds: number, apiKey = t.apiKey): Promise<{ from: string; to: string }> {
  const from = await openAccount(t, apiKey);
  const to = await openAccount(t, apiKey);
  if (funds > 0) await depositInto(t, from, funds, apiKey);
  return { from, to };
}

export function transferBody(from: string, to: string, amount: number, extra: Record<string, unknown> = {}) {
  return { from_account: from, to_account: to, amount, currency: 'usd', ...extra };
}

/** Sends a keyed transfer. */
export function postTransfer(t: TestApp, key: string, body: object, apiKey = t.apiKey) {
  return t.http.post('/v1/transfers').set({ ...bearer(apiKey), 'Idempotency-Key': key }).send(body);
}

/** Rows matching `where` (SQL with `?` placeholders) in `table`, read straight from the database. */
export async function countRows(t: TestApp, table: string, where = '1 = 1', parameters: unknown[] = []): Promise<number> {
  const rows = await t.app.get(DataSource).query(`SELECT COUNT(*) AS n FROM ${table} WHERE ${where}`, parameters);
  return Number(rows[0].n);
}

/** Transfers out of `accountId`, as stored. */
export function transfersFrom(t: TestApp, accountId: string): Promise<number> {
  return countRows(t, 'transfers', 'from_account = ?', [accountId]);
}

/** The response echoes the key it was sent with. */
export function expectKeyEcho(res: Response, key: string): void {
  expect(res.headers['idempotency-key']).toBe(key);
}

/** An RFC 9457 problem with this status and code. */
export function expectProblem(res: Response, status: number, code: string): void {
  expect({ status: res.status, code: res.body?.code }).toEqual({ status, code });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ type: expect.any(String), title: expect.any(String), status, detail: expect.any(String) });
}

/** A first execution: not marked replayed. */
export function expectExecuted(res: Response, status: number, key: string): void {
  expect(res.status).toBe(status);
  expect(res.headers['idempotent-replayed']).toBeUndefined();
  expectKeyEcho(res, key);
}

/** `replay` is `original` byte for byte (status, raw body, Content-Type, Location), marked replayed. */
export function expectReplayOf(replay: Response, original: Response, key: string): void {
  expect({
    status: replay.status,
    text: replay.text,
    contentType: replay.headers['content-type'],
    location: replay.headers.location,
  }).toEqual({
    status: original.status,
    text: original.text,
    contentType: original.headers['content-type'],
    location: original.headers.location,
  });
  expect(replay.headers['idempotent-replayed']).toBe('true');
  expectKeyEcho(replay, key);
}
