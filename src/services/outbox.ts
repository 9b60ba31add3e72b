import type { EntityManager } from 'typeorm';
import { BatchReader } from '../db/batch-reads';
import type { Database } from '../db/database';
import { OutboxEntity, OutboxKind, OrderEventEntity } from '../db/entities';
import { insertReturningId, insertRows } from '../db/writes';
import type { EventSource } from '../domain/types';
import type { Logger } from '../logger';
import type { EventBus } from './events';
import { WorkerLoop } from './worker-loop';

export type { OutboxKind } from '../db/entities';

export interface OutboxOptions {
  retryBaseMs: number;
  retryMaxMs: number;
  pollMs: number;
  /** how long one claim on a job lasts; longer than a call can take (a kind's callTimeoutMs may lengthen it) */
  leaseMs: number;
  /** jobs the relay runs at the same time (one per sequence); default 100 */
  concurrency?: number;
}

/** Why a call did not succeed, in the terms the outbox decides by. */
export interface CallFailure {
  message: string;
  /** worth trying again later (network, 5xx, rate limits); false: the other side refused for good */
  temporary: boolean;
  /** the call may have been acted on although no answer says so (timeout, lost answer, unreadable 2xx) */
  outcomeUnknown: boolean;
  /** the next attempt waits at least this long (e.g. WhatsApp's pair rate limit) */
  minDelayMs?: number;
  /** the kind's own details (an UpstreamError, an HTTP status ...), handed back to its record() */
  cause?: unknown;
}

export type CallResult<V> = { ok: true; value: V } | { ok: false; failure: CallFailure };

/** What became of one step of a job; the kind records it in its own tables. */
export type Step<V> =
  /** the call succeeded */
  | { kind: 'delivered'; value: V }
  /** an earlier call whose answer was lost did reach the other side (found out by asking it) */
  | { kind: 'settled'; value: V | null }
  /** not done yet: tried again at nextAttemptAt */
  | { kind: 'retrying'; failure: CallFailure; nextAttemptAt: Date }
  /** refused for good */
  | { kind: 'failed'; failure: CallFailure }
  /** out of attempts (or time): nothing more is sent */
  | { kind: 'gave-up'; failure: CallFailure; reason: string }
  /** could not be settled now (the other side cannot be asked): nothing was sent, asked again later */
  | { kind: 'unsettled'; failure: CallFailure; nextAttemptAt: Date };

/** A job as a kind sees it. */
export interface OutboxJob {
  id: number;
  kind: OutboxKind;
  subjectId: string;
  businessId: string;
  sequenceKey: string;
  /** calls made before this step */
  attempts: number;
  outcomeUnknown: boolean;
  /** no call after this time */
  giveUpAt: Date | null;
  createdAt: Date;
}

/**
 * One kind of outbound call. The outbox owns claiming, leases, ordering, backoff, attempt limits
 * and settling unknown outcomes; the kind owns the call and what its outcome means in its tables.
 */
export interface OutboxHandler<S, V> {
  readonly kind: OutboxKind;
  /** most calls before giving up; null: only the job's giveUpAt limits it */
  readonly maxAttempts: number | null;
  /**
   * The outbox aborts a call (the signal handed to call()) after this long; the kind reports it as
   * a failure like any other. Claims last long enough for it. Unset: the kind bounds its calls itself.
   */
  readonly callTimeoutMs?: number;
  /** what the job delivers; null when it is gone (the job is dropped) */
  load(job: OutboxJob): Promise<S | null>;
  /**
   * After a call whose outcome is unknown (or a holder that died mid-call): does the other side
   * already have it? `delivered` (with what it says about it) or `absent`. Throws when it cannot
   * tell now; nothing is sent then. Kinds without it are simply called again (the receiver dedupes).
   */
  settle?(subject: S, job: OutboxJob): Promise<{ delivered: true; value: V | null } | { delivered: false }>;
  call(subject: S, job: OutboxJob, signal: AbortSignal): Promise<CallResult<V>>;
  /** Writes the step's outcome in the outbox's transaction; returns the events to publish after commit. */
  record(m: EntityManager, subject: S, job: OutboxJob, step: Step<V>, source: EventSource): Promise<OrderEventEntity[]>;
  /** A failure from settle() or call() that threw instead of answering (a fault): how to treat it. */
  classify?(err: unknown): CallFailure;
}

