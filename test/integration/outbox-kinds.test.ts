// The outbox's mechanics for any kind, on a real database with a kind of the test's own: how many
// calls run at once (and that a slow one holds back only its own sequence), the per-call timeout
// and the lease that outlives it, a deadline without an attempt cap, jobs run right after the
// transaction that stored them commits, and the transaction hooks that make that possible.
import { randomUUID } from 'node:crypto';
import { Database } from '../../src/db/database';
import { BusinessEntity, OutboxEntity, OutboxKind } from '../../src/db/entities';
import { createLogger } from '../../src/logger';
import { EventBus } from '../../src/services/events';
import { CallResult, CallTimeout, NewJob, Outbox, OutboxHandler, OutboxJob, Step } from '../../src/services/outbox';
import { createTestDatabase, TestDatabase, useMigratedDatabase } from '../helpers/database';
import { eventually } from '../helpers/stack';

const KIND = 'TEST_CALL' as OutboxKind;

/** A kind whose calls the test controls: each waits for `release(id)` (or answers at once). */
class TestKind implements OutboxHandler<string, string> {
  readonly kind = KIND;
  maxAttempts: number | null = null;
  callTimeoutMs?: number;
  inFlight = 0;
  maxInFlight = 0;
  readonly calls: Array<{ subject: string; at: number; signal: AbortSignal }> = [];
  readonly steps: Array<{ subject: string; step: Step<string> }> = [];
  /** how a call answers; by default at once, successfully */
  behave: (subject: string, signal: AbortSignal) => Promise<CallResult<string>> = async () => ({ ok: true, value: 'done' });

  async load(job: OutboxJob): Promise<string | null> {
    return job.subjectId;
  }
  async call(subject: string, _job: OutboxJob, signal: AbortSignal): Promise<CallResult<string>> {
    this.calls.push({ subject, at: Date.now(), signal });
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      return await this.behave(subject, signal);
    } finally {
      this.inFlight--;
    }
  }
  async record(_m: unknown, subject: string, _job: OutboxJob, step: Step<string>) {
    this.steps.push({ subject, step });
    return [];
  }
  finished(subject: string): Step<string> | undefined {
    return this.steps.find((s) => s.subject === subject && s.step.kind !== 'retrying')?.step;
  }
}

