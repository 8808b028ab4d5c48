import { createConnection } from 'mysql2/promise';
import { bootTestApp, TestApp } from './support/app';
import { createTestDatabase, describeOnMysql, TestDatabase } from './support/databases';
import { expectPrimaryKeysAndInnoDb } from './support/schema-rules';

/** What a Galera cluster requires of the schema, checked on every migration as it stands. */
describeOnMysql('schema rules on %s', () => {
  let db: TestDatabase;
  let t: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase('mysql');
    t = await bootTestApp(db.url);
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('every table the migrations make has a primary key and uses InnoDB', async () => {
    const sql = await createConnection({ uri: db.url });
    try {
      await expectPrimaryKeysAndInnoDb(sql, new URL(db.url).pathname.slice(1));
    } finally {
      await sql.end();
    }
  });
});
