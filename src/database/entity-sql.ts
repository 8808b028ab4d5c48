import type { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import type { EntityMetadata } from 'typeorm/metadata/EntityMetadata';

/** `?, ?, …`: `count` placeholders. */
export function placeholders(count: number): string {
  return Array.from({ length: count }, () => '?').join(', ');
}

/**
 * SQL that depends only on a size (a number of rows or of ids): written by `build` the first time a
 * size is asked for, then kept, so the hot paths do not rebuild the same text on every request.
 */
export class StatementsBySize {
  private readonly statements = new Map<number, string>();

  constructor(private readonly build: (size: number) => string) {}

  get(size: number): string {
    let sql = this.statements.get(size);
    if (sql === undefined) {
      sql = this.build(size);
      this.statements.set(size, sql);
    }
    return sql;
  }
}

/**
 * Parameterized SQL for hot paths, written once from an entity's TypeORM metadata (table, column
 * names, types, transformers) and sent through the transaction's query runner. The entities still
 * describe the schema; what is saved is TypeORM's query builder on every request, which escaped,
 * renamed and re-parsed the same statement each time (about a sixth of the server's CPU under load).
 * Values go through the driver's own conversions (`preparePersistentValue`, `prepareHydratedValue`),
 * so a Date, a boolean or a BIGINT is written and read exactly as the repository would.
 */
export class EntitySql<T extends ObjectLiteral> {
  readonly metadata: EntityMetadata;
  /** `accounts`, quoted for the dialect. */
  readonly table: string;
  private readonly inserted: ColumnMetadata[];
  /** `INSERT … VALUES (?, …), …` per number of rows. */
  private readonly inserts = new StatementsBySize((rows) => {
    const row = `(${placeholders(this.inserted.length)})`;
    return `INSERT INTO ${this.table} (${this.insertedColumns()}) VALUES ${Array.from({ length: rows }, () => row).join(', ')}`;
  });

  constructor(
    private readonly dataSource: DataSource,
    target: EntityTarget<T>,
  ) {
    this.metadata = dataSource.getMetadata(target);
    this.table = this.quote(this.metadata.tableName);
    // Generated columns (the `seq` insertion order) are left to the database.
    this.inserted = this.metadata.columns.filter((column) => !column.isGenerated);
  }

  private insertedColumns(): string {
    return this.inserted.map((c) => this.quote(c.databaseName)).join(', ');
  }

  /** A column's name in the database, quoted: `column('clientId')` is `` `client_id` ``. */
  column(property: keyof T & string): string {
    const column = this.metadata.findColumnWithPropertyName(property);
    if (!column) throw new Error(`${this.metadata.name} has no column ${property}`);
    return this.quote(column.databaseName);
  }

  /** `INSERT INTO t (…) VALUES (?, …), (?, …)` for `rows` rows, and its parameters. */
  insert(entities: Array<Partial<T>>): { sql: string; parameters: unknown[] } {
    const sql = this.inserts.get(entities.length);
    const parameters: unknown[] = [];
    for (const entity of entities) {
      for (const column of this.inserted) parameters.push(this.toDb(column, entity[column.propertyName as keyof T]));
    }
    return { sql, parameters };
  }

  /**
   * `INSERT INTO t (…) SELECT ?, … WHERE <condition>`: one row, written only if `condition` (SQL
   * with its own parameters) holds when the statement runs. `affected` tells which happened.
   */
  insertWhere(entity: Partial<T>, condition: string, conditionParameters: unknown[]): { sql: string; parameters: unknown[] } {
    // MySQL wants a table for a WHERE: DUAL; SQLite has none and needs none.
    const from = this.dataSource.options.type === 'mysql' ? ' FROM DUAL' : '';
    const sql = `INSERT INTO ${this.table} (${this.insertedColumns()}) SELECT ${placeholders(this.inserted.length)}${from} WHERE ${condition}`;
    const parameters: unknown[] = this.inserted.map((column) => this.toDb(column, entity[column.propertyName as keyof T]));
    parameters.push(...conditionParameters);
    return { sql, parameters };
  }

  /** A value for a parameter of `property`, converted as TypeORM converts it for this column. */
  toDb(column: ColumnMetadata | (keyof T & string), value: unknown): unknown {
    const metadata = typeof column === 'string' ? this.metadata.findColumnWithPropertyName(column)! : column;
    const prepared = this.dataSource.driver.preparePersistentValue(value, metadata);
    return prepared === undefined ? null : prepared;
  }

  /** A row read with `SELECT <database names>` as an entity: names mapped back, values converted. */
  fromRow(row: Record<string, unknown>): T {
    const entity = {} as Record<string, unknown>;
    for (const column of this.metadata.columns) {
      if (!(column.databaseName in row)) continue;
      entity[column.propertyName] = this.dataSource.driver.prepareHydratedValue(row[column.databaseName], column);
    }
    return entity as T;
  }

  /** `` `id`, `client_id`, … `` for a SELECT of these properties (all columns when none are named). */
  columns(...properties: Array<keyof T & string>): string {
    const columns = properties.length ? properties.map((p) => this.metadata.findColumnWithPropertyName(p)!) : this.metadata.columns;
    return columns.map((c) => this.quote(c.databaseName)).join(', ');
  }

  private quote(name: string): string {
    return this.dataSource.driver.escape(name);
  }
}
