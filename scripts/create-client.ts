import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../src/app.module';
import { ApiKeysService } from '../src/auth/api-keys.service';
import { loadAppConfig } from '../src/config/app-config';

/** `npm run client:create -- --name acme`: creates a client and prints its API key, once. */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { name: { type: 'string' } } });
  const name = values.name?.trim();
  if (!name || name.length > 100) {
    console.error('usage: npm run client:create -- --name <client name, 1 to 100 characters>');
    process.exit(2);
  }
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(loadAppConfig()), { logger: ['error'] });
  try {
    const { client, apiKey } = await app.get(ApiKeysService).createClient(name);
    console.log(`client ${client.id} (${client.name}) created.`);
    console.log(`API key (shown only now; store it safely): ${apiKey}`);
  } finally {
    await app.close();
  }
}

main().catch((error) => {
  console.error(`client:create failed: ${(error as Error).message}`);
  process.exit(1);
});
