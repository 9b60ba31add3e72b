// Refunds against a WhatsApp that fails: 5xx, rate limits, timeouts, resets, answers lost after
// WhatsApp made the refund, a lookup that cannot answer, a holder that died mid-call, the attempt
// limit. WhatsApp's refund API takes no idempotency key, so whatever happens, exactly one refund
// reaches WhatsApp per refundPayment: an outcome the gateway cannot know is settled through the
// payment lookup's refunds[], never by requesting again blindly. (A SIGKILLed process is in
// test/scale/refunds.test.ts.)
import { OutboxEntity, RefundEntity } from '../../src/db/entities';
import type { FaultKind } from '../../src/sandbox/simulator';
import { lookupCalls } from '../helpers/orders';
import { capturedOrder, readRefunds, refundCalls, refundPayment, refundTrail } from '../helpers/refunds';
import { eventually, startTestStack, type TestStack } from '../helpers/stack';
import { connectSimulator, ofType } from '../helpers/webhooks';

type Call = 'refund' | 'lookup';
const LOST: FaultKind[] = ['acceptedTimeout', 'acceptedReset', 'acceptedGarbage', 'acceptedHttp500'];
// (a 5xx is settled through the lookup first too: a server error may come after the refund was made)
const NOT_DONE: FaultKind[] = ['http500', 'http503', 'http429', 'timeout', 'reset'];