export interface NewJob {
  kind: OutboxKind;
  subjectId: string;
  businessId: string;
  sequenceKey: string;
  /** the creating request sends it right after commit: it holds the lease meanwhile */
  heldByRequest?: boolean;
  giveUpAt?: Date | null;
  now?: Date;
}

/** A step run in the request that created the job: its outcome, or `waiting` behind an earlier job. */
export type RequestStep<V> = Step<V> | { kind: 'waiting' };

/**
 * The transactional outbox: every durable outbound call (WhatsApp messages, refunds, webhooks to
 * the business) is a job stored in the same transaction as the change that causes it, and deleted
 * in the transaction that records its final outcome. Whoever holds a job's lease (the request that
 * created it, or the relay once that lease ran out) makes the call.
 *
 * Rules that keep every kind exact:
 * - a claim is atomic (FOR UPDATE SKIP LOCKED on PostgreSQL, the single writer on sqlite), so two
 *   workers or instances never make the same call at the same time;
 * - jobs with the same sequenceKey go out one at a time in creation order (an order_status never
 *   overtakes its order_details; one order's webhooks arrive in order);
 * - an outcome that cannot be known (a timeout, a lost answer, a holder that died mid-call) is
 *   settled by asking the other side before anything is sent again, where the kind can ask;
 * - temporary failures are retried with exponential backoff and full jitter, up to the kind's
 *   attempt limit or the job's deadline; then the job gives up, recorded, and nothing more is sent.
 */
export class Outbox {
  private readonly handlers = new Map<OutboxKind, OutboxHandler<unknown, unknown>>();
  private readonly loop: WorkerLoop;
  /** relay passes in progress: a kick wakes them to claim more */
  private readonly passes = new Set<() => void>();
  private leaseMs: number;
  private reader: BatchReader<OutboxEntity> | null = null;

  constructor(
    private readonly db: Database,
    private readonly events: EventBus,
    private readonly logger: Logger,
    private readonly options: OutboxOptions,
  ) {
    this.loop = new WorkerLoop('outbox relay', () => this.tick(), options.pollMs, logger);
    this.leaseMs = options.leaseMs;
  }

  register<S, V>(handler: OutboxHandler<S, V>): void {
    this.handlers.set(handler.kind, handler as OutboxHandler<unknown, unknown>);
    // a claim outlives the longest call any kind may make
    if (handler.callTimeoutMs) this.leaseMs = Math.max(this.leaseMs, handler.callTimeoutMs * 2 + 5000);
  }

  start = () => this.loop.start();
  stop = () => this.loop.stop();
  /**
   * Work became due: run a pass now (coalesced with one already planned). A pass in progress
   * (busy with slow calls) claims what became due at once, without waiting for its calls to end.
   */
  kick = (delayMs = 0) => {
    if (delayMs <= 0) for (const wake of this.passes) wake();
    this.loop.kick(delayMs);
  };

  /**
   * After the transaction `m` belongs to commits, the relay runs the jobs it stored (jobs not held
   * by the creating request would otherwise wait for the next poll).
   */
  kickAfterCommit(m: EntityManager): void {
    if (!this.db.afterCommit(m, () => this.kick())) this.kick(this.options.pollMs);
  }

  /** Stores a job in the caller's transaction. */
  async enqueue(m: EntityManager, job: NewJob): Promise<OutboxJob> {
    const prepared = this.prepare(job);
    return prepared.stored(await insertReturningId(m, OutboxEntity, prepared.row));
  }

  /**
   * A job for a caller that stores it with other rows in one statement (insertTogether, in its
   * transaction): the row to insert, and the job once the row has its id.
   */
  prepare(job: NewJob): { row: ReturnType<Outbox['rowOf']>; stored(id: number): OutboxJob } {
    const row = this.rowOf(job);
    return {
      row,
      stored: (id) => ({
        id,
        kind: job.kind,
        subjectId: job.subjectId,
        businessId: job.businessId,
        sequenceKey: job.sequenceKey,
        attempts: 0,
        outcomeUnknown: false,
        giveUpAt: row.giveUpAt,
        createdAt: row.createdAt,
      }),
    };
  }

