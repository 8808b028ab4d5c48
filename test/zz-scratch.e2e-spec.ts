import { bootTestApp, bearer, TestApp } from './support/app';
import { createTestDatabase, TestDatabase } from './support/databases';

describe.each(['express', 'fastify'] as const)('scratch %s', (adapter) => {
  let db: TestDatabase;
  let t: TestApp;
  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    t = await bootTestApp(db.url, { adapter });
  });
  afterAll(async () => { await t?.close(); await db?.drop(); });
  it('prints', async () => {
    const out: string[] = [];
    const show = (label: string, r: any) => out.push(`${label}: ${r.status} ${r.headers['content-type']} rid=${r.headers['x-request-id']} ${JSON.stringify(r.body)}`);
    const a = bearer(t.apiKey);
    show('array', await t.http.post('/v1/accounts').set(a).set('content-type','application/json').send('[1,2]'));
    show('string', await t.http.post('/v1/accounts').set(a).set('content-type','application/json').send('"hello"'));
    show('null', await t.http.post('/v1/accounts').set(a).set('content-type','application/json').send('null'));
    show('number', await t.http.post('/v1/accounts').set(a).set('content-type','application/json').send('42'));
    show('malformed', await t.http.post('/v1/accounts').set(a).set('content-type','application/json').send('{"name":'));
    show('empty', await t.http.post('/v1/accounts').set(a).set('content-type','application/json').send(''));
    show('text', await t.http.post('/v1/accounts').set(a).set('content-type','text/plain').send('name=x&currency=usd'));
    show('xml', await t.http.post('/v1/accounts').set(a).set('content-type','application/xml').send('<a/>'));
    show('none', await t.http.post('/v1/accounts').set(a));
    show('frac', await t.http.post('/v1/accounts/acct_x/deposits').set(a).set('Idempotency-Key','k1').send('{"amount":1.5,"currency":"usd"}').set('content-type','application/json'));
    show('exp', await t.http.post('/v1/accounts/acct_x/deposits').set(a).set('Idempotency-Key','k2').send('{"amount":1e3,"currency":"usd"}').set('content-type','application/json'));
    show('big', await t.http.post('/v1/accounts/acct_x/deposits').set(a).set('Idempotency-Key','k3').send('{"amount":9007199254740992,"currency":"usd"}').set('content-type','application/json'));
    show('extra', await t.http.post('/v1/accounts').set(a).send({ name: 'x', currency: 'usd', color: 'red' }));
    show('meta', await t.http.post('/v1/accounts').set(a).send({ name: 'x', currency: 'usd', metadata: { order: 42 } }));
    show('metaArr', await t.http.post('/v1/accounts').set(a).send({ name: 'x', currency: 'usd', metadata: ['a'] }));
    show('form', await t.http.post('/v1/accounts').set(a).type('form').send('name=Shop&currency=eur&metadata[order]=42'));
    show('limit', await t.http.get('/v1/accounts?limit=abc').set(a));
    show('limit0', await t.http.get('/v1/accounts?limit=0').set(a));
    show('limit2', await t.http.get('/v1/accounts?limit=1&limit=2').set(a));
    show('limitArr', await t.http.get('/v1/accounts?limit[a]=1').set(a));
    show('noauth', await t.http.get('/v1/accounts'));
    show('badkey', await t.http.get('/v1/accounts').set(bearer('sk_test_nope')));
    show('nokey', await t.http.post('/v1/transfers').set(a).send({}));
    show('noroute', await t.http.get('/v1/nothing').set(a));
    show('starting_after bad', await t.http.get('/v1/accounts?starting_after=acct_zz').set(a));
    show('ledger 404', await t.http.get('/v1/accounts/acct_zz/ledger').set(a));
    show('formamount', await t.http.post('/v1/accounts/acct_x/deposits').set(a).set('Idempotency-Key','k4').type('form').send('amount=1.5&currency=usd'));
    show('formamount2', await t.http.post('/v1/accounts/acct_x/deposits').set(a).set('Idempotency-Key','k5').type('form').send('amount=100&currency=usd'));
    console.log(out.join('\n'));
    expect(out.length).toBeGreaterThan(0);
  });
});
