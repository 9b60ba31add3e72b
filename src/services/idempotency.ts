import { createHash, randomUUID } from 'node:crypto';
import { IsNull, LessThan } from 'typeorm';
import type { Database } from '../db/database';
import { isUniqueViolation } from '../db/errors';
import { IdempotencyRecordEntity } from '../db/entities';
import { userError } from '../domain/errors';
import type { UserError } from '../domain/types';
import type { ServiceContext } from './context';

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
const WAIT_FOR_FIRST_MS = 30_000;
/**
 * A claim still without a result after this long belongs to a request that died with its process
 * (a crash or kill between claim and result): the key is taken over instead of blocking every
 * retry for a day. Far longer than a request can run (two upstream calls at the longest timeout).
 */
export const ABANDONED_CLAIM_MS = 5 * 60 * 1000;

/** What a mutation stores to replay: ids of what it returned (reloaded fresh) and its userErrors. */
export interface StoredResult {
  ids: Record<string, string | null>;
  userErrors: UserError[];
}

/**
 * Idempotency keys (input field or Idempotency-Key header), scoped to the API key that sent them.
 * The first request with a key claims it by inserting a row (a unique index settles races); a
 * concurrent duplicate waits for the first to finish and replays its result; the same key with
 * another input, or on another operation, is IDEMPOTENCY_KEY_REUSED. Records are kept 24 hours.
 */
export class IdempotencyService {
  constructor(private readonly db: Database) {}

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
    const now = new Date();

    const claimed = await this.claim(scope, key, operation, requestHash, now);
    if (!claimed) {
      const first = await this.waitForFirst(scope, key);
      if (!first || first.operation !== operation || first.requestHash !== requestHash) {
        return reject(
          userError(
            'IDEMPOTENCY_KEY_REUSED',
            `This idempotency key was already used with a different ${first?.operation !== operation ? 'operation' : 'input'}; use a new key for a new request.`,
            ['input', 'idempotencyKey'],
          ),
        );
      }
      if (first.response === null) {
        // a fault, not an outcome: the client retries later with the same key
        throw new Error(
          `The first request with idempotency key ${JSON.stringify(key)} is still running after ${WAIT_FOR_FIRST_MS} ms; ` +
            'retry later with the same key.',
        );
      }
      return JSON.parse(first.response) as StoredResult;
    }
    try {
      const result = await work();
      await this.db.transaction((m) =>
        m.update(IdempotencyRecordEntity, { scope, key }, { response: JSON.stringify(result) }),
      );
      return result;
    } catch (err) {
      // a fault is not a result: free the key so the client can retry
      await this.db.transaction((m) => m.delete(IdempotencyRecordEntity, { scope, key }));
      throw err;
    }
  }

  private async claim(scope: string, key: string, operation: string, requestHash: string, now: Date): Promise<boolean> {
    await this.db.transaction(async (m) => {
      await m.delete(IdempotencyRecordEntity, { scope, key, expiresAt: LessThan(this.db.param(now) as Date) });
      const abandonedBefore = new Date(now.getTime() - ABANDONED_CLAIM_MS);
      await m.delete(IdempotencyRecordEntity, { scope, key, response: IsNull(), createdAt: LessThan(this.db.param(abandonedBefore) as Date) });
    });
    try {
      await this.db.transaction((m) =>
        m.insert(IdempotencyRecordEntity, {
          id: randomUUID(),
          scope,
          key,
          operation,
          requestHash,
          response: null,
          createdAt: now,
          expiresAt: new Date(now.getTime() + IDEMPOTENCY_TTL_MS),
        }),
      );
      return true;
    } catch (err) {
      if (isUniqueViolation(err)) return false;
      throw err;
    }
  }

  private async waitForFirst(scope: string, key: string): Promise<IdempotencyRecordEntity | null> {
    const deadline = Date.now() + WAIT_FOR_FIRST_MS;
    for (;;) {
      const row = await this.db.manager.findOneBy(IdempotencyRecordEntity, { scope, key });
      if (!row || row.response !== null || Date.now() > deadline) return row;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
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
