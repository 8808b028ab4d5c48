import { timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import type { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Clock } from '../common/clock';
import { newId } from '../common/ids';
import { ConfigurationError } from '../config/app-config';
import { isUniqueViolation } from '../database/database-errors';
import { UnitOfWork } from '../database/unit-of-work';
import { ApiKeyCache, KeyRecord } from './api-key.cache';
import { ApiKeyEntity } from './api-key.entity';
import { generateSecret, hashSecret } from './api-key-secret';
import { ClientEntity } from './client.entity';
import { ClientKeysService } from './client-keys.service';
import { KeyUsageRecorder } from './key-usage.recorder';

export interface AuthenticatedClient {
  id: string;
  name: string;
  /** The API key the request came with (its id, never the secret). */
  keyId: string;
  readOnly: boolean;
}

/** Compared against when no key has the hash, so that an unknown key does the same work as a known one. */
const NO_KEY_HASH = Buffer.alloc(32);

/**
 * Authenticates requests by API key, and creates clients with their first key.
 *
 * An unknown, a revoked and an expired key take one path: hash, lookup (cache, else one indexed
 * query), a constant-time compare, then one combined verdict. There is no early return, so
 * neither the answer (always `undefined`) nor the work done tells the three apart.
 */
@Injectable()
export class ApiKeysService {
  constructor(
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
    private readonly unitOfWork: UnitOfWork,
    private readonly clock: Clock,
    private readonly cache: ApiKeyCache,
    private readonly usage: KeyUsageRecorder,
    private readonly clientKeys: ClientKeysService,
  ) {}

  async authenticate(secret: string): Promise<AuthenticatedClient | undefined> {
    const hash = hashSecret(secret);
    const record = await this.lookup(hash);
    const now = this.clock.now();
    const hashMatches = timingSafeEqual(record ? Buffer.from(record.keyHash, 'hex') : NO_KEY_HASH, Buffer.from(hash, 'hex'));
    const notRevoked = record?.revokedAt === null;
    const notExpired = record !== undefined && (record.expiresAt === null || record.expiresAt > now);
    if (!(record && hashMatches && notRevoked && notExpired)) return undefined;
    this.usage.used(record.id, now);
    return { id: record.clientId, name: record.clientName, keyId: record.id, readOnly: record.readOnly };
  }

  /** Creates a client and its first (full-access) key, `secret` when given; returns the secret to show once. */
  async createClient(name: string, secret = generateSecret()): Promise<{ client: AuthenticatedClient; apiKey: string }> {
    return this.unitOfWork.run(async () => {
      const client = this.clients.create({ id: newId('cli'), name, createdAt: this.clock.now() });
      await this.clients.insert(client);
      const { key } = await this.clientKeys.issue(client.id, { readOnly: false }, secret);
      return { client: { id: client.id, name: client.name, keyId: key.id, readOnly: key.readOnly }, apiKey: secret };
    });
  }

  /**
   * Makes sure a client with this key exists (for `BOOTSTRAP_API_KEY`); idempotent across restarts.
   * A key that was revoked or has expired is refused, never brought back to life.
   */
  async ensureClient(name: string, secret: string): Promise<AuthenticatedClient> {
    const client = await this.authenticate(secret);
    if (client) return client;
    try {
      return (await this.createClient(name, secret)).client;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
    // The key exists after all: another process starting with the same BOOTSTRAP_API_KEY created
    // it since our lookup (its client is ours too), or it was revoked or has expired.
    this.cache.invalidate(hashSecret(secret));
    const existing = await this.authenticate(secret);
    if (existing) return existing;
    throw new ConfigurationError('BOOTSTRAP_API_KEY', 'is a key that was revoked or has expired; set a new one');
  }

  async countClients(): Promise<number> {
    return this.clients.count();
  }

  private async lookup(hash: string): Promise<KeyRecord | undefined> {
    const cached = this.cache.get(hash);
    if (cached) return cached.record;
    const startedAt = this.cache.startLookup();
    // One statement whether or not the key exists (`findOne` with a relation would first run a
    // separate query for the id, skipped when there is none: a difference in time).
    const key = await this.txHost.tx
      .getRepository(ApiKeyEntity)
      .createQueryBuilder('key')
      .innerJoinAndSelect('key.client', 'client')
      .where('key.key_hash = :hash', { hash })
      .getOne();
    const record = key?.client ? toRecord(key, key.client) : undefined;
    this.cache.set(hash, record, startedAt);
    return record;
  }

  private get clients() {
    return this.txHost.tx.getRepository(ClientEntity);
  }
}

function toRecord(key: ApiKeyEntity, client: ClientEntity): KeyRecord {
  return {
    id: key.id,
    clientId: key.clientId,
    clientName: client.name,
    keyHash: key.keyHash,
    readOnly: key.readOnly,
    expiresAt: key.expiresAt,
    revokedAt: key.revokedAt,
  };
}
