import 'reflect-metadata';
import type { Server } from 'node:http';
import { ConfigurationError, loadAppConfig } from './config/app-config';
import { ensureStartupClients } from './auth/startup-clients';
import { checkDatabaseReachable } from './database/database-preflight';
import { createApp } from './http-setup';
import { startBankSimulator } from './bank-simulator/bank-simulator.server';

/** Reasons to stop at start-up, with the variable to fix named in one line. */
function startupFailure(error: unknown): string {
  if (error instanceof ConfigurationError) return `configuration error: ${error.message}`;
  return `start-up failed: ${(error as Error).message ?? String(error)}`;
}

/**
 * On SIGTERM Nest stops accepting connections, lets in-flight requests finish and closes the pool
 * (shutdown hooks). A request stuck longer than this is abandoned: its transaction rolls back with
 * the connection, so nothing half-written remains, and the client's retry runs it again.
 */
const SHUTDOWN_GRACE_MS = 15_000;

async function main(): Promise<void> {
  const listening: { server?: Server } = {};
  process.once('SIGTERM', () => {
    setTimeout(() => {
      console.error(`shutdown: requests still running after ${SHUTDOWN_GRACE_MS} ms; exiting`);
      process.exit(1);
    }, SHUTDOWN_GRACE_MS).unref();
    // The server closes only once every connection has: an idle keep-alive connection (kept 72 s)
    // would hold it open past the grace period. Closing stops new connections and drops the idle
    // ones once; a connection whose request is still running goes idle when it is answered, and
    // is dropped then, by this.
    setInterval(() => listening.server?.closeIdleConnections(), 100).unref();
  });
  const config = loadAppConfig();
  await checkDatabaseReachable(config.databaseUrl);
  if (!config.bank.url) {
    // The embedded default: a simulated bank in this process, so a payout works with no set-up.
    const bank = await startBankSimulator({ port: 0, databaseFile: './data/bank.sqlite' });
    config.bank.url = bank.url;
    console.log(`simulated bank (in-process) on ${bank.url}; set BANK_URL to use another`);
  }
  const app = await createApp(config);
  for (const line of await ensureStartupClients(app, config)) console.log(line);
  await app.listen(config.port, '0.0.0.0');
  listening.server = app.getHttpServer() as Server;
  console.log(`payments API listening on http://localhost:${config.port} (${config.httpAdapter}, ${config.databaseUrl.replace(/\/\/[^@/]*@/, '//***@')})`);
}

main().catch((error) => {
  console.error(startupFailure(error));
  process.exit(1);
});
