import type { AddressInfo, Server } from 'node:net';
import { connect } from 'node:net';
import { bootTestApp, bearer, TestApp } from './support/app';
import { createTestDatabase, TestDatabase } from './support/databases';

/** The same body handling on both HTTP adapters: JSON, form bodies, integer-only numbers, size limit. */
describe.each(['express', 'fastify'] as const)('body handling on %s', (adapter) => {
  let db: TestDatabase;
  let t: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    t = await bootTestApp(db.url, { adapter });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('accepts JSON and form bodies with bracket notation', async () => {
    const json = await t.http.post('/v1/accounts').set(bearer(t.apiKey)).send({ name: 'j', currency: 'usd' });
    const form = await t.http.post('/v1/accounts').set(bearer(t.apiKey)).type('form').send('name=f&currency=usd&metadata[order]=42');
    expect(json.status).toBe(201);
    expect(form.status).toBe(201);
    expect(form.body.metadata).toEqual({ order: '42' });
  });

  it('refuses an exponent amount as a validation error naming the field', async () => {
    const res = await t.http
      .post('/v1/transfers')
      .set(bearer(t.apiKey))
      .set('Idempotency-Key', `exp-${adapter}`)
      .set('Content-Type', 'application/json')
      .send('{"from_account":"acct_a","to_account":"acct_b","amount":1e3,"currency":"usd"}');
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ code: 'validation_error', param: 'amount' });
  });

  it('answers malformed JSON with a 400 problem', async () => {
    const res = await t.http.post('/v1/accounts').set(bearer(t.apiKey)).set('Content-Type', 'application/json').send('{"name":');
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_error');
  });

  it('answers a body over the limit with 413 payload_too_large', async () => {
    const res = await t.http.post('/v1/accounts').set(bearer(t.apiKey)).send({ name: 'x'.repeat(200_000), currency: 'usd' });
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('payload_too_large');
  });

  it('answers a body over the limit 413 however far its client got in sending it, and the connection stays usable: no reset for a client still writing', async () => {
    const server = t.app.getHttpServer() as Server;
    if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
    let received = '';
    const errors: string[] = [];
    socket.on('data', (data) => (received += data.toString('latin1')));
    socket.on('error', (error: NodeJS.ErrnoException) => errors.push(error.code ?? error.message));
    // Status lines only: a 413's body is not followed by a line break, so no `^` here.
    const answers = () => received.match(/HTTP\/1\.1 \d{3}/g) ?? [];
    const until = async (what: () => boolean) => {
      for (let i = 0; i < 200 && !what(); i++) await new Promise((resolve) => setTimeout(resolve, 25));
    };
    try {
      const size = 300_000;
      socket.write(
        `POST /v1/accounts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${t.apiKey}\r\nContent-Type: application/json\r\nContent-Length: ${size}\r\n\r\n`,
      );
      socket.write(Buffer.alloc(16_384, 0x20));
      // Fastify answers now, from the length alone; Express once it has read the body.
      await until(() => answers().length === 1);
      for (let sent = 16_384; sent < size; sent += 16_384) socket.write(Buffer.alloc(Math.min(16_384, size - sent), 0x20));
      socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
      await until(() => answers().length === 2);
      expect({ answers: answers(), errors }).toEqual({ answers: ['HTTP/1.1 413', 'HTTP/1.1 200'], errors: [] });
    } finally {
      socket.destroy();
    }
  });

  it('keeps an idle connection 72 s, longer than the usual proxies and client pools (Node alone would say 5 s)', async () => {
    const res = await t.http.get('/health').set('Connection', 'keep-alive');
    expect(res.headers['keep-alive']).toBe('timeout=72');
  });
});
