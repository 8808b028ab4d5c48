import { idempotencyOptionProblems } from '../idempotency';

/** The application's settings, read once from the environment and checked before anything starts. */
export interface AppConfig {
  port: number;
  httpAdapter: 'express' | 'fastify';
  /**
   * How long an idle keep-alive connection stays open. Longer than the clients' and proxies' own
   * idle timeouts, so that they close first: a server that closes a connection as a client sends
   * its next request on it makes that request fail with a reset, and a POST is not resent.
   */
  httpKeepAliveTimeoutMs: number;
  databaseUrl: string;
  /** The database URL was not given: the embedded SQLite default is in use. */
  embeddedDefault: boolean;
  dbPoolSize: number;
  /** `innodb_lock_wait_timeout` of the application's own statements; the server's (50 s by default) when unset. */
  dbLockWaitSeconds?: number;
  /** Re-runs of a unit of work that lost a race (deadlock, lock wait timeout): the one retry setting. */
  dbTransientRetries: number;
  migrationsRun: boolean;
  bootstrapApiKey?: string;
  bootstrapClientName: string;
  idempotency: { enabled: boolean; headerName: string; ttlSeconds: number; leaseMs: number; waitMs: number; schema?: string; replayCacheSize: number };
  /** How long a process may answer from its cache of API-key lookups: the bound on revocation (`ApiKeyCache`). */
  apiKeyCacheTtlMs: number;
  /**
   * The bank payouts go through. `url` is empty on the embedded default without `BANK_URL`:
   * `npm start` then serves a simulated bank in-process and fills it in.
   */
  bank: { url: string; timeoutMs: number };
  /** Run the completer of unfinished multi-phase requests (payouts) in this process. */
  completerEnabled: boolean;
  /** How long an unfinished payout is left to its client's retry before the completer takes it. */
  completerGraceMs: number;
  /** Requests per minute per client: shared by every process through `redisUrl`, else per process. */
  rateLimitPerMinute: number;
  /** Redis for rate-limit counters shared by all processes (`REDIS_URL`); none: per process. */
  redisUrl?: string;
  logLevel: string;
  webhooks: WebhooksConfig;
}

/** Webhook delivery (see README, "Events and webhooks"). */
export interface WebhooksConfig {
  /** This process runs a dispatcher (the app by default; `npm run worker` always). */
  dispatcherEnabled: boolean;
  /** Loopback, private and link-local destinations allowed (local development and tests only). */
  allowPrivateUrls: boolean;
  /** A receiver must answer 2xx within this long. */
  timeoutMs: number;
  /** First retry after up to this long (with jitter); doubles per attempt up to `retryCapMs`. */
  retryBaseMs: number;
  retryCapMs: number;
  /** A delivery still failing this long after its event is marked failed. */
  retryWindowSeconds: number;
  /** How often an idle dispatcher looks for due deliveries. */
  pollMs: number;
  /** How long a claimed delivery stays invisible to other dispatchers; longer than `timeoutMs`. */
  leaseMs: number;
  /** Deliveries claimed at once. */
  batchSize: number;
  /** 32 bytes (64 hex characters) that encrypt signing secrets at rest; absent: stored as they are. */
  secretsKey?: Buffer;
}

export const DEFAULT_DATABASE_URL = 'sqlite:./data/payments.sqlite';

/**
 * Fastify's own default, used on Express too (Node's is 5 s): above the 60 s idle timeout of the
 * usual load balancers and proxies, and far above what a pool that reads the `Keep-Alive: timeout`
 * hint keeps a connection (undici, behind `fetch`: the hint less 2 s).
 */
export const DEFAULT_HTTP_KEEP_ALIVE_TIMEOUT_MS = 72_000;

/** How long an API-key lookup is cached by default, and at most: a revoked key stops working in every process within this. */
export const DEFAULT_API_KEY_CACHE_TTL_MS = 5_000;
export const MAX_API_KEY_CACHE_TTL_MS = 10_000;

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