describe('refunds: answers lost, calls failed (the fault matrix)', () => {
  let s: TestStack;
  beforeAll(async () => {
    s = await startTestStack();
    connectSimulator(s);
  });
  afterAll(() => s.stop());
  afterEach(async () => {
    s.sim.clearFaults();
    await s.sim.settle();
  });

  const key = () => s.shop.keys.OPS;
  const rowsOf = (ref: string) => s.t.gateway.db.manager.findBy(RefundEntity, { referenceId: ref });
  /**
   * Waits until WhatsApp's verdict is in (the refund is no longer REQUESTED and its job is gone),
   * then reads the order once more: a read racing the commit could show the refund's new status
   * beside a history read a moment before (the history and the refunds are two statements).
   */
  const decided = async (ref: string, timeoutMs?: number) => {
    await eventually(async () => {
      const order = await readRefunds(s.t, ref, key());
      expect(order.payment.refunds.every((r: any) => r.status !== 'REQUESTED')).toBe(true);
      expect(await s.t.gateway.db.manager.countBy(OutboxEntity, { kind: 'REFUND' })).toBe(0);
    }, timeoutMs);
    return readRefunds(s.t, ref, key());
  };

  const matrix: Array<{ name: string; faults: Array<[FaultKind, Call]> }> = [
    ...LOST.map((f) => ({ name: `${f} (WhatsApp made the refund, its answer was lost)`, faults: [[f, 'refund']] as Array<[FaultKind, Call]> })),
    ...NOT_DONE.map((f) => ({ name: `${f} before WhatsApp made it`, faults: [[f, 'refund']] as Array<[FaultKind, Call]> })),
    ...LOST.map((f) => ({ name: `${f}, then the lookup answers 500 once`, faults: [[f, 'refund'], ['http500', 'lookup']] as Array<[FaultKind, Call]> })),
    { name: 'a 503, then a lost answer on the retry', faults: [['http503', 'refund'], ['acceptedReset', 'refund']] },
    { name: 'a timeout before WhatsApp made it, a reset on the lookup, then a lost answer', faults: [['timeout', 'refund'], ['reset', 'lookup'], ['acceptedGarbage', 'refund']] },
  ];

  it.each(matrix)('$name: exactly one refund reaches WhatsApp, and the refund ends settled', async ({ faults }) => {
    const ref = await capturedOrder(s.t, s.sim, s.shop);
    for (const [kind, only] of faults) s.sim.failNext(1, kind, only);
    const res = await refundPayment(s.t, { referenceId: ref, amount: { value: 20000 } }, key());
    expect(res.userErrors).toEqual([]);
    // the first call failed one way or another: the caller learns it is requested, not refused
    expect(res.refund).toMatchObject({ status: 'REQUESTED', refundId: null, errorMessage: expect.any(String) });
    const order = await decided(ref);

    const made = s.sim.refunds(ref);
    expect(made).toHaveLength(1);
    expect(made[0]).toMatchObject({ amount: 20000, viaApi: true });
    const refund = order.payment.refunds[0];
    expect(order.payment.refunds).toHaveLength(1);
    expect(refund).toMatchObject({ refundId: made[0].id, requestedByGateway: true, amount: { value: 20000 } });
    expect(['PENDING', 'SUCCEEDED']).toContain(refund.status);
    await eventually(async () => expect((await readRefunds(s.t, ref, key())).payment.refunds[0].status).toBe('SUCCEEDED'));

    const calls = faults.filter(([, only]) => only === 'refund');
    const lostAt = calls.findIndex(([kind]) => LOST.includes(kind));
    // every failed call is followed by one more, until one reaches WhatsApp
    expect(refundCalls(s.sim, ref)).toHaveLength(lostAt >= 0 ? lostAt + 1 : calls.length + 1);
    const details = ofType(order.events, 'REFUND_STATUS_CHANGED').map((e) => e.detail ?? '');
    // the only call whose answer was lost: its refund can only have been found in the lookup (a
    // later call is normally answered, unless a loaded machine lets that answer time out too)
    const found = expect.stringMatching(/found in the payment lookup after an interrupted request \(not requested again\)$/);
    if (lostAt >= 0) expect(details).toContainEqual(found);
    else expect(details.filter((d) => /(accepted by WhatsApp|not requested again\))$/.test(d))).toHaveLength(1);
    // nothing WhatsApp reported meanwhile (webhooks, lookups while the call was out) was taken for a refund of someone else's
    expect((await rowsOf(ref)).filter((r) => !r.requestedByGateway)).toEqual([]);
    // one event per change, forward only: requested, then (maybe pending), then succeeded
    const trail = refundTrail(await readRefunds(s.t, ref, key())).map((t) => t.split(' ')[1]);
    expect([['->REQUESTED', 'REQUESTED>PENDING', 'PENDING>SUCCEEDED'], ['->REQUESTED', 'REQUESTED>SUCCEEDED']]).toContainEqual(trail);
  });

  it('while the lookup cannot answer, a lost answer is asked about again and again, and nothing is requested again', async () => {
    const ref = await capturedOrder(s.t, s.sim, s.shop);
    s.sim.failNext(1, 'acceptedGarbage', 'refund');
    s.sim.lookupDown(true);
    try {
      const lookupsBefore = lookupCalls(s.sim, ref).length;
      const res = await refundPayment(s.t, { referenceId: ref, amount: { value: 5000 } }, key());
      expect(res.refund).toMatchObject({ status: 'REQUESTED', errorMessage: expect.stringMatching(/answer not understood.*outcome is unknown/) });
      await eventually(async () => expect(lookupCalls(s.sim, ref).length - lookupsBefore).toBeGreaterThanOrEqual(3));
      expect(refundCalls(s.sim, ref)).toHaveLength(1);
      const [row] = await rowsOf(ref);
      expect((await s.t.gateway.db.manager.findOneByOrFail(OutboxEntity, { kind: 'REFUND', subjectId: row.id })).outcomeUnknown).toBe(true);
    } finally {
      s.sim.lookupDown(false);
    }
    const order = await decided(ref);
    expect(order.payment.refunds[0].refundId).toBe(s.sim.refunds(ref)[0].id);
    expect(refundCalls(s.sim, ref)).toHaveLength(1);
  });

  it('a refund of the same amount made at the payment gateway before ours was stored is never taken for ours', async () => {
    const ref = await capturedOrder(s.t, s.sim, s.shop);
    // made at the dashboard a minute ago; the gateway has not heard of it (its webhook was lost)
    const outside = await s.sim.refundAtGateway(ref, { amount: 7000, webhook: false, at: new Date(Date.now() - 60_000) });
    // our call never reaches WhatsApp, and its outcome is unknown
    s.sim.failNext(1, 'timeout', 'refund');
    const res = await refundPayment(s.t, { referenceId: ref, amount: { value: 7000 } }, key());
    expect(res.refund.status).toBe('REQUESTED');
    const order = await decided(ref);
    const made = s.sim.refunds(ref);
    expect(made.map((r) => `${r.viaApi} ${r.amount}`)).toEqual(['false 7000', 'true 7000']);
    const ours = order.payment.refunds.find((r: any) => r.requestedByGateway);
    expect(ours.refundId).toBe(made[1].id);
    expect(ours.refundId).not.toBe(outside.id);
    expect(refundCalls(s.sim, ref)).toHaveLength(2);
    // the one made outside is recorded as such
    await eventually(async () => {
      const o = await readRefunds(s.t, ref, key());
      expect(o.payment.refunds.map((r: any) => `${r.requestedByGateway} ${r.refundId === outside.id}`).sort()).toEqual(['false true', 'true false']);
    });
  });

  it('refunds of one payment go one at a time: a second waits while the first one\'s outcome is settled, and each is matched to its own', async () => {
    const ref = await capturedOrder(s.t, s.sim, s.shop);
    s.sim.failNext(1, 'acceptedTimeout', 'refund');
    const [first, second] = await Promise.all([
      refundPayment(s.t, { referenceId: ref, amount: { value: 3000 }, idempotencyKey: `seq-1-${ref}` }, key()),
      new Promise((r) => setTimeout(r, 100)).then(() => refundPayment(s.t, { referenceId: ref, amount: { value: 3000 }, idempotencyKey: `seq-2-${ref}` }, key())),
    ]);
    expect(first.refund.status).toBe('REQUESTED');
    // the second was stored, and waited for the first instead of going out beside it
    expect(second.refund).toMatchObject({ status: 'REQUESTED', errorMessage: null });
    const order = await decided(ref);
    const made = s.sim.refunds(ref);
    expect(made).toHaveLength(2);
    expect(order.payment.refunds.map((r: any) => r.refundId)).toEqual(made.map((r) => r.id));
    expect(refundCalls(s.sim, ref)).toHaveLength(2);
  });
});

