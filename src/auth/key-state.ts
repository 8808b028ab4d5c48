import type { ApiKeyEntity } from './api-key.entity';

export type KeyState = 'active' | 'expired' | 'revoked';

/** Whether a key still authenticates at `now`, and if not, why. */
export function keyState(key: Pick<ApiKeyEntity, 'expiresAt' | 'revokedAt'>, now: Date): KeyState {
  if (key.revokedAt) return 'revoked';
  if (key.expiresAt && key.expiresAt <= now) return 'expired';
  return 'active';
}
