import { MigrationInterface, QueryRunner } from 'typeorm';

const UTF8 = 'CHARACTER SET utf8mb4 COLLATE utf8mb4_bin';

/**
 * An event carries the object as the API shows it: a transfer with the largest metadata the
 * validation admits is ~80 KB of "€" or 4-byte characters. `events.data` is MEDIUMTEXT already;
 * this pins it, and the attempt's error text, to utf8mb4 whatever the server's default character
 * set, as ColumnsHoldWhatValidationAdmits1765000000000 does for the other free text, so a 4-byte
 * character can never fail the outbox insert (and with it the transfer). SQLite needs nothing.
 */
export class EventDataHoldsTheLargestObject1765400000000 implements MigrationInterface {
  name = 'EventDataHoldsTheLargestObject1765400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== 'mysql') return;
    await queryRunner.query(`ALTER TABLE events MODIFY data MEDIUMTEXT ${UTF8} NOT NULL`);
    await queryRunner.query(`ALTER TABLE webhook_attempts MODIFY error VARCHAR(200) ${UTF8} NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== 'mysql') return;
    await queryRunner.query('ALTER TABLE events MODIFY data MEDIUMTEXT NOT NULL');
    await queryRunner.query('ALTER TABLE webhook_attempts MODIFY error VARCHAR(200) NULL');
  }
}
