import { createHash, randomBytes } from 'node:crypto';
import { apiKeySecretDigest, decryptSecret, encryptSecret, generateApiKeySecret, hashApiKeySecret } from '../../src/db/secrets';
import { WriteQueue } from '../../src/db/write-queue';
import { fromGlobalId, localId, toGlobalId } from '../../src/graphql/global-id';

describe('secrets at rest', () => {
  const key = randomBytes(32);

  it('round-trips an access token through AES-256-GCM with a fresh IV each time', () => {
    const a = encryptSecret('EAAG-token', key);
    const b = encryptSecret('EAAG-token', key);
    expect(a).not.toBe(b);
    expect(a).not.toContain('EAAG');
    expect(decryptSecret(a, key)).toBe('EAAG-token');
  });

  it('refuses a wrong key and a tampered ciphertext with a message that says why', () => {
    const stored = encryptSecret('secret', key);
    expect(() => decryptSecret(stored, randomBytes(32))).toThrow(/SECRETS_KEY differs/);
    const parts = stored.split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    expect(() => decryptSecret(parts.join('.'), key)).toThrow(/cannot be decrypted/);
    expect(() => decryptSecret('plain', key)).toThrow(/unknown format/);
  });

  it('hashes API key secrets one way and makes them unguessable', () => {
    const s = generateApiKeySecret('wpg_ops');
    expect(s).toMatch(/^wpg_ops_[A-Za-z0-9_-]{32}$/);
    expect(hashApiKeySecret(s)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiKeySecret(s)).not.toBe(hashApiKeySecret(generateApiKeySecret('wpg_ops')));
  });

  it('keeps the stored hash of a key what it has always been (SHA-256 of its UTF-8), in hex and as bytes', () => {
    // keys already stored are found by this hash: changing it would lock every caller out
    expect(hashApiKeySecret('wpg_ops_ü')).toBe(createHash('sha256').update('wpg_ops_ü', 'utf8').digest('hex'));
    expect(apiKeySecretDigest('wpg_ops_ü').toString('hex')).toBe(hashApiKeySecret('wpg_ops_ü'));
  });
});

describe('global ids', () => {
  it('encode a type and a local id, opaquely', () => {
    const id = toGlobalId('Order', 'abc-123');
    expect(id).not.toContain('Order');
    expect(fromGlobalId(id)).toEqual({ type: 'Order', id: 'abc-123' });
    expect(localId(id, 'Order')).toBe('abc-123');
    expect(localId(id, 'Business')).toBe('');
  });

  it('reject what is not a global id', () => {
    expect(fromGlobalId('!!')).toBeNull();
    expect(fromGlobalId(Buffer.from('nocolon').toString('base64url'))).toBeNull();
    expect(fromGlobalId(Buffer.from(':x').toString('base64url'))).toBeNull();
  });
});

describe('WriteQueue', () => {
  it('runs tasks one at a time, in order, and survives a failing task', async () => {
    const q = new WriteQueue();
    const log: string[] = [];
    let running = 0;
    const task = (name: string, fail = false) => async () => {
      running++;
      expect(running).toBe(1);
      log.push(`start ${name}`);
      await new Promise((r) => setTimeout(r, 2));
      log.push(`end ${name}`);
      running--;
      if (fail) throw new Error(name);
      return name;
    };
    const results = await Promise.allSettled([q.run(task('a')), q.run(task('b', true)), q.run(task('c'))]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    expect(q.size).toBe(0);
  });
});
