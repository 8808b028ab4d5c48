import { existsSync } from 'node:fs';
import { createConnection } from 'mysql2/promise';
import { bootTestApp, bearer, TestApp } from './support/app';
import { createTestDatabase, describeOnMysql, MYSQL_SERVER_URL, TestDatabase } from './support/databases';

/**
 * `DATABASE_URL=mysql://user@localhost/db?socket=/path/mysqld.sock`: the app reaches a co-located
 * MariaDB over its Unix socket. The URL names port 1, where nothing listens, so only the socket can
 * serve it; the server itself reports the app's connections as local-socket ones.
 */
describeOnMysql('DATABASE_URL over a Unix socket on %s', () => {
  let db: TestDatabase;
  let t: TestApp;
  let socketUrl: string;

  beforeAll(async () => {
    db = await createTestDatabase('mysql');
    const admin = await createConnection({ uri: MYSQL_SERVER_URL });
    const [[row]] = (await admin.query('SELECT @@socket AS socket')) as any;
    await admin.end();
    const socket = String(row.socket);
    if (!existsSync(socket)) throw new Error(`the MySQL server's socket ${socket} is not on this machine; this suite needs a local server`);
    const url = new URL(db.url);
    url.hostname = 'localhost';
    url.port = '1';
    url.searchParams.set('socket', socket);
    socketUrl = url.toString();
    t = await bootTestApp(socketUrl);
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('serves requests, with every database connection of the app on the socket', async () => {
    const created = await t.http.post('/v1/accounts').set(bearer(t.apiKey)).set('Idempotency-Key', 'socket-1').send({ name: 'a', currency: 'usd' });
    expect(created.status).toBe(201);
    const replayed = await t.http.post('/v1/accounts').set(bearer(t.apiKey)).set('Idempotency-Key', 'socket-1').send({ name: 'a', currency: 'usd' });
    expect(replayed.status).toBe(201);
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expect(replayed.body.id).toBe(created.body.id);

    const admin = await createConnection({ uri: MYSQL_SERVER_URL });
    const [rows] = (await admin.query('SELECT HOST AS host FROM information_schema.PROCESSLIST WHERE DB = ?', [
      new URL(db.url).pathname.slice(1),
    ])) as any;
    await admin.end();
    expect(rows.length).toBeGreaterThan(0);
    // TCP clients show as "address:port"; socket clients as "localhost".
    expect((rows as Array<{ host: string }>).map((r) => r.host)).toEqual(rows.map(() => 'localhost'));
  });
});
