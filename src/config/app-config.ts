/** The application's settings, read once from the environment and checked before anything starts. */
export interface AppConfig {
  port: number;
  httpAdapter: 'express' | 'fastify';
  databaseUrl: string;
  /** The database URL was not given: the embedded SQLite default is in use. */
  embeddedDefault: boolean;
  dbPoolSize: number;
  migrationsRun: boolean;
  bootstrapApiKey?: string;
  bootstrapClientName: string;
  idempotency: { enabled: boolean; ttlSeconds: number; leaseMs: number; waitMs: number; schema?: string; replayCacheSize: number };
  /** Requests per minute per client (per process). */
  rateLimitPerMinute: number;
  logLevel: string;
}

export const DEFAULT_DATABASE_URL = 'sqlite:./data/payments.sqlite';

/** A setting that cannot be used; the message names the variable and is printed as the one line at exit. */
export class ConfigurationError extends Error {
  constructor(readonly variable: string, problem: string) {
    super(`${variable} ${problem}`);
    this.name = 'ConfigurationError';
  }
}

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigurationError(name, `must be a whole number from ${min} to ${max}; got "${raw}"`);
  }
  return Number(raw);
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['true', '1', 'yes'].includes(raw)) return true;
  if (['false', '0', 'no'].includes(raw)) return false;
  throw new ConfigurationError(name, `must be true or false; got "${env[name]}"`);
}

function oneOf<T extends string>(env: Env, name: string, fallback: T, allowed: readonly T[]): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!allowed.includes(raw as T)) throw new ConfigurationError(name, `must be one of ${allowed.join(', ')}; got "${raw}"`);
  return raw as T;
}

/** Parses and checks the environment; throws `ConfigurationError` on the first bad variable. */
export function loadAppConfig(env: Env = process.env): AppConfig {
  const databaseUrl = env.DATABASE_URL?.trim() || DEFAULT_DATABASE_URL;
  if (!/^(mysql|mariadb|sqlite):/.test(databaseUrl)) {
    throw new ConfigurationError('DATABASE_URL', 'must start with mysql://, mariadb:// or sqlite: (e.g. sqlite::memory:)');
  }
  const bootstrapApiKey = env.BOOTSTRAP_API_KEY?.trim() || undefined;
  if (bootstrapApiKey !== undefined && !/^[\x21-\x7e]{16,200}$/.test(bootstrapApiKey)) {
    throw new ConfigurationError('BOOTSTRAP_API_KEY', 'must be 16 to 200 printable ASCII characters');
  }
  const schema = env.IDEMPOTENCY_SCHEMA?.trim() || undefined;
  if (schema !== undefined && !/^[A-Za-z0-9_]{1,64}$/.test(schema)) {
    throw new ConfigurationError('IDEMPOTENCY_SCHEMA', 'must be 1 to 64 letters, digits or underscores');
  }
  const leaseMs = integer(env, 'IDEMPOTENCY_LEASE_MS', 60_000, 1_000);
  const waitMs = integer(env, 'IDEMPOTENCY_WAIT_MS', 5_000, 0);
  if (waitMs >= leaseMs) throw new ConfigurationError('IDEMPOTENCY_WAIT_MS', `must be shorter than IDEMPOTENCY_LEASE_MS (${leaseMs})`);
  return {
    port: integer(env, 'PORT', 3000, 0, 65_535),
    httpAdapter: oneOf(env, 'HTTP_ADAPTER', 'express', ['express', 'fastify'] as const),
    databaseUrl,
    embeddedDefault: !env.DATABASE_URL?.trim(),
    dbPoolSize: integer(env, 'DB_POOL_SIZE', 10, 1, 1_000),
    migrationsRun: boolean(env, 'MIGRATIONS_RUN', true),
    bootstrapApiKey,
    bootstrapClientName: env.BOOTSTRAP_CLIENT_NAME?.trim() || 'bootstrap',
    idempotency: {
      enabled: boolean(env, 'IDEMPOTENCY_ENABLED', true),
      ttlSeconds: integer(env, 'IDEMPOTENCY_TTL_SECONDS', 86_400, 1),
      leaseMs,
      waitMs: Math.max(waitMs, 1),
      schema,
      replayCacheSize: integer(env, 'IDEMPOTENCY_REPLAY_CACHE_SIZE', 10_000, 0, 10_000_000),
    },
    rateLimitPerMinute: integer(env, 'RATE_LIMIT_PER_MINUTE', 6_000, 1),
    logLevel: oneOf(env, 'LOG_LEVEL', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const),
  };
}
