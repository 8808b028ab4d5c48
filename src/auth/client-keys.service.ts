import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import type { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Clock } from '../common/clock';
import { isWellFormedId, newId } from '../common/ids';
import { UnitOfWork } from '../database/unit-of-work';
import { ApiKeyCache } from './api-key.cache';
import { ApiKeyEntity } from './api-key.entity';
import { generateSecret, hashSecret, secretPrefix } from './api-key-secret';
import { ApiKeyNotFoundError, ClientNotFoundError, RotationNotPossibleError } from './auth.errors';
import { ClientEntity } from './client.entity';
import { keyState } from './key-state';

/** A key just made, with its secret: the only moment the secret exists outside its owner's hands. */
export interface IssuedKey {
  key: ApiKeyEntity;
  secret: string;
}

/**
 * A client's API keys: list, create, rotate, revoke (`npm run client:keys`). Every change drops
 * the key from this process's lookup cache at once; other processes see it within the cache's
 * lifetime (`ApiKeyCache`).
 */
@Injectable()
export class ClientKeysService {
  constructor(
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
    private readonly unitOfWork: UnitOfWork,
    private readonly clock: Clock,
    private readonly cache: ApiKeyCache,
  ) {}

  /** The client's keys, oldest first; hashes only, never a secret. */
  async list(clientId: string): Promise<ApiKeyEntity[]> {
    await this.requireClient(clientId);
    return this.keys.find({ where: { clientId }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  async create(clientId: string, options: { readOnly?: boolean; expiresAt?: Date | null } = {}): Promise<IssuedKey> {
    return this.unitOfWork.run(async () => {
      await this.requireClient(clientId);
      return this.issue(clientId, options);
    });
  }

  /**
   * Replaces a usable key (`keyId`, or the client's only usable one) with a new key of the same
   * kind. The old key is revoked now, or, with `keepOldMs`, expires that much later (never later
   * than it would have anyway), so that deployments can switch keys without downtime.
   */
  async rotate(clientId: string, options: { keyId?: string; keepOldMs?: number } = {}): Promise<{ issued: IssuedKey; old: ApiKeyEntity }> {
    return this.unitOfWork.run(async () => {
      await this.requireClient(clientId);
      const now = this.clock.now();
      const old = await this.keyToRotate(clientId, now, options.keyId);
      const issued = await this.issue(clientId, { readOnly: old.readOnly });
      const keepUntil = new Date(now.getTime() + (options.keepOldMs ?? 0));
      if (options.keepOldMs) old.expiresAt = old.expiresAt && old.expiresAt < keepUntil ? old.expiresAt : keepUntil;
      else old.revokedAt = now;
      await this.keys.update({ id: old.id }, { expiresAt: old.expiresAt, revokedAt: old.revokedAt });
      this.cache.invalidate(old.keyHash);
      return { issued, old };
    });
  }

  /** Revokes a key for good; revoking a revoked key changes nothing (`alreadyRevoked`). */
  async revoke(clientId: string, keyId: string): Promise<{ key: ApiKeyEntity; alreadyRevoked: boolean }> {
    return this.unitOfWork.run(async () => {
      await this.requireClient(clientId);
      const key = await this.findKey(clientId, keyId);
      if (key.revokedAt) return { key, alreadyRevoked: true };
      key.revokedAt = this.clock.now();
      await this.keys.update({ id: key.id }, { revokedAt: key.revokedAt });
      this.cache.invalidate(key.keyHash);
      return { key, alreadyRevoked: false };
    });
  }

  /** Inserts a key for a client that exists, in the caller's transaction. */
  async issue(clientId: string, options: { readOnly?: boolean; expiresAt?: Date | null }, secret = generateSecret()): Promise<IssuedKey> {
    const key = this.keys.create({
      id: newId('key'),
      clientId,
      keyHash: hashSecret(secret),
      keyPrefix: secretPrefix(secret),
      readOnly: options.readOnly ?? false,
      createdAt: this.clock.now(),
      expiresAt: options.expiresAt ?? null,
      revokedAt: null,
      lastUsedAt: null,
    });
    await this.keys.insert(key);
    this.cache.invalidate(key.keyHash); // an earlier "unknown key" answer for this secret no longer holds
    return { key, secret };
  }

  private async keyToRotate(clientId: string, now: Date, keyId: string | undefined): Promise<ApiKeyEntity> {
    if (keyId) {
      const key = await this.findKey(clientId, keyId);
      const state = keyState(key, now);
      if (state !== 'active') throw new RotationNotPossibleError(`Key ${keyId} is ${state}; \`create\` makes a new key.`);
      return key;
    }
    const usable = (await this.keys.find({ where: { clientId } })).filter((key) => keyState(key, now) === 'active');
    if (usable.length === 1) return usable[0];
    if (usable.length === 0) throw new RotationNotPossibleError(`Client ${clientId} has no usable key to rotate; \`create\` makes one.`);
    throw new RotationNotPossibleError(
      `Client ${clientId} has ${usable.length} usable keys (${usable.map((key) => key.id).join(', ')}); name the one to rotate: rotate key_…`,
      true,
    );
  }

  private async findKey(clientId: string, keyId: string): Promise<ApiKeyEntity> {
    const key = isWellFormedId(keyId) ? await this.keys.findOne({ where: { id: keyId, clientId } }) : null;
    if (!key) throw new ApiKeyNotFoundError(clientId, keyId);
    return key;
  }

  private async requireClient(clientId: string): Promise<void> {
    const exists = isWellFormedId(clientId) && (await this.txHost.tx.getRepository(ClientEntity).existsBy({ id: clientId }));
    if (!exists) throw new ClientNotFoundError(clientId);
  }

  private get keys() {
    return this.txHost.tx.getRepository(ApiKeyEntity);
  }
}
