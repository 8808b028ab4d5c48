import { bootTestApp, bearer, TestApp } from './support/app';
import { createTestDatabase, databaseKinds, TestDatabase } from './support/databases';

describe.each(databaseKinds())('smoke on %s', (kind) => {
  let db: TestDatabase;
  let t: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    t = await bootTestApp(db.url);
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('creates an account', async () => {
    const res = await t.http.post('/v1/accounts').set(bearer(t.apiKey)).send({ name: 'a', currency: 'usd' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ object: 'account', balance: 0 });
  });
});
