import { Table, TableIndex } from 'typeorm';

/**
 * The `idempotency_keys` table for a TypeORM migration of the application using the module, on
 * MySQL/MariaDB or SQLite. Keys compare byte for byte (`ascii_bin` on MySQL, whose default
 * collations would make `abc` and `ABC` one key).
 */
export function idempotencyKeysTable(dialect: 'mysql' | 'sqlite', schema?: string): { table: Table; indices: TableIndex[] } {
  const mysql = dialect === 'mysql';
  const datetime = { type: 'datetime', ...(mysql ? { precision: 3 } : {}) };
  const table = new Table({
    name: schema && mysql ? `${schema}.idempotency_keys` : 'idempotency_keys',
    columns: [
      { name: 'id', type: mysql ? 'bigint' : 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
      { name: 'scope', type: 'varchar', length: '64', ...(mysql ? { charset: 'ascii', collation: 'ascii_bin' } : {}) },
      { name: 'idempotency_key', type: 'varchar', length: '255', ...(mysql ? { charset: 'ascii', collation: 'ascii_bin' } : {}) },
      { name: 'status', type: 'varchar', length: '16' },
      { name: 'purpose', type: 'varchar', length: '100', isNullable: true },
      { name: 'method', type: 'varchar', length: '10', isNullable: true },
      { name: 'path', type: 'varchar', length: '2048', isNullable: true },
      { name: 'fingerprint', type: 'varchar', length: '64', isNullable: true },
      { name: 'lease_owner', type: 'varchar', length: '36', isNullable: true },
      { name: 'lease_expires_at', ...datetime, isNullable: true },
      { name: 'response_status', type: 'int', isNullable: true },
      { name: 'response_headers', type: 'text', isNullable: true },
      { name: 'response_body', type: mysql ? 'mediumtext' : 'text', isNullable: true },
      { name: 'created_at', ...datetime },
      { name: 'expires_at', ...datetime },
    ],
  });
  const indices = [
    new TableIndex({ name: 'uq_idempotency_keys_scope_key', columnNames: ['scope', 'idempotency_key'], isUnique: true }),
    new TableIndex({ name: 'ix_idempotency_keys_expires_at', columnNames: ['expires_at'] }),
  ];
  return { table, indices };
}

/**
 * The `idempotency_jobs` table: one lease row per background job of the module (the purge), so that
 * one process of many runs it at a time. A row, not a named lock: `GET_LOCK` is per server, and on a
 * multi-primary cluster (Galera) per node. Lives beside `idempotency_keys` (same schema).
 */
export function idempotencyJobsTable(dialect: 'mysql' | 'sqlite', schema?: string): Table {
  const mysql = dialect === 'mysql';
  return new Table({
    name: schema && mysql ? `${schema}.idempotency_jobs` : 'idempotency_jobs',
    columns: [
      { name: 'name', type: 'varchar', length: '64', isPrimary: true, ...(mysql ? { charset: 'ascii', collation: 'ascii_bin' } : {}) },
      { name: 'owner', type: 'varchar', length: '36', isNullable: true },
      { name: 'lease_expires_at', type: 'datetime', ...(mysql ? { precision: 3 } : {}), isNullable: true },
    ],
  });
}
