import 'reflect-metadata';
import { ConfigurationError, loadAppConfig } from './config/app-config';
import { ensureStartupClients } from './auth/startup-clients';
import { checkDatabaseReachable } from './database/database-preflight';
import { createApp } from './http-setup';

/** Reasons to stop at start-up, with the variable to fix named in one line. */
function startupFailure(error: unknown): string {
  if (error instanceof ConfigurationError) return `configuration error: ${error.message}`;
  return `start-up failed: ${(error as Error).message ?? String(error)}`;
}

async function main(): Promise<void> {
  const config = loadAppConfig();
  await checkDatabaseReachable(config.databaseUrl);
  const app = await createApp(config);
  for (const line of await ensureStartupClients(app, config)) console.log(line);
  await app.listen(config.port, '0.0.0.0');
  console.log(`payments API listening on http://localhost:${config.port} (${config.httpAdapter}, ${config.databaseUrl.replace(/\/\/[^@/]*@/, '//***@')})`);
}

main().catch((error) => {
  console.error(startupFailure(error));
  process.exit(1);
});
