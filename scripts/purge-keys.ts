import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../src/app.module';
import { loadAppConfig } from '../src/config/app-config';
import { IdempotencyPurgeService } from '../src/idempotency';

/** `npm run keys:purge`: deletes expired idempotency keys now, in batches, showing progress. */
async function main(): Promise<void> {
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(loadAppConfig()), { logger: ['error'] });
  try {
    const started = Date.now();
    const total = await app.get(IdempotencyPurgeService).purge((soFar) => console.log(`… ${soFar} expired keys deleted`));
    console.log(`done: ${total} expired idempotency keys deleted in ${Date.now() - started} ms`);
  } finally {
    await app.close();
  }
}

main().catch((error) => {
  console.error(`keys:purge failed: ${(error as Error).message}`);
  process.exit(1);
});