  /**
   * Stores several jobs for the relay in one statement, in the caller's transaction; within a
   * sequence they go out in the order given. The relay runs them right after commit.
   */
  async enqueueMany(m: EntityManager, jobs: NewJob[]): Promise<void> {
    if (jobs.length === 0) return;
    await insertRows(m, OutboxEntity, jobs.map((job) => this.rowOf({ ...job, heldByRequest: false })));
    this.kickAfterCommit(m);
  }

  private rowOf(job: NewJob) {
    const now = job.now ?? new Date();
    return {
      kind: job.kind,
      subjectId: job.subjectId,
      businessId: job.businessId,
      sequenceKey: job.sequenceKey,
      attempts: 0,
      nextAttemptAt: now,
      lockedUntil: job.heldByRequest ? new Date(now.getTime() + this.options.leaseMs) : null,
      outcomeUnknown: false,
      lastError: null,
      giveUpAt: job.giveUpAt ?? null,
      createdAt: now,
    };
  }

  /**
   * Runs a job its creating request holds, right after commit, so the caller learns the outcome.
   * `known` is the subject the request already has (nothing to read again). When an earlier job
   * of the same sequence is still in flight, the lease is released and the relay sends it after.
   */
  async runForRequest<S, V>(job: OutboxJob, known: S, opts: { first?: boolean } = {}): Promise<RequestStep<V>> {
    if (!opts.first && (await this.neighbour(job, '<'))) {
      await this.db.transaction((m) => m.update(OutboxEntity, { id: job.id }, { lockedUntil: null }));
      this.kick();
      return { kind: 'waiting' };
    }
    const step = await this.run(this.handler<S, V>(job.kind), job, known, 'API');
    // the relay would find a waiting successor on its next poll; this is sooner
    if (isFinal(step) && (await this.neighbour(job, '>'))) this.kick();
    return step;
  }

  /**
   * One relay pass: claims due jobs and runs up to `concurrency` of them at once, claiming more as
   * soon as any finishes or new work is kicked (a slow call holds only its own slot), until nothing
   * is due and nothing runs. A sequence's next job becomes due when the one before it finishes.
   */
  async tick(concurrency = this.options.concurrency ?? 100): Promise<number> {
    let done = 0;
    const running = new Set<Promise<void>>();
    let lookAgain = true;
    let claimError: unknown = null;
    let wake: (() => void) | null = null;
    const signal = () => {
      const w = wake;
      wake = null;
      w?.();
    };
    const kicked = () => {
      lookAgain = true;
      signal();
    };
    this.passes.add(kicked);
    try {
      for (;;) {
        const claiming = lookAgain && claimError === null && !this.loop.stopped && running.size < concurrency;
        if (claiming) {
          lookAgain = false;
          const wanted = concurrency - running.size;
          let jobs: OutboxJob[] = [];
          try {
            jobs = await this.claim(wanted);
          } catch (err) {
            // the database is away: finish what runs, then let the worker loop try again later
            claimError = err;
          }
          if (jobs.length === wanted) lookAgain = true;
          for (const job of jobs) {
            const p: Promise<void> = this.runClaimed(job).then((outcome) => {
              if (outcome === 'delivered') done++;
              if (outcome !== 'pending') lookAgain = true;
              running.delete(p);
              signal();
            });
            running.add(p);
          }
          continue;
        }
        if (running.size === 0 && (!lookAgain || claimError !== null || this.loop.stopped)) break;
        // wait for a job to finish, a kick, or the poll interval (retries that became due meanwhile)
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            lookAgain = true;
            signal();
          }, this.options.pollMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    } finally {
      this.passes.delete(kicked);
    }
    if (claimError !== null) throw claimError;
    return done;
  }

