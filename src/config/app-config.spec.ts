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
      dbTransientRetries: 3,
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
