import type { Connection } from 'mysql2/promise';

/** One statement the server received, from MariaDB/MySQL's general query log. */
export interface LogRow {
  thread_id: number;
  command_type: string;
  argument: string;
}

/**
 * Runs `send` with the general query log on (into the mysql.general_log table), and returns the
 * statements that the connections of `database` sent meanwhile, in order. The log is on only
 * around `send`; the previous settings are restored after it.
 */
export async function logged(admin: Connection, database: string, send: () => Promise<void>): Promise<LogRow[]> {
  const [[before]] = (await admin.query('SELECT @@global.general_log AS on_, @@global.log_output AS output')) as any;
  const [[{ now }]] = (await admin.query('SELECT NOW(6) AS now')) as any;
  await admin.query("SET GLOBAL log_output = 'TABLE'");
  await admin.query('SET GLOBAL general_log = 1');
  try {
    await send();
  } finally {
    await admin.query(`SET GLOBAL general_log = ${Number(before.on_) ? 1 : 0}`);
    await admin.query('SET GLOBAL log_output = ?', [before.output]);
  }
  const [threads] = (await admin.query('SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ?', [database])) as any;
  const ids = (threads as Array<{ ID: number }>).map((t) => Number(t.ID));
  if (!ids.length) return [];
  const [rows] = (await admin.query(
    `SELECT thread_id, command_type, CONVERT(argument USING utf8mb4) AS argument FROM mysql.general_log
      WHERE event_time >= ? AND thread_id IN (${ids.map(() => '?').join(',')}) ORDER BY event_time`,
    [now, ...ids],
  )) as any;
  return (rows as LogRow[]).filter((row) => row.command_type === 'Query' || row.command_type === 'Execute');
}
