import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger as PinoLogger } from 'nestjs-pino';
import { ConfigurationError, loadAppConfig } from './config/app-config';
import { checkDatabaseReachable } from './database/database-preflight';
import { nestLogLevels } from './http-setup';
import { WorkerModule } from './worker.module';

/**
 * `npm run worker`: the background jobs alone, without HTTP (the webhook dispatcher, always on
 * here). Run it next to app processes started with `WEBHOOKS_DISPATCHER_ENABLED=false`, or as well
 * as them: dispatchers share the work through leases on MySQL/MariaDB.
 */
async function main(): Promise<void> {
  const config = loadAppConfig();
  config.webhooks.dispatcherEnabled = true;
  await checkDatabaseReachable(config.databaseUrl);
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), { abortOnError: false, logger: nestLogLevels(config.logLevel) });
  app.useLogger(app.get(PinoLogger));
  // Exit 0 once the dispatcher has finished its sends in flight and the pool is closed.
  app.enableShutdownHooks(undefined, { useProcessExit: true });
  console.log(`payments worker running: webhook dispatcher (${config.databaseUrl.replace(/\/\/[^@/]*@/, '//***@')})`);
}

main().catch((error) => {
  console.error(error instanceof ConfigurationError ? `configuration error: ${error.message}` : `start-up failed: ${(error as Error).message ?? String(error)}`);
  process.exit(1);
});