  /** Runs one claimed job; what became of it: delivered (or settled), finished otherwise, or still pending. */
  private async runClaimed(job: OutboxJob): Promise<'delivered' | 'finished' | 'pending'> {
    const handler = this.handler(job.kind);
    try {
      const subject = await handler.load(job);
      if (subject === null) {
        await this.db.transaction((m) => m.delete(OutboxEntity, { id: job.id }));
        return 'finished';
      }
      const step = await this.run(handler, job, subject, 'SYSTEM');
      if (step.kind === 'delivered' || step.kind === 'settled') return 'delivered';
      return isFinal(step) ? 'finished' : 'pending';
    } catch (err) {
      // a fault of ours (database, bug): the lease runs out and the job is tried again
      this.logger.error({ err, jobId: job.id, kind: job.kind }, 'outbox job failed; it will be retried when its lease expires');
      return 'pending';
    }
  }

  /** Claims up to `limit` due jobs that are first in their sequence. */
  private async claim(limit: number): Promise<OutboxJob[]> {
    const now = new Date();
    const lease = new Date(now.getTime() + this.leaseMs);
    const p = (i: number) => (this.db.dialect === 'sqlite' ? '?' : `$${i}`);
    // first in its sequence: no earlier job of the same key is still in the table
    const due =
      `SELECT o."id" FROM "outbox" o WHERE o."nextAttemptAt" <= ${p(1)} AND (o."lockedUntil" IS NULL OR o."lockedUntil" < ${p(1)}) ` +
      `AND NOT EXISTS (SELECT 1 FROM "outbox" e WHERE e."sequenceKey" = o."sequenceKey" AND e."id" < o."id") ` +
      `ORDER BY o."nextAttemptAt", o."id" LIMIT ${Number(limit)}`;
    // a lease still set when it is taken over means its holder died mid-call: the outcome is unknown
    const set = `"outcomeUnknown" = ("outcomeUnknown" OR "lockedUntil" IS NOT NULL), "lockedUntil" = ${p(2)}`;
    const nowParam = this.db.param(now);
    const leaseParam = this.db.param(lease);
    const ids = await this.db.transaction(async (m) => {
      if (this.db.dialect === 'postgres') {
        const result = (await m.query(
          `UPDATE "outbox" SET ${set} WHERE "id" IN (${due} FOR UPDATE SKIP LOCKED) RETURNING "id"`,
          [nowParam, leaseParam],
        )) as [Array<{ id: number }>, number];
        return result[0].map((r) => Number(r.id));
      }
      // sqlite: one writer at a time, so selecting and then updating in one transaction is atomic
      const rows = (await m.query(due, [nowParam, nowParam])) as Array<{ id: number }>;
      if (rows.length === 0) return [];
      const list = rows.map((r) => Number(r.id));
      await m.query(`UPDATE "outbox" SET ${set} WHERE "id" IN (${list.map(() => '?').join(', ')})`, [leaseParam, ...list]);
      return list;
    });
    if (ids.length === 0) return [];
    const rows = await (this.reader ??= new BatchReader(this.db.dataSource, OutboxEntity)).byKeys(this.db.manager, 'id', ids, '"id"');
    return rows.map(toJob);
  }

  /** Whether another job of the same sequence comes before (`<`) or after (`>`) this one. */
  private async neighbour(job: OutboxJob, side: '<' | '>'): Promise<boolean> {
    const p = (i: number) => (this.db.dialect === 'sqlite' ? '?' : `$${i}`);
    const rows = (await this.db.manager.query(
      `SELECT 1 FROM "outbox" WHERE "sequenceKey" = ${p(1)} AND "id" ${side} ${p(2)} LIMIT 1`,
      [job.sequenceKey, job.id],
    )) as unknown[];
    return rows.length > 0;
  }

