import { MigrationInterface, QueryRunner, Table, TableColumn, TableIndex } from 'typeorm';

/**
 * Multi-phase idempotency (idempotency.md §7) and payouts. A key row gains where its request got
 * to (`recovery_point`), what the finished phases returned (`resume_state`, JSON) and the request
 * body a resume runs with (`request_body`); all NULL on single-transaction routes, which write
 * them never. Payouts get their own table; their money sits in a per-client in-transit account
 * of the existing `accounts` table while the bank's answer is unknown.
 */
export class PayoutsAndRecoveryPoints1765200000000 implements MigrationInterface {
  name = 'PayoutsAndRecoveryPoints1765200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const mysql = queryRunner.connection.options.type === 'mysql';
    const keys = keysTable(mysql);
    await queryRunner.addColumns(keys, [
      new TableColumn({ name: 'recovery_point', type: 'varchar', length: '64', isNullable: true }),
      new TableColumn({ name: 'resume_state', type: 'text', isNullable: true }),
      new TableColumn({ name: 'request_body', type: mysql ? 'mediumtext' : 'text', isNullable: true }),
    ]);
    // The completer's scan: unfinished keys whose lease lapsed. Single-transaction keys are NULL here.
    await queryRunner.createIndex(
      keys,
      new TableIndex({ name: 'ix_idempotency_keys_recovery_point', columnNames: ['recovery_point', 'lease_expires_at'] }),
    );

    const id = (name: string, unique = false) => ({
      name,
      type: 'varchar',
      length: '40',
      isUnique: unique,
      ...(mysql ? { charset: 'ascii', collation: 'ascii_bin' } : {}),
    });
    const datetime = { type: 'datetime', ...(mysql ? { precision: 3 } : {}) };
    const payouts = new Table({
      name: 'payouts',
      columns: [
        { name: 'seq', type: mysql ? 'bigint' : 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
        id('id', true),
        id('client_id'),
        id('account_id'),
        { name: 'amount', type: 'bigint' },
        { name: 'currency', type: 'varchar', length: '3' },
        { name: 'bank_account', type: 'varchar', length: '64' },
        { name: 'status', type: 'varchar', length: '16' },
        { name: 'failure_code', type: 'varchar', length: '40', isNullable: true },
        { name: 'bank_reference', type: 'varchar', length: '64', isNullable: true },
        { name: 'description', type: 'varchar', length: '500', isNullable: true },
        { name: 'metadata', type: 'text', isNullable: true },
        { name: 'created_at', ...datetime },
        { name: 'updated_at', ...datetime },
      ],
    });
    await queryRunner.createTable(payouts);
    for (const columnNames of [['client_id', 'seq'], ['account_id', 'seq'], ['status', 'created_at']]) {
      await queryRunner.createIndex(payouts, new TableIndex({ name: `ix_payouts_${columnNames.join('_')}`, columnNames }));
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const mysql = queryRunner.connection.options.type === 'mysql';
    await queryRunner.dropTable('payouts');
    const keys = keysTable(mysql);
    await queryRunner.dropIndex(keys, 'ix_idempotency_keys_recovery_point');
    for (const column of ['request_body', 'resume_state', 'recovery_point']) await queryRunner.dropColumn(keys, column);
  }
}

function keysTable(mysql: boolean): string {
  const schema = mysql ? process.env.IDEMPOTENCY_SCHEMA?.trim() || undefined : undefined;
  return schema ? `${schema}.idempotency_keys` : 'idempotency_keys';
}
