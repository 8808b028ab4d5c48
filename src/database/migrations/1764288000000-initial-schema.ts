import { MigrationInterface, QueryRunner, Table, TableColumnOptions, TableIndex } from 'typeorm';
import { idempotencyKeysTable } from '../../idempotency/idempotency-keys.table';

/**
 * The whole schema, on MySQL/MariaDB and SQLite alike through TypeORM's dialect-neutral Table API.
 * Money is BIGINT (SQLite INTEGER, 64-bit): integer minor units, never DECIMAL or FLOAT.
 */
export class InitialSchema1764288000000 implements MigrationInterface {
  name = 'InitialSchema1764288000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const mysql = queryRunner.connection.options.type === 'mysql';
    const c = columns(mysql);

    await create(queryRunner, 'clients', [
      c.publicId('id', true),
      c.varchar('name', 100),
      { name: 'api_key_hash', type: 'varchar', length: '64', isUnique: true },
      c.varchar('api_key_prefix', 16),
      c.createdAt,
    ]);
    await create(
      queryRunner,
      'accounts',
      [
        c.seq,
        c.publicId('id'),
        c.publicId('client_id', false, false),
        c.varchar('name', 200),
        c.currency,
        c.money('balance', '0'),
        c.varchar('kind', 16),
        { name: 'external_key', type: 'varchar', length: '64', isNullable: true, isUnique: true },
        { name: 'allow_negative', type: 'boolean', default: mysql ? 0 : false },
        c.text('metadata'),
        c.createdAt,
      ],
      [['client_id', 'seq']],
    );
    await create(
      queryRunner,
      'ledger_entries',
      [
        c.seq,
        c.publicId('id'),
        c.publicId('client_id', false, false),
        c.publicId('account_id', false, false),
        c.publicId('posting_id', false, false),
        c.varchar('posting_type', 16),
        c.money('amount'),
        c.currency,
        c.createdAt,
      ],
      [['account_id', 'seq'], ['posting_id']],
    );
    await create(
      queryRunner,
      'transfers',
      [
        c.seq,
        c.publicId('id'),
        c.publicId('client_id', false, false),
        c.publicId('from_account', false, false),
        c.publicId('to_account', false, false),
        c.money('amount'),
        c.money('amount_reversed', '0'),
        c.currency,
        c.varchar('status', 16),
        { name: 'description', type: 'varchar', length: '500', isNullable: true },
        c.text('metadata'),
        c.createdAt,
      ],
      [['client_id', 'seq'], ['from_account', 'seq'], ['to_account', 'seq']],
    );
    await create(
      queryRunner,
      'deposits',
      [
        c.seq,
        c.publicId('id'),
        c.publicId('client_id', false, false),
        c.publicId('account_id', false, false),
        c.money('amount'),
        c.currency,
        { name: 'description', type: 'varchar', length: '500', isNullable: true },
        c.createdAt,
      ],
      [['client_id', 'seq']],
    );
    await create(
      queryRunner,
      'reversals',
      [
        c.seq,
        c.publicId('id'),
        c.publicId('client_id', false, false),
        c.publicId('transfer_id', false, false),
        c.money('amount'),
        c.currency,
        c.createdAt,
      ],
      [['transfer_id', 'seq']],
    );

    const schema = mysql ? process.env.IDEMPOTENCY_SCHEMA?.trim() || undefined : undefined;
    if (schema) await queryRunner.query(`CREATE DATABASE IF NOT EXISTS \`${schema}\``);
    const { table, indices } = idempotencyKeysTable(mysql ? 'mysql' : 'sqlite', schema);
    await queryRunner.createTable(table);
    for (const index of indices) await queryRunner.createIndex(table, index);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const mysql = queryRunner.connection.options.type === 'mysql';
    const schema = mysql ? process.env.IDEMPOTENCY_SCHEMA?.trim() || undefined : undefined;
    await queryRunner.dropTable(schema ? `${schema}.idempotency_keys` : 'idempotency_keys');
    for (const name of ['reversals', 'deposits', 'transfers', 'ledger_entries', 'accounts', 'clients']) {
      await queryRunner.dropTable(name);
    }
  }
}

function columns(mysql: boolean) {
  const idCharset = mysql ? { charset: 'ascii', collation: 'ascii_bin' } : {};
  return {
    seq: {
      name: 'seq',
      type: mysql ? 'bigint' : 'integer',
      isPrimary: true,
      isGenerated: true,
      generationStrategy: 'increment',
    } as TableColumnOptions,
    publicId: (name: string, primary = false, unique = !primary): TableColumnOptions => ({
      name,
      type: 'varchar',
      length: '40',
      isPrimary: primary,
      isUnique: unique,
      ...idCharset,
    }),
    varchar: (name: string, length: number): TableColumnOptions => ({ name, type: 'varchar', length: String(length) }),
    money: (name: string, defaultValue?: string): TableColumnOptions => ({
      name,
      type: 'bigint',
      ...(defaultValue === undefined ? {} : { default: defaultValue }),
    }),
    text: (name: string): TableColumnOptions => ({ name, type: 'text', isNullable: true }),
    currency: { name: 'currency', type: 'varchar', length: '3' } as TableColumnOptions,
    createdAt: { name: 'created_at', type: 'datetime', ...(mysql ? { precision: 3 } : {}) } as TableColumnOptions,
  };
}

async function create(queryRunner: QueryRunner, name: string, cols: TableColumnOptions[], indexes: string[][] = []): Promise<void> {
  const table = new Table({ name, columns: cols });
  await queryRunner.createTable(table);
  for (const columnNames of indexes) {
    await queryRunner.createIndex(table, new TableIndex({ name: `ix_${name}_${columnNames.join('_')}`, columnNames }));
  }
}
