import { ConfigurationError, loadAppConfig } from './app-config';

describe('loadAppConfig', () => {
  it('defaults to the embedded SQLite database and the documented settings', () => {
    const config = loadAppConfig({});
    expect(config).toMatchObject({
      port: 3000,
      databaseUrl: 'sqlite:./data/payments.sqlite',
      embeddedDefault: true,
      migrationsRun: true,
      idempotency: { enabled: true, ttlSeconds: 86_400, leaseMs: 60_000, waitMs: 5_000 },
      dbLockWaitSeconds: undefined,
      dbTransientRetries: 30,
      httpKeepAliveTimeoutMs: 72_000,
    });
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'postgres://x/y' }, 'DATABASE_URL'],
    [{ IDEMPOTENCY_WAIT_MS: '1.5' }, 'IDEMPOTENCY_WAIT_MS'],
    [{ IDEMPOTENCY_WAIT_MS: '70000' }, 'IDEMPOTENCY_WAIT_MS'],
    [{ MIGRATIONS_RUN: 'maybe' }, 'MIGRATIONS_RUN'],
    [{ IDEMPOTENCY_SCHEMA: 'bad-name;' }, 'IDEMPOTENCY_SCHEMA'],
    [{ DB_LOCK_WAIT_SECONDS: '0' }, 'DB_LOCK_WAIT_SECONDS'],
    [{ DB_TRANSIENT_RETRIES: '-1' }, 'DB_TRANSIENT_RETRIES'],
    [{ BOOTSTRAP_API_KEY: 'short' }, 'BOOTSTRAP_API_KEY'],
    [{ HTTP_ADAPTER: 'koa' }, 'HTTP_ADAPTER'],
    [{ HTTP_KEEP_ALIVE_TIMEOUT_MS: '500' }, 'HTTP_KEEP_ALIVE_TIMEOUT_MS'],
  ])('refuses %p, naming %s', (env, variable) => {
    expect(() => loadAppConfig(env)).toThrow(ConfigurationError);
    try {
      loadAppConfig(env);
    } catch (error) {
      expect((error as ConfigurationError).variable).toBe(variable);
      expect((error as Error).message.startsWith(variable)).toBe(true);
    }
  });
});

describe('loadAppConfig: webhooks', () => {
  it('defaults: dispatcher on, private destinations refused, 10 s timeout, retries from 5 s up to 1 h for 3 days', () => {
    expect(loadAppConfig({}).webhooks).toEqual({
      dispatcherEnabled: true,
      allowPrivateUrls: false,
      timeoutMs: 10_000,
      retryBaseMs: 5_000,
      retryCapMs: 3_600_000,
      retryWindowSeconds: 259_200,
      pollMs: 1_000,
      leaseMs: 60_000,
      batchSize: 20,
      secretsKey: undefined,
    });
    expect(loadAppConfig({ WEBHOOK_SECRETS_KEY: 'ab'.repeat(32) }).webhooks.secretsKey).toEqual(Buffer.alloc(32, 0xab));
  });

  it.each([
    [{ WEBHOOK_LEASE_MS: '15000' }, 'WEBHOOK_LEASE_MS'],
    [{ WEBHOOK_RETRY_BASE_MS: '10000', WEBHOOK_RETRY_CAP_MS: '5000' }, 'WEBHOOK_RETRY_CAP_MS'],
    [{ WEBHOOK_SECRETS_KEY: 'not-hex' }, 'WEBHOOK_SECRETS_KEY'],
    [{ WEBHOOK_ALLOW_PRIVATE_URLS: 'sometimes' }, 'WEBHOOK_ALLOW_PRIVATE_URLS'],
    [{ WEBHOOKS_DISPATCHER_ENABLED: 'off' }, 'WEBHOOKS_DISPATCHER_ENABLED'],
    [{ WEBHOOK_TIMEOUT_MS: '50' }, 'WEBHOOK_TIMEOUT_MS'],
  ])('refuses %p, naming %s', (env, variable) => {
    expect(() => loadAppConfig(env)).toThrow(expect.objectContaining({ variable }));
  });
});
