import { InMemoryIdempotencyStore } from './in-memory-idempotency.store';
import { describeIdempotencyStoreContract } from './testing/idempotency-store.contract';

describeIdempotencyStoreContract('in memory', () => ({ store }));

let store: InMemoryIdempotencyStore;
beforeEach(() => {
  store = new InMemoryIdempotencyStore();
});
