import { createConnection } from 'mysql2/promise';
import { ConfigurationError } from '../config/app-config';
import { dataSourceOptions } from './data-source-options';

/**
 * Connects once before the application is built, so that a wrong `DATABASE_URL` stops start-up
 * with one line naming it instead of a framework stack trace.
 */
export async function checkDatabaseReachable(databaseUrl: string): Promise<void> {
  const options = dataSourceOptions(databaseUrl); // also creates the SQLite file's folder
  if (options.type !== 'mysql') return;
  try {
    const connection = await createConnection({
      host: options.host,
      port: options.port,
      socketPath: options.socketPath,
      user: options.username,
      password: options.password,
      database: options.database,
      connectTimeout: 5_000,
    });
    await connection.end();
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    throw new ConfigurationError('DATABASE_URL', `cannot be used: ${code ?? 'error'}: ${message}`);
  }
}
