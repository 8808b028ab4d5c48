import { MigrationInterface, QueryRunner } from 'typeorm';

/** A column's definition before (`was`) and after (`now`) this migration, on MySQL/MariaDB. */
interface Resize {
  table: string;
  column: string;
  was: string;
  now: string;
}

const UTF8 = 'CHARACTER SET utf8mb4 COLLATE utf8mb4_bin';

/**
 * Every value the validation admits fits its column on MySQL/MariaDB, as it always did on SQLite
 * (whose declared lengths are advisory):
 * - `metadata` (50 values of 500 characters under 40-character keys) serialized as JSON reaches
 *   ~160 KB when every character is escaped (`\u0001` is six bytes), or ~80 KB of "€": past TEXT's
 *   64 KB. MEDIUMTEXT holds 16 MB.
 * - The stored request `path` is bounded only by Node's header limit (16 KB by default, adjustable),
 *   not by the 2,048 characters of its VARCHAR: a long id in a keyed POST's path failed the claim
 *   with a 500 instead of reaching the route and its 404.
 * - Free text (names, descriptions) and stored responses are utf8mb4 whatever the server's default
 *   character set, so a 4-byte character is never "an incorrect string value".
 * SQLite needs nothing: it stores any length in any column.
 */
export class ColumnsHoldWhatValidationAdmits1765000000000 implements MigrationInterface {
  name = 'ColumnsHoldWhatValidationAdmits1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== 'mysql') return;
    for (const [table, changes] of byTable(resizes())) {
      await queryRunner.query(`ALTER TABLE ${table} ${changes.map((c) => `MODIFY ${c.column} ${c.now}`).join(', ')}`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== 'mysql') return;
    for (const [table, changes] of byTable(resizes())) {
      await queryRunner.query(`ALTER TABLE ${table} ${changes.map((c) => `MODIFY ${c.column} ${c.was}`).join(', ')}`);
    }
  }
}

function resizes(): Resize[] {
  // The idempotency table may live in a schema of its own (see the initial migration).
  const schema = process.env.IDEMPOTENCY_SCHEMA?.trim() || undefined;
  const keys = schema ? `\`${schema}\`.idempotency_keys` : 'idempotency_keys';
  return [
    { table: 'clients', column: 'name', was: 'VARCHAR(100) NOT NULL', now: `VARCHAR(100) ${UTF8} NOT NULL` },
    { table: 'accounts', column: 'name', was: 'VARCHAR(200) NOT NULL', now: `VARCHAR(200) ${UTF8} NOT NULL` },
    { table: 'accounts', column: 'metadata', was: 'TEXT NULL', now: `MEDIUMTEXT ${UTF8} NULL` },
    { table: 'transfers', column: 'description', was: 'VARCHAR(500) NULL', now: `VARCHAR(500) ${UTF8} NULL` },
    { table: 'transfers', column: 'metadata', was: 'TEXT NULL', now: `MEDIUMTEXT ${UTF8} NULL` },
    { table: 'deposits', column: 'description', was: 'VARCHAR(500) NULL', now: `VARCHAR(500) ${UTF8} NULL` },
    { table: keys, column: 'path', was: 'VARCHAR(2048) NULL', now: `MEDIUMTEXT ${UTF8} NULL` },
    { table: keys, column: 'response_headers', was: 'TEXT NULL', now: `MEDIUMTEXT ${UTF8} NULL` },
    { table: keys, column: 'response_body', was: 'MEDIUMTEXT NULL', now: `MEDIUMTEXT ${UTF8} NULL` },
  ];
}

function byTable(changes: Resize[]): Map<string, Resize[]> {
  const tables = new Map<string, Resize[]>();
  for (const change of changes) tables.set(change.table, [...(tables.get(change.table) ?? []), change]);
  return tables;
}