describe('refunds: a holder that died mid-call', () => {
  let s: TestStack;
  beforeAll(async () => {
    s = await startTestStack();
    connectSimulator(s);
  });
  afterAll(() => s.stop());

  /** Puts a refund back as a dead holder would have left it: REQUESTED, its job's lease run out. */
  const abandon = (refund: RefundEntity) =>
    s.t.gateway.db.transaction(async (m) => {
      await m.update(RefundEntity, { id: refund.id }, { status: 'REQUESTED', refundId: null, speedProcessed: null });
      await m.delete(OutboxEntity, { subjectId: refund.id });
      const past = new Date(Date.now() - 1000);
      await m.insert(OutboxEntity, {
        kind: 'REFUND',
        subjectId: refund.id,
        businessId: refund.businessId,
        sequenceKey: refund.paymentId,
        attempts: 0,
        nextAttemptAt: past,
        lockedUntil: past,
        outcomeUnknown: false,
        lastError: null,
        giveUpAt: null,
        createdAt: refund.createdAt,
      });
    });

  it('WhatsApp made the refund before its holder died: the one who takes the job over finds it in the lookup and requests nothing', async () => {
    const ref = await capturedOrder(s.t, s.sim, s.shop);
    s.sim.autoSettleRefunds = false;
    try {
      await refundPayment(s.t, { referenceId: ref, amount: { value: 1500 } }, s.shop.keys.OPS);
      const [row] = await s.t.gateway.db.manager.findBy(RefundEntity, { referenceId: ref });
      await abandon(row);
      await eventually(async () => expect((await s.t.gateway.db.manager.findOneByOrFail(RefundEntity, { id: row.id })).status).toBe('PENDING'));
      const after = await s.t.gateway.db.manager.findOneByOrFail(RefundEntity, { id: row.id });
      expect(after.refundId).toBe(s.sim.refunds(ref)[0].id);
      expect(refundCalls(s.sim, ref)).toHaveLength(1);
      expect(s.sim.refunds(ref)).toHaveLength(1);
    } finally {
      s.sim.autoSettleRefunds = true;
    }
  });

  it('the holder died before WhatsApp made it: it is requested exactly once', async () => {
    const ref = await capturedOrder(s.t, s.sim, s.shop);
    await s.t.gateway.services.outbox.stop();
    try {
      s.sim.failNext(1, 'http503', 'refund');
      await refundPayment(s.t, { referenceId: ref, amount: { value: 1500 } }, s.shop.keys.OPS);
      const [row] = await s.t.gateway.db.manager.findBy(RefundEntity, { referenceId: ref });
      expect(row.status).toBe('REQUESTED');
      await abandon(row);
    } finally {
      s.t.gateway.services.outbox.start();
    }
    await eventually(async () => expect((await s.t.gateway.db.manager.findBy(RefundEntity, { referenceId: ref }))[0].status).not.toBe('REQUESTED'));
    expect(s.sim.refunds(ref)).toHaveLength(1);
    expect(refundCalls(s.sim, ref)).toHaveLength(2);
  });
});

