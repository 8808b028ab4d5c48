import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { ApiKeysService } from './api-keys.service';

/**
 * Makes sure someone can call the API right after start-up: the `BOOTSTRAP_API_KEY` client, or on
 * the embedded database a demo client whose key is kept beside the database file and printed.
 * Returns the lines to print.
 */
export async function ensureStartupClients(app: INestApplication, config: AppConfig): Promise<string[]> {
  const apiKeys = app.get(ApiKeysService);
  if (config.bootstrapApiKey) {
    const client = await apiKeys.ensureClient(config.bootstrapClientName, config.bootstrapApiKey);
    return [`bootstrap client ${client.id} (${client.name}) is ready`];
  }
  const database = app.get(DataSource).options.database;
  if (!config.embeddedDefault || typeof database !== 'string' || database === ':memory:') return [];
  const keyFile = join(dirname(database), 'demo-api-key.txt');
  let apiKey = readKey(keyFile);
  if (!apiKey || !(await apiKeys.authenticate(apiKey))) {
    apiKey = (await apiKeys.createClient('demo')).apiKey;
    writeFileSync(keyFile, `${apiKey}\n`, { mode: 0o600 });
  }
  return [`demo API key (embedded database only, kept in ${keyFile}): ${apiKey}`];
}

function readKey(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