  /** Settles an unknown outcome if it must, calls if it may, and records what happened. */
  private async run<S, V>(handler: OutboxHandler<S, V>, job: OutboxJob, subject: S, source: EventSource): Promise<Step<V>> {
    const limit = limitOf(handler, job);
    let step: Step<V> | null = null;

    if (job.outcomeUnknown && handler.settle) {
      try {
        const settled = await handler.settle(subject, job);
        if (settled.delivered) step = { kind: 'settled', value: settled.value };
      } catch (err) {
        const failure = this.failureOf(handler, err);
        step = { kind: 'unsettled', failure, nextAttemptAt: this.nextAttempt(job.attempts + 1, failure) };
      }
    }
    if (step === null && limit !== null) {
      // out of attempts or time, and known not to have been delivered: nothing more is sent
      step = { kind: 'gave-up', failure: { message: limit, temporary: false, outcomeUnknown: false }, reason: limit };
    }
    let called = false;
    if (step === null) {
      called = true;
      let result: CallResult<V>;
      const abort = new AbortController();
      const timer = handler.callTimeoutMs ? setTimeout(() => abort.abort(new CallTimeout(handler.callTimeoutMs!)), handler.callTimeoutMs) : null;
      try {
        result = await handler.call(subject, job, abort.signal);
      } catch (err) {
        result = { ok: false, failure: this.failureOf(handler, err) };
      } finally {
        if (timer) clearTimeout(timer);
      }
      if (result.ok) step = { kind: 'delivered', value: result.value };
      else if (!result.failure.temporary) step = { kind: 'failed', failure: result.failure };
      else {
        const attempts = job.attempts + 1;
        const exhausted = limitOf(handler, { ...job, attempts });
        // an unknown outcome is never given up on before it is settled: it may have succeeded
        step =
          exhausted !== null && !(result.failure.outcomeUnknown && handler.settle)
            ? { kind: 'gave-up', failure: result.failure, reason: `${exhausted}; last error: ${result.failure.message}` }
            : { kind: 'retrying', failure: result.failure, nextAttemptAt: this.nextAttempt(attempts, result.failure) };
      }
    }

    const final = isFinal(step);
    const attempts = job.attempts + (called ? 1 : 0);
    const published = await this.db.transaction(async (m) => {
      const events = await handler.record(m, subject, { ...job, attempts }, step!, source);
      if (final) {
        // plain SQL: this runs once per finished call, thousands of times a second on a busy relay
        await m.query(`DELETE FROM "outbox" WHERE "id" = ${this.db.dialect === 'sqlite' ? '?' : '$1'}`, [job.id]);
      } else {
        const failure = (step as { failure: CallFailure }).failure;
        await m.update(
          OutboxEntity,
          { id: job.id },
          {
            attempts,
            nextAttemptAt: (step as { nextAttemptAt: Date }).nextAttemptAt,
            lockedUntil: null,
            // unknown until settled: a failure that proves nothing was sent does not clear an earlier doubt
            outcomeUnknown: step!.kind === 'unsettled' || (job.outcomeUnknown && !called) || failure.outcomeUnknown,
            lastError: failure.message.slice(0, 2000),
          },
        );
      }
      return events;
    });
    this.events.publish(published);
    this.log(job, step, attempts);
    // a retry is due at a known time: wake the relay then rather than at its next poll
    if (!final) this.kick(Math.max(0, (step as { nextAttemptAt: Date }).nextAttemptAt.getTime() - Date.now()));
    return step;
  }

  private failureOf<S, V>(handler: OutboxHandler<S, V>, err: unknown): CallFailure {
    if (handler.classify) return handler.classify(err);
    return { message: (err as Error)?.message ?? String(err), temporary: true, outcomeUnknown: true, cause: err };
  }

  private nextAttempt(attempts: number, failure: CallFailure): Date {
    return new Date(Date.now() + Math.max(this.backoff(attempts), failure.minDelayMs ?? 0));
  }

  private handler<S, V>(kind: OutboxKind): OutboxHandler<S, V> {
    const handler = this.handlers.get(kind);
    if (!handler) throw new Error(`no outbox handler registered for ${kind}`);
    return handler as OutboxHandler<S, V>;
  }

