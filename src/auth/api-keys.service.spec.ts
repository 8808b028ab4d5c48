import { ApiKeyCache } from './api-key.cache';
import type { ApiKeyEntity } from './api-key.entity';
import { hashSecret } from './api-key-secret';
import { ApiKeysService } from './api-keys.service';
import type { ClientKeysService } from './client-keys.service';
import type { KeyUsageRecorder } from './key-usage.recorder';

const NOW = new Date('2026-11-30T12:00:00Z');
const secrets = { valid: 'sk_test_valid', revoked: 'sk_test_revoked', expired: 'sk_test_expired', unknown: 'sk_test_unknown' };

function row(secret: string, overrides: Partial<ApiKeyEntity> = {}): ApiKeyEntity {
  return {
    id: `key_${secret.slice(8)}`,
    clientId: 'cli_a',
    client: { id: 'cli_a', name: 'acme', createdAt: NOW },
    keyHash: hashSecret(secret),
    keyPrefix: secret.slice(0, 12),
    readOnly: false,
    createdAt: new Date('2026-01-01T00:00:00Z'),
    expiresAt: null,
    revokedAt: null,
    lastUsedAt: null,
    ...overrides,
  };
}

function setUp(cacheTtlMs = 0, clock = { now: () => NOW }) {
  const rows = [
    row(secrets.valid, { readOnly: true }),
    row(secrets.revoked, { revokedAt: new Date('2026-11-30T11:00:00Z') }),
    row(secrets.expired, { expiresAt: NOW }),
  ];
  // One lookup statement: the query builder's getOne, for the hash given to where().
  let hash = '';
  const findOne = jest.fn(async () => rows.find((candidate) => candidate.keyHash === hash) ?? null);
  const builder = {
    innerJoinAndSelect: () => builder,
    where: (_sql: string, parameters: { hash: string }) => ((hash = parameters.hash), builder),
    getOne: findOne,
  };
  const txHost = { tx: { getRepository: () => ({ createQueryBuilder: () => builder }) } };
  const usage = { used: jest.fn() };
  const service = new ApiKeysService(
    txHost as never,
    {} as never,
    clock,
    new ApiKeyCache(cacheTtlMs),
    usage as unknown as KeyUsageRecorder,
    {} as ClientKeysService,
  );
  return { service, findOne, usage };
}

describe('ApiKeysService.authenticate', () => {
  afterEach(() => jest.restoreAllMocks());

  it('accepts a usable key and names its client, key and access', async () => {
    const { service, usage } = setUp();
    expect(await service.authenticate(secrets.valid)).toEqual({ id: 'cli_a', name: 'acme', keyId: 'key_valid', readOnly: true });
    expect(usage.used).toHaveBeenCalledWith('key_valid', NOW);
  });

  it.each(['revoked', 'expired', 'unknown'] as const)('refuses a %s key after the same work as any other: one lookup, one constant-time compare', async (kind) => {
    const { service, findOne, usage } = setUp();
    // The module object itself (an `import * as` namespace would be a copy the service does not call through).
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the module object itself, see above
    const compare = jest.spyOn(require('node:crypto') as typeof import('node:crypto'), 'timingSafeEqual');
    expect(await service.authenticate(secrets[kind])).toBeUndefined();
    expect(findOne).toHaveBeenCalledTimes(1);
    expect(compare).toHaveBeenCalledTimes(1);
    expect(compare.mock.calls[0][0]).toHaveLength(32);
    expect(usage.used).not.toHaveBeenCalled();
  });

  it('answers repeated lookups from the cache, unknown keys included', async () => {
    const { service, findOne } = setUp(5_000);
    for (let i = 0; i < 3; i++) {
      await service.authenticate(secrets.valid);
      await service.authenticate(secrets.unknown);
    }
    expect(findOne).toHaveBeenCalledTimes(2);
  });

  it('checks expiry against the clock on every request, also when the lookup is cached', async () => {
    const clock = { now: () => new Date(NOW.getTime() - 1) };
    const { service, findOne } = setUp(5_000, clock);
    expect(await service.authenticate(secrets.expired)).toBeDefined();
    clock.now = () => NOW;
    expect(await service.authenticate(secrets.expired)).toBeUndefined();
    expect(findOne).toHaveBeenCalledTimes(1);
  });
});
