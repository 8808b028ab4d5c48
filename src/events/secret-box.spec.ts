import { randomBytes } from 'node:crypto';
import { SecretBox } from './secret-box';

describe('SecretBox', () => {
  const key = randomBytes(32);

  it('with a key, a sealed secret is ciphertext (a fresh IV each time) that opens to the secret', () => {
    const box = new SecretBox(key);
    const [a, b] = [box.seal('whsec_abc'), box.seal('whsec_abc')];
    expect(a).toMatch(/^v1:/);
    expect(a).not.toContain('whsec_abc');
    expect(a).not.toBe(b);
    expect(box.open(a)).toBe('whsec_abc');
  });

  it('another key, a tampered value or no key at all cannot open it', () => {
    const sealed = new SecretBox(key).seal('whsec_abc');
    expect(() => new SecretBox(randomBytes(32)).open(sealed)).toThrow();
    // Tamper with the bytes, not the text: the last base64 character carries unused bits, so
    // rewriting characters can leave the decoded value unchanged.
    const raw = Buffer.from(sealed.slice('v1:'.length), 'base64url');
    for (const at of [0, 12, 28, raw.length - 1]) {
      const tampered = Buffer.from(raw);
      tampered[at] ^= 0x01;
      expect(() => new SecretBox(key).open('v1:' + tampered.toString('base64url'))).toThrow();
    }
    expect(() => new SecretBox().open(sealed)).toThrow(/WEBHOOK_SECRETS_KEY/);
  });

  it('without a key, secrets are kept as they are, and still open once a key is configured', () => {
    const stored = new SecretBox().seal('whsec_abc');
    expect(stored).toBe('plain:whsec_abc');
    expect(new SecretBox(key).open(stored)).toBe('whsec_abc');
  });
});
