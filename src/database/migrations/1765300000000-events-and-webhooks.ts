import { MigrationInterface, QueryRunner, Table, TableColumnOptions, TableIndex } from 'typeorm';

/**
 * The transactional outbox: `events` (written in the transaction of the change they announce),
 * `webhook_endpoints`, one `webhook_deliveries` row per event × subscribed endpoint (claimed by
 * dispatchers with a lease), and `webhook_attempts`, the history of every POST made.
 */
export class EventsAndWebhooks1765300000000 implements MigrationInterface {
  name = 'EventsAndWebhooks1765300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const mysql = queryRunner.connection.options.type === 'mysql';
    const idCharset = mysql ? { charset: 'ascii', collation: 'ascii_bin' } : {};
    const seq: TableColumnOptions = {
      name: 'seq',
      type: mysql ? 'bigint' : 'integer',
      isPrimary: true,
      isGenerated: true,
      generationStrategy: 'increment',
    };
    const id = (name: string, unique = false, nullable = false): TableColumnOptions => ({
      name,
      type: 'varchar',
      length: '40',
      isUnique: unique,
      isNullable: nullable,
      ...idCharset,
    });
    const time = (name: string, nullable = false): TableColumnOptions => ({
      name,
      type: 'datetime',
      isNullable: nullable,
      ...(mysql ? { precision: 3 } : {}),
    });
    const text = (name: string): TableColumnOptions => ({ name, type: mysql ? 'mediumtext' : 'text' });

    await create(
      queryRunner,
      'events',
      [seq, id('id', true), id('client_id'), { name: 'type', type: 'varchar', length: '40' }, id('object_id'), text('data'), time('created_at')],
      [['client_id', 'seq'], ['client_id', 'type', 'seq'], ['object_id']],
    );
    await create(
      queryRunner,
      'webhook_endpoints',
      [
        seq,
        id('id', true),
        id('client_id'),
        { name: 'url', type: 'varchar', length: '2048' },
        { name: 'enabled_events', type: 'varchar', length: '1000' },
        { name: 'secret', type: 'varchar', length: '200' },
        time('created_at'),
      ],
      [['client_id', 'seq']],
    );
    await create(
      queryRunner,
      'webhook_deliveries',
      [
        seq,
        id('id', true),
        id('client_id'),
        id('event_id'),
        id('endpoint_id'),
        { name: 'status', type: 'varchar', length: '16' },
        { name: 'attempts', type: 'integer', default: '0' },
        time('next_attempt_at'),
        id('lease_owner', false, true),
        time('created_at'),
        time('finished_at', true),
      ],
      [['status', 'next_attempt_at'], ['endpoint_id', 'seq'], ['event_id']],
    );
    await create(
      queryRunner,
      'webhook_attempts',
      [
        seq,
        id('id', true),
        id('client_id'),
        id('delivery_id'),
        id('event_id'),
        id('endpoint_id'),
        { name: 'attempt', type: 'integer' },
        { name: 'status_code', type: 'integer', isNullable: true },
        { name: 'error', type: 'varchar', length: '200', isNullable: true },
        { name: 'outcome', type: 'varchar', length: '16' },
        { name: 'duration_ms', type: 'integer' },
        time('created_at'),
      ],
      [['endpoint_id', 'seq']],
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const name of ['webhook_attempts', 'webhook_deliveries', 'webhook_endpoints', 'events']) await queryRunner.dropTable(name);
  }
}

async function create(queryRunner: QueryRunner, name: string, columns: TableColumnOptions[], indexes: string[][]): Promise<void> {
  const table = new Table({ name, columns });
  await queryRunner.createTable(table);
  for (const columnNames of indexes) {
    await queryRunner.createIndex(table, new TableIndex({ name: `ix_${name}_${columnNames.join('_')}`, columnNames }));
  }
}
