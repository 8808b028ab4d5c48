import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable } from '@nestjs/common';
import { ClaimRequest, ClaimResult, IdempotencyRecord, IdempotencyStore, isClaimable, StoreFault, StoredResponse } from './idempotency-store';
import { LeaseLostError } from './idempotency.errors';

type Undo = () => void;

/**
 * A store held in memory, for unit tests and single-process experiments. Claims are visible to
 * other requests at once (there is no isolation), so an in-flight key shows as `in_progress`
 * until its lease runs out, and a claim of it is `busy` at once (the caller does the waiting);
 * a unit of work that throws undoes its own claims.
 */
@Injectable()
export class InMemoryIdempotencyStore implements IdempotencyStore {
  private readonly records = new Map<string, IdempotencyRecord>();
  private readonly unitOfWork = new AsyncLocalStorage<Undo[]>();

  async find(scope: string, key: string): Promise<IdempotencyRecord | null> {
    const record = this.records.get(this.id(scope, key));
    return record ? structuredClone(record) : null;
  }

  async inTransaction<T>(work: () => Promise<T>): Promise<T> {
    const undo: Undo[] = [];
    try {
      return await this.unitOfWork.run(undo, work);
    } catch (error) {
      undo.reverse().forEach((step) => step());
      throw error;
    }
  }

  async claim(request: ClaimRequest): Promise<ClaimResult> {
    const id = this.id(request.scope, request.key);
    const current = this.records.get(id);
    if (current && !isClaimable(current, request)) {
      const leaseHeld = current.status === 'in_progress' && current.leaseExpiresAt! > request.now;
      return leaseHeld ? { outcome: 'busy' } : { outcome: 'existing', record: structuredClone(current) };
    }
    this.records.set(id, {
      scope: request.scope,
      key: request.key,
      status: 'in_progress',
      purpose: current?.status === 'minted' ? current.purpose : request.purpose,
      method: request.method,
      path: request.path,
      fingerprint: request.fingerprint,
      response: null,
      leaseOwner: request.owner,
      leaseExpiresAt: request.leaseExpiresAt,
      createdAt: current?.status === 'minted' ? current.createdAt : request.now,
      expiresAt: request.expiresAt,
    });
    this.onRollback(() => (current ? this.records.set(id, current) : this.records.delete(id)));
    return { outcome: 'claimed' };
  }

  async complete(scope: string, key: string, owner: string, response: StoredResponse, now: Date): Promise<void> {
    const record = this.records.get(this.id(scope, key));
    if (!record || record.leaseOwner !== owner || record.leaseExpiresAt! <= now) {
      throw new LeaseLostError();
    }
    const before = { ...record };
    Object.assign(record, { status: 'completed', response, leaseOwner: null, leaseExpiresAt: null });
    this.onRollback(() => Object.assign(record, before));
  }

  async mint(record: { scope: string; key: string; purpose: string | null; now: Date; expiresAt: Date }): Promise<void> {
    this.records.set(this.id(record.scope, record.key), {
      scope: record.scope,
      key: record.key,
      status: 'minted',
      purpose: record.purpose,
      method: null,
      path: null,
      fingerprint: null,
      response: null,
      leaseOwner: null,
      leaseExpiresAt: null,
      createdAt: record.now,
      expiresAt: record.expiresAt,
    });
  }

  async purgeExpired(now: Date, batchSize: number): Promise<number> {
    let deleted = 0;
    for (const [id, record] of this.records) {
      if (deleted === batchSize) break;
      if (record.expiresAt <= now) {
        this.records.delete(id);
        deleted++;
      }
    }
    return deleted;
  }

  classifyError(): StoreFault | undefined {
    return undefined;
  }

  async ping(): Promise<void> {}

  private onRollback(step: Undo): void {
    this.unitOfWork.getStore()?.push(step);
  }

  private id(scope: string, key: string): string {
    return `${scope}\u0000${key}`;
  }
}
