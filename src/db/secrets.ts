import { createCipheriv, createDecipheriv, hash, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM for secrets the gateway must be able to read back (WhatsApp access tokens).
 * Format: v1.<iv>.<tag>.<ciphertext>, base64url parts; the version prefix lets the scheme change.
 */
export function encryptSecret(plain: string, key: Buffer): string {
  assertKey(key);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return ['v1', iv, cipher.getAuthTag(), data].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
}

export function decryptSecret(stored: string, key: Buffer): string {
  assertKey(key);
  const [version, iv, tag, data] = stored.split('.');
  if (version !== 'v1' || !iv || !tag || data === undefined) {
    throw new Error('stored secret has an unknown format; it was not written by this gateway');
  }
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  try {
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    throw new Error('stored secret cannot be decrypted: SECRETS_KEY differs from the key it was written with');
  }
}

/** API key secrets are only ever compared, so a one-way hash is enough. */
export function hashApiKeySecret(secret: string): string {
  return apiKeySecretDigest(secret).toString('hex');
}

/**
 * The digest hashApiKeySecret stores (in hex), as bytes for a constant-time comparison. Every
 * request with a key computes it: the one-shot crypto.hash costs a fraction of a Hash object's.
 */
export function apiKeySecretDigest(secret: string): Buffer {
  return hash('sha256', secret, 'buffer');
}

export function generateApiKeySecret(prefix: string): string {
  return `${prefix}_${randomBytes(24).toString('base64url')}`;
}

function assertKey(key: Buffer): void {
  if (key.length !== 32) throw new Error('SECRETS_KEY must be 32 bytes');
}
