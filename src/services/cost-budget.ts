import Redis from 'ioredis';
import type { ApiKeyRole } from '../domain/types';
import type { Logger } from '../logger';
import type { Principal } from './context';

/** A key's budget: a bucket of query cost holding at most `max`, refilled by `perSecond`. */
export interface BudgetLimits {
  max: number;
  perSecond: number;
}

/** The bucket as reported in `extensions.cost.throttleStatus` (Shopify's names). */
export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

export type Charge =
  | { allowed: true; status: ThrottleStatus }
  | { allowed: false; status: ThrottleStatus; retryAfterMs: number };

/**
 * Atomic take-or-refuse on one bucket, in Redis' own clock (instances' clocks never matter); a
 * negative cost gives back (up to the bucket's size). The key expires once the bucket would be
 * full again, so idle keys cost Redis nothing.
 */
const TAKE_SCRIPT = `
local max = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 't', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then tokens = max; at = now end
if now > at then tokens = math.min(max, tokens + (now - at) * rate / 1000) end
local allowed = 0
local retry = 0
if cost <= tokens then
  tokens = math.min(max, tokens - cost)
  allowed = 1
else
  retry = math.ceil((cost - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((max - tokens) * 1000 / rate) + 1000)
return {allowed, tostring(tokens), retry}
`;

type RedisWithTake = Redis & { takeCost(key: string, max: number, rate: number, cost: number): Promise<[number, string, number]> };

/** How long Redis may take to answer before this instance falls back to its own bucket. */
const REDIS_TIMEOUT_MS = 250;
const LOCAL_SWEEP_AT = 10_000;

/**
 * Query cost budgets per API key, as Shopify's leaky bucket: every operation takes its estimated
 * cost from its key's bucket before it runs, and one that would overdraw it is refused with the
 * time after which it would fit. Each role has its own limits (null: no budget).
 *
 * With Redis the bucket is one per key across every instance (an atomic script in Redis' clock).
 * When Redis does not answer, each instance keeps its own bucket until it is back: a key then gets
 * at most its budget once per instance, and no request waits on Redis.
 */
export class CostBudget {
  private readonly local = new Map<string, { tokens: number; at: number; limits: BudgetLimits }>();
  private readonly redis: RedisWithTake | null = null;
  private redisTroubleLogged = 0;

  constructor(
    private readonly limits: Record<ApiKeyRole, BudgetLimits | null>,
    private readonly logger: Logger,
    redis: { url: string; prefix: string } | null = null,
  ) {
    if (redis) {
      const client = new Redis(redis.url, {
        lazyConnect: false,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        commandTimeout: REDIS_TIMEOUT_MS,
        keyPrefix: `${redis.prefix}:cost:`,
      });
      client.on('error', (err) => this.redisTrouble(err));
      client.defineCommand('takeCost', { numberOfKeys: 1, lua: TAKE_SCRIPT });
      this.redis = client as RedisWithTake;
    }
  }

  limitsFor(principal: Principal): BudgetLimits | null {
    return this.limits[principal.role] ?? null;
  }

  /** Takes `cost` from the caller's bucket, or refuses; null when the role has no budget. */
  async charge(principal: Principal, cost: number): Promise<Charge | null> {
    const limits = this.limitsFor(principal);
    if (!limits) return null;
    if (this.redis && this.redis.status === 'ready') {
      try {
        const [allowed, tokens, retryAfterMs] = await this.redis.takeCost(principal.keyId, limits.max, limits.perSecond, cost);
        return this.outcome(limits, allowed === 1, Number(tokens), Number(retryAfterMs));
      } catch (err) {
        this.redisTrouble(err);
      }
    }
    return this.takeLocally(principal.keyId, limits, cost);
  }

  /**
   * Gives back what an operation was charged beyond what it cost (its estimate counts every list at
   * its largest size; its answer shows the real sizes). Best effort: a refund lost to a Redis
   * outage only makes the bucket stricter for a moment.
   */
  async refund(principal: Principal, amount: number): Promise<void> {
    const limits = this.limitsFor(principal);
    if (!limits || amount <= 0) return;
    if (this.redis && this.redis.status === 'ready') {
      try {
        await this.redis.takeCost(principal.keyId, limits.max, limits.perSecond, -amount);
        return;
      } catch (err) {
        this.redisTrouble(err);
      }
    }
    this.takeLocally(principal.keyId, limits, -amount);
  }

  private takeLocally(keyId: string, limits: BudgetLimits, cost: number): Charge {
    const now = Date.now();
    if (this.local.size > LOCAL_SWEEP_AT) this.sweep(now);
    const bucket = this.local.get(keyId) ?? { tokens: limits.max, at: now, limits };
    bucket.tokens = Math.min(limits.max, bucket.tokens + ((now - bucket.at) * limits.perSecond) / 1000);
    bucket.at = now;
    this.local.set(keyId, bucket);
    if (cost <= bucket.tokens) {
      bucket.tokens = Math.min(limits.max, bucket.tokens - cost);
      return this.outcome(limits, true, bucket.tokens, 0);
    }
    return this.outcome(limits, false, bucket.tokens, Math.ceil(((cost - bucket.tokens) * 1000) / limits.perSecond));
  }

  private outcome(limits: BudgetLimits, allowed: boolean, tokens: number, retryAfterMs: number): Charge {
    const status: ThrottleStatus = {
      maximumAvailable: limits.max,
      currentlyAvailable: Math.floor(tokens),
      restoreRate: limits.perSecond,
    };
    return allowed ? { allowed, status } : { allowed, status, retryAfterMs: Math.max(1, retryAfterMs) };
  }

  /** Buckets that are full again hold nothing worth keeping. */
  private sweep(now: number): void {
    for (const [keyId, { tokens, at, limits }] of this.local) {
      if (tokens + ((now - at) * limits.perSecond) / 1000 >= limits.max) this.local.delete(keyId);
    }
  }

  private redisTrouble(err: unknown): void {
    // one line a minute is enough to tell an operator; requests go on with local buckets
    if (Date.now() - this.redisTroubleLogged < 60_000) return;
    this.redisTroubleLogged = Date.now();
    this.logger.warn({ err: (err as Error)?.message }, 'cost budgets: Redis does not answer; each instance counts its own budget until it does');
  }

  async close(): Promise<void> {
    if (this.redis) await this.redis.quit().catch(() => this.redis!.disconnect());
  }
}
