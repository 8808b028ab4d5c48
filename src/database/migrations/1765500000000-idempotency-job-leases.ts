import { MigrationInterface, QueryRunner } from 'typeorm';
import { idempotencyJobsTable } from '../../idempotency';

/** The lease rows of the idempotency module's background jobs (one purge runner among many processes). */
export class IdempotencyJobLeases1765500000000 implements MigrationInterface {
  name = 'IdempotencyJobLeases1765500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(idempotencyJobsTable(dialect(queryRunner), schema(queryRunner)), true);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable(idempotencyJobsTable(dialect(queryRunner), schema(queryRunner)), true);
  }
}

function dialect(queryRunner: QueryRunner): 'mysql' | 'sqlite' {
  return queryRunner.connection.options.type === 'mysql' ? 'mysql' : 'sqlite';
}

/** The schema of `idempotency_keys`, as the initial migration chose it. */
function schema(queryRunner: QueryRunner): string | undefined {
  return dialect(queryRunner) === 'mysql' ? process.env.IDEMPOTENCY_SCHEMA?.trim() || undefined : undefined;
}
