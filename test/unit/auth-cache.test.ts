import { hashApiKeySecret } from '../../src/db/secrets';
import type { Database } from '../../src/db/database';
import { AuthService, KEY_CACHE_TTL_MS } from '../../src/services/auth';

// The key cache must never keep a revoked key alive on the instance that revoked it, nor after a
// revocation notice; only reads of valid keys are saved.

interface Row {
  id: string;
  role: 'OPS';
  businessId: string;
  secretHash: string;
  revokedAt: Date | null;
}

function setup() {
  const row: Row = { id: 'key-1', role: 'OPS', businessId: 'b-1', secretHash: hashApiKeySecret('wpg_ops_secret'), revokedAt: null };
  let reads = 0;
  let gate: Promise<void> | null = null;
  const db = {
    manager: {
      findOne: async (_entity: unknown, { where }: { where: { secretHash: string } }) => {
        reads++;
        const snapshot = where.secretHash === row.secretHash ? { ...row } : null;
        if (gate) await gate;
        return snapshot;
      },
    },
  } as unknown as Database;
  let revoked: ((keyId: string) => void) | null = null;
  const events = { onKeyRevoked: (listener: (keyId: string) => void) => ((revoked = listener), () => undefined) };
  const auth = new AuthService(db, null, events);
  return {
    auth,
    row,
    reads: () => reads,
    notice: (keyId: string) => revoked!(keyId),
    hold: () => {
      let release!: () => void;
      gate = new Promise((r) => (release = r));
      return () => {
        gate = null;
        release();
      };
    },
  };
}

const HEADER = 'Bearer wpg_ops_secret';

describe('API key cache', () => {
  afterEach(() => jest.restoreAllMocks());

  it('reads a valid key once, then answers from memory', async () => {
    const s = setup();
    for (let i = 0; i < 5; i++) expect((await s.auth.authenticate(HEADER)).principal).toEqual({ keyId: 'key-1', role: 'OPS', businessId: 'b-1' });
    expect(s.reads()).toBe(1);
  });

  it('reads the key again once the TTL has passed', async () => {
    const s = setup();
    await s.auth.authenticate(HEADER);
    const now = Date.now();
    jest.spyOn(Date, 'now').mockReturnValue(now + KEY_CACHE_TTL_MS + 1);
    s.row.revokedAt = new Date();
    const res = await s.auth.authenticate(HEADER);
    expect(res.principal).toBeNull();
    expect(s.reads()).toBe(2);
  });

  it('refuses a revoked key at once after the revocation notice (this instance or another)', async () => {
    const s = setup();
    await s.auth.authenticate(HEADER);
    s.row.revokedAt = new Date();
    s.notice('key-1');
    const res = await s.auth.authenticate(HEADER);
    expect(res).toEqual({ principal: null, error: expect.stringMatching(/revoked/) });
  });

  it('does not cache a key read just before its revocation committed', async () => {
    const s = setup();
    const release = s.hold();
    const racing = s.auth.authenticate(HEADER); // reads the row while it is still valid
    s.row.revokedAt = new Date();
    s.notice('key-1'); // the revocation commits and is announced before that read returns
    release();
    expect((await racing).principal).not.toBeNull(); // that one request was already under way
    expect((await s.auth.authenticate(HEADER)).principal).toBeNull();
    expect(s.reads()).toBe(2);
  });

  it('never caches an unknown key (a key created a moment later works at once)', async () => {
    const s = setup();
    expect((await s.auth.authenticate('Bearer wpg_ops_other')).principal).toBeNull();
    expect((await s.auth.authenticate('Bearer wpg_ops_other')).principal).toBeNull();
    expect(s.reads()).toBe(2);
  });
});
