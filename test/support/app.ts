import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import TestAgent from 'supertest/lib/agent';
import { ApiKeysService } from '../../src/auth/api-keys.service';
import { loadAppConfig } from '../../src/config/app-config';
import { createApp } from '../../src/http-setup';

export type HttpAdapterKind = 'express' | 'fastify';

export interface TestApp {
  app: INestApplication;
  http: TestAgent;
  /** API key of a client created for the test. */
  apiKey: string;
  /** Creates one more client and returns its API key. */
  newClient(name?: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * Boots the real application in-process (same module graph, pipes, filters and body parsing as
 * `npm start`) against `databaseUrl`, on the given HTTP adapter (else the default), with extra environment settings.
 */
export async function bootTestApp(
  databaseUrl: string,
  options: { adapter?: HttpAdapterKind; env?: Record<string, string> } = {},
): Promise<TestApp> {
  const config = loadAppConfig({
    DATABASE_URL: databaseUrl,
    // Without one named, the application's own default adapter.
    ...(options.adapter ? { HTTP_ADAPTER: options.adapter } : {}),
    LOG_LEVEL: 'silent',
    ...options.env,
  });
  const app = await createApp(config, { logger: false });
  await app.init();
  if (config.httpAdapter === 'fastify') {
    await app.getHttpAdapter().getInstance().ready();
  }
  const apiKeys = app.get(ApiKeysService);
  const newClient = async (name = 'test-client') => (await apiKeys.createClient(name)).apiKey;
  return {
    app,
    http: request(app.getHttpServer()),
    apiKey: await newClient(),
    newClient,
    close: () => app.close(),
  };
}

/** An `Authorization` header for an API key. */
export function bearer(apiKey: string): { Authorization: string } {
  return { Authorization: `Bearer ${apiKey}` };
}
