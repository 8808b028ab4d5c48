import type { Connection } from 'mysql2/promise';

/**
 * Galera replicates row events by primary key and only for InnoDB: a table without a primary key
 * replicates slowly or not at all, and a MyISAM table not at all. Every table the migrations make
 * must have both.
 */
export async function expectPrimaryKeysAndInnoDb(sql: Connection, database: string): Promise<void> {
  const [tables] = await sql.query(
    `SELECT t.table_name AS name, t.engine AS engine,
            (SELECT COUNT(*) FROM information_schema.table_constraints c
              WHERE c.table_schema = t.table_schema AND c.table_name = t.table_name
                AND c.constraint_type = 'PRIMARY KEY') AS primary_keys
       FROM information_schema.tables t
      WHERE t.table_schema = ? AND t.table_type = 'BASE TABLE'
      ORDER BY t.table_name`,
    [database],
  );
  const rows = tables as Array<{ name: string; engine: string; primary_keys: number | string }>;
  expect(rows.length).toBeGreaterThan(0);
  expect(
    rows.filter((t) => t.engine !== 'InnoDB' || Number(t.primary_keys) !== 1).map((t) => `${t.name} (${t.engine}, ${t.primary_keys} primary keys)`),
  ).toEqual([]);
}
