import { MigrationInterface, QueryRunner } from 'typeorm';

const UTF8 = 'CHARACTER SET utf8mb4 COLLATE utf8mb4_bin';

/**
 * A payout takes the same `description` and `metadata` as a transfer, so its columns are sized as
 * ColumnsHoldWhatValidationAdmits1765000000000 sized the transfer's: metadata at its heaviest is
 * ~80 KB of "€" (past TEXT's 64 KB on MySQL/MariaDB), and free text is utf8mb4 whatever the
 * server's default. The stored request body of a multi-phase key is utf8mb4 too. SQLite needs nothing.
 */
export class PayoutTextHoldsWhatValidationAdmits1765600000000 implements MigrationInterface {
  name = 'PayoutTextHoldsWhatValidationAdmits1765600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== 'mysql') return;
    await queryRunner.query(`ALTER TABLE payouts MODIFY description VARCHAR(500) ${UTF8} NULL, MODIFY metadata MEDIUMTEXT ${UTF8} NULL`);
    await queryRunner.query(`ALTER TABLE ${keysTable()} MODIFY request_body MEDIUMTEXT ${UTF8} NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== 'mysql') return;
    await queryRunner.query('ALTER TABLE payouts MODIFY description VARCHAR(500) NULL, MODIFY metadata TEXT NULL');
    await queryRunner.query(`ALTER TABLE ${keysTable()} MODIFY request_body MEDIUMTEXT NULL`);
  }
}

/** `idempotency_keys`, in its own schema when `IDEMPOTENCY_SCHEMA` put it there. */
function keysTable(): string {
  const schema = process.env.IDEMPOTENCY_SCHEMA?.trim() || undefined;
  return schema ? `\`${schema}\`.idempotency_keys` : 'idempotency_keys';
}
