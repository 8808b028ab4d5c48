import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { ConfigurationError, loadAppConfig } from './config/app-config';
import { checkDatabaseReachable } from './database/database-preflight';
import { nestLogLevels } from './http-setup';
import { startBankSimulator } from './bank-simulator/bank-simulator.server';

/**
 * `npm run worker`: the background jobs in a process of their own, without HTTP: the completer,
 * which finishes payouts (multi-phase requests) left pending by a crash or an unknown bank answer.
 * Several workers, and the API processes' own completers, may run at once: a key's lease with its
 * owner token lets only one of them work on a key at a time.
 */
async function main(): Promise<void> {
  const config = loadAppConfig();
  await checkDatabaseReachable(config.databaseUrl);
  if (!config.bank.url) {
    // The embedded default: the same simulated bank books as `npm start`'s in-process bank.
    config.bank.url = (await startBankSimulator({ port: 0, databaseFile: './data/bank.sqlite' })).url;
  }
  const app = await NestFactory.createApplicationContext(AppModule.forRoot({ ...config, completerEnabled: true }), {
    logger: nestLogLevels(config.logLevel),
    abortOnError: false,
  });
  app.enableShutdownHooks();
  console.log('worker running: completer of unfinished payouts');
}

main().catch((error) => {
  console.error(
    error instanceof ConfigurationError ? `configuration error: ${error.message}` : `worker failed to start: ${(error as Error).message}`,
  );
  process.exit(1);
});
