import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const SEALED = 'v1:';
const PLAIN = 'plain:';

/**
 * Signing secrets at rest. The dispatcher must sign with the secret itself, so it cannot be stored
 * as a hash like an API key; with `WEBHOOK_SECRETS_KEY` set it is encrypted (AES-256-GCM, a random
 * IV per secret, authenticated), so a copy of the database alone does not reveal it.
 */
export class SecretBox {
  constructor(private readonly key?: Buffer) {}

  seal(secret: string): string {
    if (!this.key) return PLAIN + secret;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return SEALED + Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url');
  }

  open(stored: string): string {
    if (stored.startsWith(PLAIN)) return stored.slice(PLAIN.length);
    if (!stored.startsWith(SEALED)) throw new Error('unrecognized sealed secret');
    if (!this.key) throw new Error('signing secrets are encrypted: set WEBHOOK_SECRETS_KEY to the key they were sealed with');
    const raw = Buffer.from(stored.slice(SEALED.length), 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }
}
