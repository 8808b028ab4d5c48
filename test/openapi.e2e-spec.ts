import { bootTestApp, TestApp } from './support/app';
import { createTestDatabase, TestDatabase } from './support/databases';

/** The OpenAPI document lists every route, and every @Idempotent() route shows its key header and the layer's answers. */
describe.each(['express', 'fastify'] as const)('OpenAPI document on %s', (adapter) => {
  let db: TestDatabase;
  let t: TestApp;
  let doc: { paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string; required?: boolean }>; responses: Record<string, unknown> }>> };

  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    t = await bootTestApp(db.url, { adapter });
    const res = await t.http.get('/docs-json');
    expect(res.status).toBe(200);
    doc = res.body;
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  const header = (path: string, method: string) =>
    doc.paths[path][method].parameters?.find((p) => p.in === 'header' && p.name === 'Idempotency-Key');

  it('lists every route of the API', () => {
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        '/health',
        '/v1/accounts',
        '/v1/accounts/{id}',
        '/v1/accounts/{id}/deposits',
        '/v1/accounts/{id}/ledger',
        '/v1/idempotency-keys',
        '/v1/idempotency-keys/{key}',
        '/v1/transfers',
        '/v1/transfers/{id}',
        '/v1/transfers/{id}/reversals',
        '/v1/events',
        '/v1/events/{id}',
        '/v1/webhook-endpoints',
        '/v1/webhook-endpoints/{id}',
        '/v1/webhook-endpoints/{id}/attempts',
      ].sort(),
    );
  });

  it.each([
    ['/v1/transfers', 'post'],
    ['/v1/accounts/{id}/deposits', 'post'],
    ['/v1/transfers/{id}/reversals', 'post'],
  ])('%s %s shows a required Idempotency-Key and the 409/422 answers', (path, method) => {
    expect(header(path, method)).toMatchObject({ required: true });
    expect(Object.keys(doc.paths[path][method].responses)).toEqual(expect.arrayContaining(['409', '422']));
  });

  it('account creation shows an optional Idempotency-Key; reads show none', () => {
    expect(header('/v1/accounts', 'post')).toMatchObject({ required: false });
    expect(header('/v1/accounts', 'get')).toBeUndefined();
    expect(header('/v1/webhook-endpoints', 'post')).toMatchObject({ required: false });
    expect(header('/v1/webhook-endpoints/{id}', 'delete')).toBeUndefined();
  });

  it('documents business error codes on the transfer route', () => {
    const responses = doc.paths['/v1/transfers'].post.responses as Record<string, { description: string }>;
    expect(responses['402'].description).toContain('insufficient_funds');
    expect(responses['422'].description).toMatch(/currency_mismatch|idempotency_key_reused/);
  });
});
