import { timingSafeEqual } from 'node:crypto';
import type { Database } from '../db/database';
import { ApiKeyEntity } from '../db/entities';
import { apiKeySecretDigest } from '../db/secrets';
import type { ApiKeyRole } from '../domain/types';
import type { Principal } from './context';
import type { EventBus } from './events';
import { TtlCache } from './ttl-cache';

export type AuthResult = { principal: Principal } | { principal: null; error: string | null };

export const ENV_ADMIN_KEY_ID = 'admin';

/** How long a key found in the database is trusted without asking again. */
export const KEY_CACHE_TTL_MS = 10_000;
const KEY_CACHE_MAX = 10_000;

interface KnownKey {
  id: string;
  role: ApiKeyRole;
  businessId: string | null;
}

/**
 * Turns an Authorization header into a Principal. Only a hash of each key is stored, so a key is
 * found by hashing what the caller sent; the operator key from the environment is compared in
 * constant time.
 *
 * Every request needs its key, so a valid key is remembered for a few seconds instead of being
 * read again each time. Revocation still takes effect at once: the revoking instance forgets the
 * key immediately and every other instance when the revocation notice reaches it over the event
 * bus; only if that notice is lost does a key live on, for at most KEY_CACHE_TTL_MS.
 */
export class AuthService {
  private readonly adminKeyDigest: Buffer | null;
  /** secret hash → a valid (unrevoked) key */
  private readonly known = new TtlCache<KnownKey>(KEY_CACHE_TTL_MS, KEY_CACHE_MAX);
  /**
   * keys revoked lately (id → when we heard): a lookup that read the row just before the
   * revocation committed must not put the key back into `known`
   */
  private readonly revoked = new Map<string, number>();

  constructor(
    private readonly db: Database,
    adminApiKey: string | null,
    events?: Pick<EventBus, 'onKeyRevoked'>,
  ) {
    this.adminKeyDigest = adminApiKey ? apiKeySecretDigest(adminApiKey) : null;
    events?.onKeyRevoked((keyId) => this.forget(keyId));
  }

  async authenticate(authorization: string | undefined | null): Promise<AuthResult> {
    if (!authorization) return { principal: null, error: null };
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) {
      return { principal: null, error: 'The Authorization header must be "Bearer <api key>".' };
    }
    // one digest serves both checks: the operator key's constant-time comparison and the stored
    // keys' lookup by hash
    const sent = apiKeySecretDigest(match[1]);
    if (this.adminKeyDigest && timingSafeEqual(sent, this.adminKeyDigest)) {
      return { principal: { keyId: ENV_ADMIN_KEY_ID, role: 'ADMIN', businessId: null } };
    }
    const secretHash = sent.toString('hex');
    const remembered = this.known.get(secretHash);
    if (remembered) return { principal: { keyId: remembered.id, role: remembered.role, businessId: remembered.businessId } };
    const key = await this.db.manager.findOne(ApiKeyEntity, { where: { secretHash } });
    if (!key) return { principal: null, error: 'The API key is not valid. Check the key, or ask the operator for a new one.' };
    if (key.revokedAt) {
      this.known.delete(secretHash);
      return { principal: null, error: 'The API key was revoked. Ask the operator for a new one.' };
    }
    if (!this.revoked.has(key.id)) this.known.set(secretHash, { id: key.id, role: key.role, businessId: key.businessId });
    return { principal: { keyId: key.id, role: key.role, businessId: key.businessId } };
  }

  /** The key is revoked: the next request with it reads the database (and is refused). */
  forget(keyId: string): void {
    const now = Date.now();
    for (const [id, at] of this.revoked) if (at < now - KEY_CACHE_TTL_MS) this.revoked.delete(id);
    this.revoked.set(keyId, now);
    this.known.deleteWhere((key) => key.id === keyId);
  }
}