  private log(job: OutboxJob, step: Step<unknown>, attempts: number): void {
    const base = { jobId: job.id, kind: job.kind, subjectId: job.subjectId, attempts };
    switch (step.kind) {
      case 'retrying':
        this.logger.warn({ ...base, retryAt: step.nextAttemptAt, outcomeUnknown: step.failure.outcomeUnknown, error: step.failure.message }, 'outbound call failed; it will be retried');
        break;
      case 'unsettled':
        this.logger.warn({ ...base, retryAt: step.nextAttemptAt, error: step.failure.message }, 'could not find out whether an earlier call went through; nothing sent, asking again later');
        break;
      case 'failed':
        this.logger.warn({ ...base, error: step.failure.message }, 'outbound call refused');
        break;
      case 'gave-up':
        this.logger.warn({ ...base, reason: step.reason }, 'outbound call given up; nothing more will be sent');
        break;
      case 'settled':
        this.logger.info(base, 'an earlier call whose answer was lost had gone through; not sent again');
        break;
      default:
        break;
    }
  }

  /** Exponential backoff with full jitter, so a recovering upstream is not hit in lockstep. */
  backoff(attempts: number): number {
    const ceiling = Math.min(this.options.retryMaxMs, this.options.retryBaseMs * 2 ** Math.min(Math.max(attempts, 1) - 1, 30));
    return Math.max(this.options.retryBaseMs, Math.floor(Math.random() * ceiling));
  }

  /** Jobs in flight by kind, with the creation time of the oldest (for metrics). */
  async depth(): Promise<Array<{ kind: OutboxKind; jobs: number; oldest: Date | null }>> {
    const rows = (await this.db.manager
      .createQueryBuilder(OutboxEntity, 'o')
      .select('o.kind', 'kind')
      .addSelect('COUNT(*)', 'jobs')
      .addSelect('MIN(o.createdAt)', 'oldest')
      .groupBy('o.kind')
      .getRawMany()) as Array<{ kind: OutboxKind; jobs: unknown; oldest: unknown }>;
    return OUTBOX_KINDS.map((kind) => {
      const row = rows.find((r) => r.kind === kind);
      return { kind, jobs: row ? Number(row.jobs) : 0, oldest: row ? asDate(row.oldest) : null };
    });
  }
}

/** The reason of the signal a call gets when the kind's callTimeoutMs ran out. */
export class CallTimeout extends Error {
  constructor(readonly ms: number) {
    super(`no answer within ${ms / 1000} s`);
    this.name = 'CallTimeout';
  }
}

export const OUTBOX_KINDS: readonly OutboxKind[] = ['WHATSAPP_MESSAGE', 'REFUND', 'BUSINESS_WEBHOOK'];

/** MIN() of a timestamp comes back as a Date (PostgreSQL) or sqlite's UTC text. */
function asDate(value: unknown): Date | null {
  if (value instanceof Date) return value;
  if (typeof value === 'string') return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value.replace(' ', 'T')}Z`);
  return null;
}

function isFinal(step: Step<unknown>): boolean {
  return step.kind !== 'retrying' && step.kind !== 'unsettled';
}

/** Why the job may not be called again (attempts or time used up), or null. */
function limitOf<S, V>(handler: OutboxHandler<S, V>, job: OutboxJob): string | null {
  if (handler.maxAttempts !== null && job.attempts >= handler.maxAttempts) return `gave up after ${job.attempts} attempts`;
  if (job.giveUpAt && job.giveUpAt.getTime() <= Date.now()) {
    return `gave up after ${job.attempts} attempts over ${describeSpan(job.giveUpAt.getTime() - job.createdAt.getTime())}`;
  }
  return null;
}

function toJob(row: OutboxEntity): OutboxJob {
  return {
    id: Number(row.id),
    kind: row.kind,
    subjectId: row.subjectId,
    businessId: row.businessId,
    sequenceKey: row.sequenceKey,
    attempts: row.attempts,
    outcomeUnknown: Boolean(row.outcomeUnknown),
    giveUpAt: row.giveUpAt,
    createdAt: row.createdAt,
  };
}

function describeSpan(ms: number): string {
  const hours = ms / 3_600_000;
  return hours >= 1 ? `${Math.round(hours)} hours` : `${Math.max(1, Math.round(ms / 60_000))} minutes`;
}
