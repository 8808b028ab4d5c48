import { randomBytes } from 'node:crypto';
import { MigrationInterface, QueryRunner, Table, TableColumn, TableColumnOptions, TableIndex } from 'typeorm';

/**
 * Several API keys per client, each revocable and with an optional expiry: the single key of
 * `clients` moves into `api_keys` (same hash, so every existing key keeps working), and the two
 * columns leave `clients`. On MySQL/MariaDB and SQLite alike through TypeORM's Table API.
 */
export class ApiKeys1765100000000 implements MigrationInterface {
  name = 'ApiKeys1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const mysql = queryRunner.connection.options.type === 'mysql';
    const ascii = mysql ? { charset: 'ascii', collation: 'ascii_bin' } : {};
    const datetime = (name: string, nullable: boolean): TableColumnOptions => ({
      name,
      type: 'datetime',
      isNullable: nullable,
      ...(mysql ? { precision: 3 } : {}),
    });
    const table = new Table({
      name: 'api_keys',
      columns: [
        { name: 'id', type: 'varchar', length: '40', isPrimary: true, ...ascii },
        { name: 'client_id', type: 'varchar', length: '40', ...ascii },
        { name: 'key_hash', type: 'varchar', length: '64', ...ascii },
        { name: 'key_prefix', type: 'varchar', length: '16' },
        { name: 'read_only', type: 'boolean', default: mysql ? 0 : false },
        datetime('created_at', false),
        datetime('expires_at', true),
        datetime('revoked_at', true),
        datetime('last_used_at', true),
      ],
    });
    await queryRunner.createTable(table);
    await queryRunner.createIndex(table, new TableIndex({ name: 'ux_api_keys_key_hash', columnNames: ['key_hash'], isUnique: true }));
    await queryRunner.createIndex(table, new TableIndex({ name: 'ix_api_keys_client_id', columnNames: ['client_id'] }));

    // Row by row so each key gets a random id like every other id (`key_` and 120 random bits);
    // created_at is copied by the database itself, so no dialect's date format is re-parsed here.
    const clients: Array<{ id: string }> = await queryRunner.query('SELECT id FROM clients');
    for (const { id } of clients) {
      await queryRunner.query(
        `INSERT INTO api_keys (id, client_id, key_hash, key_prefix, read_only, created_at)
         SELECT ?, id, api_key_hash, api_key_prefix, ?, created_at FROM clients WHERE id = ?`,
        [`key_${randomBytes(15).toString('base64url')}`, mysql ? 0 : false, id],
      );
    }
    await queryRunner.dropColumn('clients', 'api_key_hash');
    await queryRunner.dropColumn('clients', 'api_key_prefix');
  }

  /** Back to one key per client: the newest key still usable (or, failing that, the newest at all). */
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('clients', new TableColumn({ name: 'api_key_hash', type: 'varchar', length: '64', isNullable: true, isUnique: true }));
    await queryRunner.addColumn('clients', new TableColumn({ name: 'api_key_prefix', type: 'varchar', length: '16', isNullable: true }));
    const keys: Array<{ client_id: string; key_hash: string; key_prefix: string }> = await queryRunner.query(
      `SELECT client_id, key_hash, key_prefix FROM api_keys
        ORDER BY CASE WHEN revoked_at IS NULL THEN 1 ELSE 0 END, created_at`,
    );
    // Later rows win: usable keys sort after revoked ones, newer after older.
    const chosen = new Map(keys.map((key) => [key.client_id, key]));
    for (const key of chosen.values()) {
      await queryRunner.query('UPDATE clients SET api_key_hash = ?, api_key_prefix = ? WHERE id = ?', [key.key_hash, key.key_prefix, key.client_id]);
    }
    await queryRunner.dropTable('api_keys');
  }
}
