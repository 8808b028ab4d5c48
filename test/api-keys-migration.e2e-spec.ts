import { DataSource, MigrationInterface } from 'typeorm';
import { hashSecret } from '../src/auth/api-key-secret';
import { ClientKeysService } from '../src/auth/client-keys.service';
import { dataSourceOptions } from '../src/database/data-source-options';
import { InitialSchema1764288000000 } from '../src/database/migrations/1764288000000-initial-schema';
import { bearer, bootTestApp } from './support/app';
import { createTestDatabase, databaseKinds, TestDatabase } from './support/databases';

/** A migration class, as DataSource options list them. */
type MigrationClass = new () => MigrationInterface;

/** A database from before issue 18 (one key per client, in `clients`) keeps every key working after the upgrade. */
describe.each(databaseKinds())('moving the one key per client into api_keys on %s', (kind) => {
  let db: TestDatabase;
  const clients = [
    { id: 'cli_premigrationAAAAAAAAA', name: 'acme', secret: 'sk_test_premigration_acme_0123456789abcdef' },
    { id: 'cli_premigrationBBBBBBBBB', name: 'globex', secret: 'sk_test_premigration_globex_0123456789abcd' },
  ];
  const open = async (migrations: MigrationClass[]) => {
    const ds = new DataSource({ ...dataSourceOptions(db.url), migrations });
    await ds.initialize();
    return ds;
  };

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    const before = await open([InitialSchema1764288000000]);
    await before.runMigrations();
    for (const client of clients) {
      await before.query('INSERT INTO clients (id, name, api_key_hash, api_key_prefix, created_at) VALUES (?, ?, ?, ?, ?)', [
        client.id,
        client.name,
        hashSecret(client.secret),
        client.secret.slice(0, 12),
        '2026-01-02 03:04:05.678',
      ]);
    }
    await before.destroy();
  }, 60_000);
  afterAll(() => db?.drop(), 60_000);

  it('each client keeps its key: same secret, same prefix, same creation time, full access, active', async () => {
    const t = await bootTestApp(db.url); // runs the pending migration at start-up
    try {
      for (const client of clients) {
        const res = await t.http.get('/v1/accounts').set(bearer(client.secret));
        expect({ client: client.name, status: res.status }).toEqual({ client: client.name, status: 200 });
        const keys = await t.app.get(ClientKeysService).list(client.id);
        expect(keys).toHaveLength(1);
        expect(keys[0]).toMatchObject({
          id: expect.stringMatching(/^key_[A-Za-z0-9_-]{20}$/),
          clientId: client.id,
          keyHash: hashSecret(client.secret),
          keyPrefix: client.secret.slice(0, 12),
          readOnly: false,
          expiresAt: null,
          revokedAt: null,
        });
        expect(keys[0].createdAt.toISOString()).toBe('2026-01-02T03:04:05.678Z');
      }
      const [row] = await t.app.get(DataSource).query('SELECT * FROM clients WHERE id = ?', [clients[0].id]);
      expect(Object.keys(row).sort()).toEqual(['created_at', 'id', 'name']);
    } finally {
      await t.close();
    }
  });

  it('reverting puts the newest usable key back into clients, and migrating again brings the keys back', async () => {
    const ds = await open(dataSourceOptions(db.url).migrations as MigrationClass[]);
    try {
      await ds.undoLastMigration();
      const rows: Array<{ id: string; api_key_hash: string }> = await ds.query(`SELECT id, api_key_hash FROM clients WHERE id LIKE 'cli_premigration%' ORDER BY id`);
      expect(rows).toEqual(clients.map((client) => ({ id: client.id, api_key_hash: hashSecret(client.secret) })));
      await ds.runMigrations();
      const [{ key_count: keys, owners }] = await ds.query('SELECT COUNT(*) AS key_count, (SELECT COUNT(*) FROM clients) AS owners FROM api_keys');
      expect(Number(keys)).toBe(Number(owners));
      for (const client of clients) {
        const [key] = await ds.query('SELECT client_id FROM api_keys WHERE key_hash = ?', [hashSecret(client.secret)]);
        expect(key).toEqual({ client_id: client.id });
      }
    } finally {
      await ds.destroy();
    }
  });
});
