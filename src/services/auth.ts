import { timingSafeEqual, createHash } from 'node:crypto';
import type { Database } from '../db/database';
import { ApiKeyEntity } from '../db/entities';
import { hashApiKeySecret } from '../db/secrets';
import type { Principal } from './context';

export type AuthResult = { principal: Principal } | { principal: null; error: string | null };

export const ENV_ADMIN_KEY_ID = 'admin';

/**
 * Turns an Authorization header into a Principal. Only a hash of each key is stored, so a key is
 * found by hashing what the caller sent; the operator key from the environment is compared in
 * constant time.
 */
export class AuthService {
  private readonly adminKeyDigest: Buffer | null;

  constructor(
    private readonly db: Database,
    adminApiKey: string | null,
  ) {
    this.adminKeyDigest = adminApiKey ? digest(adminApiKey) : null;
  }

  async authenticate(authorization: string | undefined | null): Promise<AuthResult> {
    if (!authorization) return { principal: null, error: null };
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) {
      return { principal: null, error: 'The Authorization header must be "Bearer <api key>".' };
    }
    const secret = match[1];
    if (this.adminKeyDigest && timingSafeEqual(digest(secret), this.adminKeyDigest)) {
      return { principal: { keyId: ENV_ADMIN_KEY_ID, role: 'ADMIN', businessId: null } };
    }
    const key = await this.db.manager.findOne(ApiKeyEntity, { where: { secretHash: hashApiKeySecret(secret) } });
    if (!key) return { principal: null, error: 'The API key is not valid. Check the key, or ask the operator for a new one.' };
    if (key.revokedAt) return { principal: null, error: 'The API key was revoked. Ask the operator for a new one.' };
    return { principal: { keyId: key.id, role: key.role, businessId: key.businessId } };
  }
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}