function redisUrl(env: Env): string | undefined {
  const raw = env.REDIS_URL?.trim();
  if (!raw) return undefined;
  if (!/^rediss?:\/\/[^\s]+$/.test(raw)) throw new ConfigurationError('REDIS_URL', 'must be a redis:// or rediss:// URL (e.g. redis://127.0.0.1:6379)');
  return raw;
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
  const leaseMs = integer(env, 'IDEMPOTENCY_LEASE_MS', 60_000, 1_000);
  const waitMs = Math.max(integer(env, 'IDEMPOTENCY_WAIT_MS', 5_000, 0), 1);
  // The module's own rules, reported under the variable that broke them.
  const variables = { waitMs: 'IDEMPOTENCY_WAIT_MS', leaseMs: 'IDEMPOTENCY_LEASE_MS', schema: 'IDEMPOTENCY_SCHEMA' } as const;
  const [broken] = idempotencyOptionProblems({ waitMs, leaseMs, schema });
  if (broken) {
    const variable = variables[broken.option as keyof typeof variables];
    throw new ConfigurationError(variable, broken.problem.replace('leaseMs', 'IDEMPOTENCY_LEASE_MS'));
  }
  const lockWait = env.DB_LOCK_WAIT_SECONDS?.trim();
  const bankTimeoutMs = integer(env, 'BANK_TIMEOUT_MS', 5_000, 100);
  // A payout holds its key's lease across its bank calls (a resume makes two: a lookup, then the
  // transfer): they must end before the lease does.
  if (bankTimeoutMs * 2 >= leaseMs) throw new ConfigurationError('BANK_TIMEOUT_MS', `must be under half of IDEMPOTENCY_LEASE_MS (${leaseMs})`);
  const bankUrl = env.BANK_URL?.trim() || (env.DATABASE_URL?.trim() ? 'http://127.0.0.1:4000' : '');
  if (bankUrl && !/^https?:\/\/[^\s/]+(\/[^\s]*)?$/.test(bankUrl)) throw new ConfigurationError('BANK_URL', `must be an http(s) URL such as http://127.0.0.1:4000`);
  return {
    port: integer(env, 'PORT', 3000, 0, 65_535),
    httpAdapter: oneOf(env, 'HTTP_ADAPTER', 'fastify', ['express', 'fastify'] as const),
    httpKeepAliveTimeoutMs: integer(env, 'HTTP_KEEP_ALIVE_TIMEOUT_MS', DEFAULT_HTTP_KEEP_ALIVE_TIMEOUT_MS, 1_000, 3_600_000),
    databaseUrl,
    embeddedDefault: !env.DATABASE_URL?.trim(),
    dbPoolSize: integer(env, 'DB_POOL_SIZE', 10, 1, 1_000),
    dbLockWaitSeconds: lockWait ? integer(env, 'DB_LOCK_WAIT_SECONDS', 50, 1, 86_400) : undefined,
    dbTransientRetries: integer(env, 'DB_TRANSIENT_RETRIES', 30, 0, 100),
    migrationsRun: boolean(env, 'MIGRATIONS_RUN', true),
    bootstrapApiKey,
    bootstrapClientName: env.BOOTSTRAP_CLIENT_NAME?.trim() || 'bootstrap',
    idempotency: {
      enabled: boolean(env, 'IDEMPOTENCY_ENABLED', true),
      headerName: 'Idempotency-Key',
      ttlSeconds: integer(env, 'IDEMPOTENCY_TTL_SECONDS', 86_400, 1),
      leaseMs,
      waitMs,
      schema,
      replayCacheSize: integer(env, 'IDEMPOTENCY_REPLAY_CACHE_SIZE', 10_000, 0, 10_000_000),
    },
    apiKeyCacheTtlMs: integer(env, 'API_KEY_CACHE_TTL_MS', DEFAULT_API_KEY_CACHE_TTL_MS, 0, MAX_API_KEY_CACHE_TTL_MS),
    bank: { url: bankUrl.replace(/\/$/, ''), timeoutMs: bankTimeoutMs },
    completerEnabled: boolean(env, 'COMPLETER_ENABLED', true),
    completerGraceMs: integer(env, 'COMPLETER_GRACE_MS', 2_000, 0),
    rateLimitPerMinute: integer(env, 'RATE_LIMIT_PER_MINUTE', 6_000, 1),
    redisUrl: redisUrl(env),
    logLevel: oneOf(env, 'LOG_LEVEL', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const),
    webhooks: loadWebhooksConfig(env),
  };
}

function loadWebhooksConfig(env: Env): WebhooksConfig {
  const timeoutMs = integer(env, 'WEBHOOK_TIMEOUT_MS', 10_000, 100, 60_000);
  const leaseMs = integer(env, 'WEBHOOK_LEASE_MS', 60_000, 1_000);
  // The lease must outlast a whole attempt, or a second dispatcher could send the same one meanwhile.
  if (leaseMs < 2 * timeoutMs) throw new ConfigurationError('WEBHOOK_LEASE_MS', `must be at least twice WEBHOOK_TIMEOUT_MS (${timeoutMs})`);
  const retryBaseMs = integer(env, 'WEBHOOK_RETRY_BASE_MS', 5_000, 1);
  const retryCapMs = integer(env, 'WEBHOOK_RETRY_CAP_MS', 3_600_000, 1);
  if (retryCapMs < retryBaseMs) throw new ConfigurationError('WEBHOOK_RETRY_CAP_MS', `must be at least WEBHOOK_RETRY_BASE_MS (${retryBaseMs})`);
  const rawKey = env.WEBHOOK_SECRETS_KEY?.trim();
  if (rawKey && !/^[0-9a-fA-F]{64}$/.test(rawKey)) throw new ConfigurationError('WEBHOOK_SECRETS_KEY', 'must be 64 hex characters (32 bytes)');
  return {
    dispatcherEnabled: boolean(env, 'WEBHOOKS_DISPATCHER_ENABLED', true),
    allowPrivateUrls: boolean(env, 'WEBHOOK_ALLOW_PRIVATE_URLS', false),
    timeoutMs,
    retryBaseMs,
    retryCapMs,
    retryWindowSeconds: integer(env, 'WEBHOOK_RETRY_WINDOW_SECONDS', 3 * 86_400, 1),
    pollMs: integer(env, 'WEBHOOKS_POLL_MS', 1_000, 10, 60_000),
    leaseMs,
    batchSize: integer(env, 'WEBHOOKS_BATCH_SIZE', 20, 1, 500),
    secretsKey: rawKey ? Buffer.from(rawKey, 'hex') : undefined,
  };
}
