import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger as PinoLogger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { startBankSimulator } from './bank-simulator/bank-simulator.server';
import { ConfigurationError, loadAppConfig } from './config/app-config';
import { checkDatabaseReachable } from './database/database-preflight';
import { nestLogLevels } from './http-setup';

/**
 * `npm run worker`: the background jobs in a process of their own, without HTTP: the webhook
 * dispatcher, the completer of payouts (multi-phase requests) left pending by a crash or an unknown
 * bank answer, and the purge of expired keys. Run it next to API processes started with
 * `WEBHOOKS_DISPATCHER_ENABLED=false` and `COMPLETER_ENABLED=false`, or as well as them: every job
 * shares its work through leases with owner tokens, so two processes never work on one row at once.
 */
async function main(): Promise<void> {
  const config = loadAppConfig();
  await checkDatabaseReachable(config.databaseUrl);
  if (!config.bank.url) {
    // The embedded default: the same simulated bank books as `npm start`'s in-process bank.
    config.bank.url = (await startBankSimulator({ port: 0, databaseFile: './data/bank.sqlite' })).url;
  }
  const jobs = { ...config, completerEnabled: true, webhooks: { ...config.webhooks, dispatcherEnabled: true } };
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(jobs), { logger: nestLogLevels(config.logLevel), abortOnError: false });
  app.useLogger(app.get(PinoLogger));
  // Exit 0 once the dispatcher has finished its sends in flight and the pool is closed.
  app.enableShutdownHooks(undefined, { useProcessExit: true });
  console.log(`payments worker running: webhook dispatcher, payout completer (${config.databaseUrl.replace(/\/\/[^@/]*@/, '//***@')})`);
}

main().catch((error) => {
  console.error(
    error instanceof ConfigurationError
      ? `configuration error: ${error.message}`
      : `worker failed to start: ${(error as Error).message ?? String(error)}`,
  );
  process.exit(1);
});
