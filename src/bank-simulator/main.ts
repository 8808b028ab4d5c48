import { startBankSimulator } from './bank-simulator.server';

/** `npm run bank`: the simulated bank on BANK_PORT (default 4000), its books in BANK_DATABASE_FILE. */
async function main(): Promise<void> {
  const raw = process.env.BANK_PORT?.trim() || '4000';
  if (!/^\d+$/.test(raw) || Number(raw) > 65_535) throw new Error(`BANK_PORT must be a port number; got "${raw}"`);
  const databaseFile = process.env.BANK_DATABASE_FILE?.trim() || './data/bank.sqlite';
  const bank = await startBankSimulator({ port: Number(raw), databaseFile, host: process.env.BANK_HOST?.trim() || '127.0.0.1' });
  console.log(`bank simulator listening on ${bank.url} (books in ${databaseFile})`);
  const stop = () => void bank.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error) => {
  console.error(`bank simulator failed to start: ${(error as Error).message}`);
  process.exit(1);
});