/** A gate the test opens: every call waits at it. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}

describe('the outbox, for any kind (real database)', () => {
  let database: TestDatabase;
  let db: Database;
  let events: EventBus;
  const logger = createLogger('silent');
  const outboxes: Outbox[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    db = await Database.connect(database.url);
    await db.runMigrations();
    events = new EventBus(logger);
  });
  afterEach(async () => {
    for (const o of outboxes.splice(0)) await o.stop();
    await db.transaction((m) => m.delete(OutboxEntity, { kind: KIND }));
  });
  afterAll(async () => {
    await events.close();
    await db.close();
    await database.drop();
  });

  function outboxWith(kind: TestKind, options: Partial<{ pollMs: number; concurrency: number; leaseMs: number }> = {}): Outbox {
    const outbox = new Outbox(db, events, logger, { retryBaseMs: 10, retryMaxMs: 50, pollMs: options.pollMs ?? 20, leaseMs: options.leaseMs ?? 5000, concurrency: options.concurrency });
    outbox.register(kind);
    outboxes.push(outbox);
    return outbox;
  }
  const job = (subjectId: string, sequenceKey = subjectId, extra: Partial<NewJob> = {}): NewJob => ({
    kind: KIND,
    subjectId,
    businessId: 'b',
    sequenceKey,
    ...extra,
  });

  it('runs up to `concurrency` calls at once, one per sequence: 100 slow receivers are called side by side', async () => {
    const kind = new TestKind();
    const g = gate();
    kind.behave = async () => {
      await g.opened;
      return { ok: true, value: 'ok' };
    };
    const outbox = outboxWith(kind);
    await db.transaction((m) => outbox.enqueueMany(m, Array.from({ length: 100 }, (_, i) => job(`s${i}`))));
    outbox.start();
    await eventually(async () => expect(kind.inFlight).toBe(100));
    g.open();
    await eventually(async () => expect(kind.steps.filter((s) => s.step.kind === 'delivered')).toHaveLength(100));
    expect(kind.maxInFlight).toBe(100);
    await eventually(async () => expect(await db.manager.countBy(OutboxEntity, { kind: KIND })).toBe(0));
  });

  it('never more than `concurrency`; a slow call holds only its own slot, and work stored meanwhile goes out at once', async () => {
    const kind = new TestKind();
    const slow = gate();
    kind.behave = async (subject) => {
      if (subject === 'slow') await slow.opened;
      else await new Promise((r) => setTimeout(r, 5));
      return { ok: true, value: 'ok' };
    };
    const outbox = outboxWith(kind, { concurrency: 4, pollMs: 60_000 });
    outbox.start();
    await db.transaction((m) => outbox.enqueueMany(m, [job('slow'), ...Array.from({ length: 20 }, (_, i) => job(`q${i}`))]));
    await eventually(async () => expect(kind.steps.filter((s) => s.step.kind === 'delivered')).toHaveLength(20));
    expect(kind.maxInFlight).toBe(4);
    expect(kind.inFlight).toBe(1);
    // the pass is still waiting for the slow call; new work is claimed without waiting for it (or for a poll)
    await db.transaction((m) => outbox.enqueueMany(m, [job('late')]));
    await eventually(async () => expect(kind.finished('late')?.kind).toBe('delivered'));
    slow.open();
    await eventually(async () => expect(kind.finished('slow')?.kind).toBe('delivered'));
  });

  it('one job of a sequence at a time, in the order they were stored, while other sequences pass', async () => {
    const kind = new TestKind();
    let failFirst = 2;
    kind.behave = async (subject) => {
      await new Promise((r) => setTimeout(r, 2));
      if (subject === 'a1' && failFirst-- > 0) return { ok: false, failure: { message: 'not now', temporary: true, outcomeUnknown: false } };
      return { ok: true, value: subject };
    };
    const outbox = outboxWith(kind);
    await db.transaction((m) => outbox.enqueueMany(m, [job('a1', 'A'), job('b1', 'B'), job('a2', 'A'), job('b2', 'B'), job('a3', 'A')]));
    outbox.start();
    await eventually(async () => expect(kind.steps.filter((s) => s.step.kind === 'delivered')).toHaveLength(5));
    const order = kind.calls.map((c) => c.subject);
    expect(order.filter((s) => s.startsWith('a'))).toEqual(['a1', 'a1', 'a1', 'a2', 'a3']);
    expect(order.filter((s) => s.startsWith('b'))).toEqual(['b1', 'b2']);
    // B did not wait for A's retries
    expect(order.indexOf('b2')).toBeLessThan(order.lastIndexOf('a1'));
  });

  it('callTimeoutMs aborts a call that takes too long, and the claim outlives twice that', async () => {
    const kind = new TestKind();
    kind.callTimeoutMs = 300;
    let lockedFor = 0;
    kind.behave = async (subject, signal) => {
      const row = await db.manager.findOneByOrFail(OutboxEntity, { subjectId: subject });
      lockedFor = row.lockedUntil!.getTime() - Date.now();
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      const reason = signal.reason as CallTimeout;
      return { ok: false, failure: { message: `aborted: ${reason.message}`, temporary: false, outcomeUnknown: false } };
    };
    const outbox = outboxWith(kind, { leaseMs: 100 });
    await db.transaction((m) => outbox.enqueueMany(m, [job('t1')]));
    outbox.start();
    const step = await eventually(async () => {
      const s = kind.finished('t1');
      expect(s).toBeDefined();
      return s!;
    });
    expect(step).toMatchObject({ kind: 'failed', failure: { message: 'aborted: no answer within 0.3 s' } });
    const call = kind.calls[0];
    expect(call.signal.aborted).toBe(true);
    expect(call.signal.reason).toBeInstanceOf(CallTimeout);
    // 2 x 300 ms + 5 s, not the 100 ms configured: no other worker takes it over mid-call
    expect(lockedFor).toBeGreaterThan(3000);
    expect(lockedFor).toBeLessThanOrEqual(5600);
  });

  it('with maxAttempts null only the deadline ends the retries: then it gives up without calling again', async () => {
    const kind = new TestKind();
    kind.behave = async () => ({ ok: false, failure: { message: 'HTTP 503', temporary: true, outcomeUnknown: false } });
    const outbox = outboxWith(kind);
    await db.transaction((m) => outbox.enqueueMany(m, [job('d1', 'd1', { giveUpAt: new Date(Date.now() + 60_000) })]));
    outbox.start();
    await eventually(async () => expect(kind.calls.length).toBeGreaterThanOrEqual(15));
    expect(kind.finished('d1')).toBeUndefined();
    const calls = kind.calls.length;
    await db.transaction((m) => m.update(OutboxEntity, { subjectId: 'd1' }, { giveUpAt: new Date(Date.now() - 1) }));
    const step = await eventually(async () => {
      const s = kind.finished('d1');
      expect(s).toBeDefined();
      return s!;
    });
    expect(step).toMatchObject({ kind: 'gave-up', reason: expect.stringMatching(/^gave up after \d+ attempts over 1 minutes/) });
    // at most the call already under way when the deadline moved
    expect(kind.calls.length).toBeLessThanOrEqual(calls + 1);
    await eventually(async () => expect(await db.manager.countBy(OutboxEntity, { kind: KIND })).toBe(0));
  });

  it('jobs stored by enqueueMany run right after their transaction commits, not at the next poll; a rolled-back one never runs', async () => {
    const kind = new TestKind();
    const outbox = outboxWith(kind, { pollMs: 60_000 });
    outbox.start();
    await new Promise((r) => setTimeout(r, 50));
    await db.transaction((m) => outbox.enqueueMany(m, [job('k1')]));
    await eventually(async () => expect(kind.finished('k1')?.kind).toBe('delivered'), 5000);
    await expect(
      db.transaction(async (m) => {
        await outbox.enqueueMany(m, [job('k2')]);
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    await new Promise((r) => setTimeout(r, 200));
    expect(kind.calls.map((c) => c.subject)).toEqual(['k1']);
    expect(await db.manager.countBy(OutboxEntity, { subjectId: 'k2' })).toBe(0);
  });
});

describe('transaction hooks (real database)', () => {
  const migrated = useMigratedDatabase();
  let db: Database;
  beforeAll(() => (db = migrated.db));

  const business = (name: string) => ({ id: randomUUID(), name, wabaId: null, createdAt: new Date() });

  it('beforeCommit runs inside the transaction after its work (its writes commit or roll back with it); afterCommit only after a commit', async () => {
    const seen: string[] = [];
    const id = await db.transaction(async (m) => {
      const b = business('hooked');
      expect(db.beforeCommit(m, async () => {
        seen.push('before');
        await m.insert(BusinessEntity, business('written before commit'));
      })).toBe(true);
      db.afterCommit(m, () => seen.push('after'));
      await m.insert(BusinessEntity, b);
      seen.push('work');
      return b.id;
    });
    expect(seen).toEqual(['work', 'before', 'after']);
    expect(await db.manager.countBy(BusinessEntity, { id })).toBe(1);
    expect(await db.manager.countBy(BusinessEntity, { name: 'written before commit' })).toBe(1);

    seen.length = 0;
    await expect(
      db.transaction(async (m) => {
        db.beforeCommit(m, async () => {
          await m.insert(BusinessEntity, business('rolled back'));
          throw new Error('late failure');
        });
        db.afterCommit(m, () => seen.push('after'));
      }),
    ).rejects.toThrow('late failure');
    expect(seen).toEqual([]);
    expect(await db.manager.countBy(BusinessEntity, { name: 'rolled back' })).toBe(0);
    // outside a transaction of this Database there is nothing to hook
    expect(db.beforeCommit(db.manager, async () => undefined)).toBe(false);
  });
});