describe('refunds: the attempt limit', () => {
  let s: TestStack;
  beforeAll(async () => {
    s = await startTestStack({ OUTBOX_MAX_ATTEMPTS: '3' });
    connectSimulator(s);
  });
  afterAll(() => s.stop());
  afterEach(() => s.sim.clearFaults());

  it('a refund WhatsApp keeps answering 503 is FAILED after the limit with the reason, refundable again, and nothing more is sent', async () => {
    const ref = await capturedOrder(s.t, s.sim, s.shop);
    s.sim.failRate(1, 'http503', 'refund');
    const res = await refundPayment(s.t, { referenceId: ref, amount: { value: 9000 } }, s.shop.keys.OPS);
    expect(res.refund.status).toBe('REQUESTED');
    const order = await eventually(async () => {
      const o = await readRefunds(s.t, ref, s.shop.keys.OPS);
      expect(o.payment.refunds[0].status).toBe('FAILED');
      return o;
    });
    // every 503 was settled through the lookup (a server error may follow a refund made) before the next call
    expect(order.payment.refunds[0].errorMessage).toMatch(/^gave up after 3 attempts/);
    expect(lookupCalls(s.sim, ref).length).toBeGreaterThanOrEqual(3);
    expect(order.payment.refundableAmount.value).toBe(52000);
    expect(ofType((await readRefunds(s.t, ref, s.shop.keys.OPS)).events, 'REFUND_STATUS_CHANGED').at(-1)!.detail).toMatch(/not requested: gave up after 3 attempts/);
    s.sim.clearFaults();
    await s.t.gateway.services.outbox.tick();
    expect(refundCalls(s.sim, ref)).toHaveLength(3);
    expect(s.sim.refunds(ref)).toHaveLength(0);
  });

  it('at the limit, an attempt whose outcome is unknown is settled first: a refund WhatsApp did make is PENDING, not FAILED', async () => {
    const ref = await capturedOrder(s.t, s.sim, s.shop);
    s.sim.failNext(2, 'http503', 'refund');
    s.sim.failNext(1, 'acceptedTimeout', 'refund');
    await refundPayment(s.t, { referenceId: ref, amount: { value: 9000 } }, s.shop.keys.OPS);
    const order = await eventually(async () => {
      const o = await readRefunds(s.t, ref, s.shop.keys.OPS);
      expect(['PENDING', 'SUCCEEDED']).toContain(o.payment.refunds[0].status);
      return o;
    });
    expect(order.payment.refunds[0].refundId).toBe(s.sim.refunds(ref)[0].id);
    expect(refundCalls(s.sim, ref)).toHaveLength(3);
    expect(s.sim.refunds(ref)).toHaveLength(1);
  });

  it('at the limit, an unknown outcome WhatsApp did not take gives up without another request', async () => {
    const ref = await capturedOrder(s.t, s.sim, s.shop);
    s.sim.failRate(1, 'timeout', 'refund');
    await refundPayment(s.t, { referenceId: ref, amount: { value: 9000 } }, s.shop.keys.OPS);
    const order = await eventually(async () => {
      const o = await readRefunds(s.t, ref, s.shop.keys.OPS);
      expect(o.payment.refunds[0].status).toBe('FAILED');
      return o;
    }, 20000);
    expect(order.payment.refunds[0].errorMessage).toMatch(/^gave up after 3 attempts/);
    expect(refundCalls(s.sim, ref)).toHaveLength(3);
    expect(lookupCalls(s.sim, ref).length).toBeGreaterThanOrEqual(3);
    expect(s.sim.refunds(ref)).toHaveLength(0);
  });
});
