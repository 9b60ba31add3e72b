import { createHash, randomUUID } from 'node:crypto';
import { IsNull, LessThan } from 'typeorm';
import type { Database } from '../db/database';
import { isUniqueViolation } from '../db/errors';
import { IdempotencyRecordEntity } from '../db/entities';
import { userError } from '../domain/errors';
import type { UserError } from '../domain/types';
import type { ServiceContext } from './context';
import { Refusal } from './refusals';

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** How long a concurrent duplicate waits for the first request before it is told to retry later. */
const WAIT_FOR_FIRST_MS = 30_000;
/**
 * While its request runs, a claim holds the key for this long, renewed every CLAIM_RENEW_MS: a
 * claim that stopped being renewed belongs to a request that died with its process (SIGKILL, a
 * crash), and the next request with the key takes it over within seconds.
 */
export const CLAIM_LEASE_MS = 6_000;
const CLAIM_RENEW_MS = 2_000;
/**
 * Claims from before leases (their expiresAt is a day ahead) count as abandoned after this long:
 * far longer than a request can run (two upstream calls at the longest timeout).
 */
export const ABANDONED_CLAIM_MS = 5 * 60 * 1000;

/** What a mutation stores to replay: ids of what it returned (reloaded fresh) and its userErrors. */
export interface StoredResult {
  ids: Record<string, string | null>;
  userErrors: UserError[];
}

/** The first request with this key is alive and still running: the client retries later. */
export class IdempotencyKeyBusy extends Refusal {
  constructor(key: string, waitedMs: number) {
    super(
      'IDEMPOTENCY_KEY_IN_USE',
      `The first request with idempotency key ${JSON.stringify(key)} is still running after ${waitedMs / 1000} s; ` +
        'retry later with the same key to get its result.',
    );
  }
}

/**
 * Idempotency keys (input field or Idempotency-Key header), scoped to the API key that sent them.
 * The first request with a key claims it by inserting a row (a unique index settles races) and
 * holds it with a lease it renews while it runs; a concurrent duplicate waits for its result and
 * replays it, or takes the key over when the lease ran out (the first request died: its work is
 * done again, which the operations make safe: a stored order is found again by its referenceId and
 * content, a status already set is a no-op). The same key with another input, or on another
 * operation, is IDEMPOTENCY_KEY_REUSED. Results are kept 24 hours from the claim.
 */
export class IdempotencyService {
  private readonly timing: { leaseMs: number; renewMs: number; waitMs: number };

  constructor(
    private readonly db: Database,
    timing: Partial<{ leaseMs: number; renewMs: number; waitMs: number }> = {},
  ) {
    this.timing = { leaseMs: CLAIM_LEASE_MS, renewMs: CLAIM_RENEW_MS, waitMs: WAIT_FOR_FIRST_MS, ...timing };
  }

  async run(
    ctx: ServiceContext,
    operation: string,
    inputKey: string | null | undefined,
    input: unknown,
    work: () => Promise<StoredResult>,
  ): Promise<StoredResult> {
    const key = inputKey ?? ctx.idempotencyKey ?? null;
    if (!key) return work();
    if (key.length > 255) {
      return reject(userError('INVALID_INPUT', 'idempotencyKey must be at most 255 characters', ['input', 'idempotencyKey']));
    }
    const requestHash = hashInput(input);
    const scope = ctx.principal.keyId;
    const deadline = Date.now() + this.timing.waitMs;

    for (;;) {
      const claim = await this.claim(scope, key, operation, requestHash);
      if (claim) return this.runClaimed(claim, work);
      const first = await this.db.manager.findOneBy(IdempotencyRecordEntity, { scope, key });
      if (!first) continue; // the first request failed and freed the key: claim it
      if (first.operation !== operation || first.requestHash !== requestHash) {
        return reject(
          userError(
            'IDEMPOTENCY_KEY_REUSED',
            `This idempotency key was already used with a different ${first.operation !== operation ? 'operation' : 'input'}; use a new key for a new request.`,
            ['input', 'idempotencyKey'],
          ),
        );
      }
      if (first.response !== null) return JSON.parse(first.response) as StoredResult;
      if (abandoned(first, Date.now())) continue; // its holder died: the next claim takes it over
      if (Date.now() > deadline) throw new IdempotencyKeyBusy(key, this.timing.waitMs);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  private async runClaimed(claim: IdempotencyRecordEntity, work: () => Promise<StoredResult>): Promise<StoredResult> {
    const renew = setInterval(() => {
      // a renewal that fails (database busy) only shortens the lease; the next one catches up
      this.db
        .transaction((m) =>
          m.update(IdempotencyRecordEntity, { id: claim.id, response: IsNull() }, { expiresAt: new Date(Date.now() + this.timing.leaseMs) }),
        )
        .catch(() => undefined);
    }, this.timing.renewMs);
    try {
      const result = await work();
      // kept a day from the claim; a claim taken over meanwhile (this request was presumed dead)
      // matches nothing here, and the request that took it over stores its own, equal, result
      await this.db.transaction((m) =>
        m.update(
          IdempotencyRecordEntity,
          { id: claim.id },
          { response: JSON.stringify(result), expiresAt: new Date(claim.createdAt.getTime() + IDEMPOTENCY_TTL_MS) },
        ),
      );
      return result;
    } catch (err) {
      // a fault is not a result: free the key so the client can retry
      await this.db.transaction((m) => m.delete(IdempotencyRecordEntity, { id: claim.id })).catch(() => undefined);
      throw err;
    } finally {
      clearInterval(renew);
    }
  }

  /** Inserts the claim row, after clearing an expired record or an abandoned claim of this key. */
  private async claim(scope: string, key: string, operation: string, requestHash: string): Promise<IdempotencyRecordEntity | null> {
    const now = new Date();
    await this.db.transaction(async (m) => {
      await m.delete(IdempotencyRecordEntity, { scope, key, expiresAt: LessThan(this.db.param(now) as Date) });
      const abandonedBefore = new Date(now.getTime() - ABANDONED_CLAIM_MS);
      await m.delete(IdempotencyRecordEntity, { scope, key, response: IsNull(), createdAt: LessThan(this.db.param(abandonedBefore) as Date) });
    });
    const claim = Object.assign(new IdempotencyRecordEntity(), {
      id: randomUUID(),
      scope,
      key,
      operation,
      requestHash,
      response: null,
      createdAt: now,
      expiresAt: new Date(now.getTime() + this.timing.leaseMs),
    });
    try {
      await this.db.transaction((m) => m.insert(IdempotencyRecordEntity, claim));
      return claim;
    } catch (err) {
      if (isUniqueViolation(err)) return null;
      throw err;
    }
  }
}

/** A claim without a result whose holder stopped renewing it. */
function abandoned(record: IdempotencyRecordEntity, now: number): boolean {
  return record.response === null && (record.expiresAt.getTime() < now || record.createdAt.getTime() < now - ABANDONED_CLAIM_MS);
}

function reject(error: UserError): StoredResult {
  return { ids: {}, userErrors: [error] };
}

/** A stable hash of the input: key order and absent-vs-null do not matter, the idempotency key does not count. */
export function hashInput(input: unknown): string {
  return createHash('sha256').update(canonicalJson(input)).digest('hex');
}

export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([k, v]) => v !== undefined && v !== null && k !== 'idempotencyKey')
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
