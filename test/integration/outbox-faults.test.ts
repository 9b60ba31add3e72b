// The outbox against a WhatsApp whose answers get lost: WhatsApp acts on the order_details, then
// its answer times out, the connection resets mid-answer, or a 200 comes back unreadable. However
// the faults follow one another, the customer gets exactly one payment request per order, and an
// outcome the gateway cannot know is settled through the payment lookup, never by sending again.
import { OutboundMessageEntity, OutboxEntity } from '../../src/db/entities';
import type { FaultKind } from '../../src/sandbox/simulator';
import { eventTrail, lookupCalls, messageCalls, readOrder, sendOrder, updateStatus } from '../helpers/orders';
import { eventually, orderInput, startTestStack, type TestStack } from '../helpers/stack';

const LOST: FaultKind[] = ['acceptedTimeout', 'acceptedReset', 'acceptedGarbage'];
const NOT_SENT: FaultKind[] = ['timeout', 'reset', 'http500', 'http503', 'http429'];

describe('outbox: answers lost after WhatsApp acted (the fault matrix)', () => {
  let s: TestStack;
  beforeAll(async () => {
    s = await startTestStack();
  });
  afterAll(() => s.stop());
  afterEach(() => {
    s.sim.clearFaults();
    s.sim.lookupDown(false);
  });

  const newRef = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
  const key = () => s.shop.keys.STOREFRONT;

  /**
   * The order once its order_details left the queue, read so that the message and its event agree
   * (two statements, which may fall either side of the outcome's commit).
   */
  const settled = (ref: string) =>
    eventually(async () => {
      const order = await readOrder(s.t, ref, key());
      expect(order.message.status).not.toBe('QUEUED');
      expect(order.events.map((e: { type: string }) => e.type)).toContain('MESSAGE_STATUS_CHANGED');
      return order;
    });

  // every sequence of faults on the messages and lookup calls the gateway meets for one order
  const matrix: Array<{ name: string; faults: Array<[FaultKind, 'messages' | 'lookup']> }> = [
    ...LOST.map((f) => ({ name: f, faults: [[f, 'messages']] as Array<[FaultKind, 'messages' | 'lookup']> })),
    ...LOST.flatMap((lost) => NOT_SENT.map((f) => ({ name: `${lost}, then the lookup meets ${f}`, faults: [[lost, 'messages'], [f, 'lookup']] as Array<[FaultKind, 'messages' | 'lookup']> }))),
    ...NOT_SENT.map((f) => ({ name: `${f} before WhatsApp read it`, faults: [[f, 'messages']] as Array<[FaultKind, 'messages' | 'lookup']> })),
    ...NOT_SENT.map((f) => ({ name: `${f}, then ${f} on the lookup, then a lost answer`, faults: [[f, 'messages'], [f, 'lookup'], ['acceptedReset', 'messages']] as Array<[FaultKind, 'messages' | 'lookup']> })),
    { name: 'three lost answers in a row', faults: [['acceptedGarbage', 'messages'], ['acceptedTimeout', 'lookup'], ['acceptedReset', 'lookup']] },
  ];

  it.each(matrix)('$name: WhatsApp gets the payment request exactly once and the message ends ACCEPTED', async ({ faults }) => {
    const ref = newRef('FM');
    for (const [kind, only] of faults) s.sim.failNext(1, kind, only);
    const res = await sendOrder(s.t, orderInput(s.shop, { referenceId: ref }), key());
    expect(res.userErrors).toEqual([]);
    const order = await settled(ref);
    expect(order.message.status).toBe('ACCEPTED');
    const accepted = s.sim.acceptedMessages(ref);
    expect(accepted).toHaveLength(1);
    const sends = faults.filter(([, only]) => only === 'messages');
    const lostAt = sends.findIndex(([kind]) => LOST.includes(kind));
    // every failed send is followed by one more, until one reaches WhatsApp
    expect(messageCalls(s.sim, ref)).toHaveLength(lostAt >= 0 ? lostAt + 1 : sends.length + 1);
    if (lostAt >= 0) {
      // WhatsApp's answer never arrived: the lookup proved the request went through, its wamid stays unknown
      expect(order.message.wamid).toBeNull();
      expect(order.events.map((e: { detail: string }) => e.detail)).toContain('ORDER_DETAILS: confirmed by the payment lookup after an interrupted send');
      expect(lookupCalls(s.sim, ref).length).toBeGreaterThanOrEqual(1);
    } else {
      expect(order.message.wamid).toBe(accepted[0].wamid);
    }
    expect(order.events.filter((e: { type: string }) => e.type === 'MESSAGE_STATUS_CHANGED')).toHaveLength(1);
  });

  it('a 2xx that cannot be read is not a failure: the job waits to be settled, and no second request is sent meanwhile', async () => {
    const ref = newRef('GB');
    s.sim.failNext(1, 'acceptedGarbage', 'messages');
    s.sim.lookupDown(true);
    const res = await sendOrder(s.t, orderInput(s.shop, { referenceId: ref }), key());
    expect(res.userErrors).toEqual([]);
    expect(res.order.message).toMatchObject({ status: 'QUEUED', attempts: 1 });
    expect(res.order.message.errorMessage).toMatch(/answer not understood.*outcome is unknown/);
    // while the lookup cannot answer, the relay keeps asking it and sends nothing
    await eventually(async () => expect(lookupCalls(s.sim, ref).length).toBeGreaterThanOrEqual(3));
    expect(messageCalls(s.sim, ref)).toHaveLength(1);
    const job = await s.t.gateway.db.manager.findOneByOrFail(OutboxEntity, { kind: 'WHATSAPP_MESSAGE', subjectId: (await messageOf(ref)).id });
    expect(job.outcomeUnknown).toBe(true);
    s.sim.lookupDown(false);
    const order = await settled(ref);
    expect(order.message).toMatchObject({ status: 'ACCEPTED', attempts: 1 });
    expect(messageCalls(s.sim, ref)).toHaveLength(1);
    expect(s.sim.acceptedMessages(ref)).toHaveLength(1);
  });

  it('an order_status whose answer was lost is sent again (WhatsApp takes the same status twice), and the order keeps its status', async () => {
    const ref = newRef('OS');
    expect((await sendOrder(s.t, orderInput(s.shop, { referenceId: ref }), key())).userErrors).toEqual([]);
    s.sim.failNext(1, 'acceptedReset', 'messages');
    const res = await updateStatus(s.t, { referenceId: ref, status: 'PROCESSING' }, s.shop.keys.OPS);
    expect(res.userErrors).toEqual([]);
    const order = await eventually(async () => {
      const o = await readOrder(s.t, ref, key());
      expect(o.messages[1]).toMatchObject({ kind: 'ORDER_STATUS', status: 'ACCEPTED', attempts: 2 });
      return o;
    });
    expect(order.status).toBe('PROCESSING');
    expect(s.sim.order(ref)?.status).toBe('processing');
  });

  async function messageOf(ref: string): Promise<OutboundMessageEntity> {
    const order = await readOrder(s.t, ref, key());
    const orderId = Buffer.from(order.id, 'base64url').toString('utf8').split(':')[1];
    return s.t.gateway.db.manager.findOneByOrFail(OutboundMessageEntity, { orderId, kind: 'ORDER_DETAILS' });
  }
});

describe('outbox: the attempt limit', () => {
  let s: TestStack;
  beforeAll(async () => {
    s = await startTestStack({ OUTBOX_MAX_ATTEMPTS: '3' });
  });
  afterAll(() => s.stop());
  afterEach(() => s.sim.clearFaults());

  const newRef = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 8)}`;

  it('an order_details WhatsApp keeps answering 503 is FAILED after the limit, with UPSTREAM_ERROR, and nothing more is sent', async () => {
    const ref = newRef('CAP');
    s.sim.failRate(1, 'http503', 'messages');
    const res = await sendOrder(s.t, orderInput(s.shop, { referenceId: ref }), s.shop.keys.STOREFRONT);
    expect(res.userErrors).toEqual([]);
    const order = await eventually(async () => {
      const o = await readOrder(s.t, ref, s.shop.keys.STOREFRONT);
      expect(o.message.status).toBe('FAILED');
      return o;
    });
    expect(order.message).toMatchObject({ attempts: 3, errorCode: 2 });
    expect(order.message.errorMessage).toMatch(/^gave up after 3 attempts; last error: .*HTTP 503/);
    expect(eventTrail(order)).toEqual(['ORDER_CREATED API ->PENDING', 'MESSAGE_STATUS_CHANGED SYSTEM QUEUED>FAILED', 'UPSTREAM_ERROR SYSTEM ->-']);
    expect(order.events[2].detail).toMatch(/WhatsApp did not accept the order_details message: gave up after 3 attempts/);
    expect(await s.t.gateway.db.manager.countBy(OutboxEntity, {})).toBe(0);
    // WhatsApp comes back: still nothing is sent for it
    s.sim.clearFaults();
    await s.t.gateway.services.outbox.tick();
    expect(messageCalls(s.sim, ref)).toHaveLength(3);
    expect(s.sim.acceptedMessages(ref)).toHaveLength(0);
  });

  it('at the limit, an attempt whose outcome is unknown is settled first: a request WhatsApp did take is ACCEPTED, not FAILED', async () => {
    const ref = newRef('CAPU');
    s.sim.failNext(2, 'http503', 'messages');
    s.sim.failNext(1, 'acceptedTimeout', 'messages');
    expect((await sendOrder(s.t, orderInput(s.shop, { referenceId: ref }), s.shop.keys.STOREFRONT)).userErrors).toEqual([]);
    const order = await eventually(async () => {
      const o = await readOrder(s.t, ref, s.shop.keys.STOREFRONT);
      expect(o.message.status).toBe('ACCEPTED');
      return o;
    });
    expect(order.message.attempts).toBe(3);
    expect(messageCalls(s.sim, ref)).toHaveLength(3);
    expect(s.sim.acceptedMessages(ref)).toHaveLength(1);
    expect(order.events.map((e: { type: string }) => e.type)).not.toContain('UPSTREAM_ERROR');
  });

  it('at the limit, an unknown outcome that WhatsApp did not take gives up without another request', async () => {
    const ref = newRef('CAPN');
    s.sim.failRate(1, 'timeout', 'messages');
    expect((await sendOrder(s.t, orderInput(s.shop, { referenceId: ref }), s.shop.keys.STOREFRONT)).userErrors).toEqual([]);
    const order = await eventually(async () => {
      const o = await readOrder(s.t, ref, s.shop.keys.STOREFRONT);
      expect(o.message.status).toBe('FAILED');
      return o;
    }, 20000);
    expect(order.message.attempts).toBe(3);
    expect(messageCalls(s.sim, ref)).toHaveLength(3);
    // every unknown outcome was settled through the lookup before anything more happened
    expect(lookupCalls(s.sim, ref).length).toBeGreaterThanOrEqual(3);
    expect(s.sim.acceptedMessages(ref)).toHaveLength(0);
  });
});

describe('outbox: the pair rate limit (131056)', () => {
  let s: TestStack;
  beforeAll(async () => {
    s = await startTestStack();
  });
  afterAll(() => s.stop());

  it('the next attempt waits at least 6 seconds after WhatsApp says 131056', async () => {
    const ref = `PRL-${Math.random().toString(36).slice(2, 8)}`;
    await s.t.gateway.services.outbox.stop();
    try {
      s.sim.failNext(1, 'whatsapp131056', 'messages');
      const before = Date.now();
      const res = await sendOrder(s.t, orderInput(s.shop, { referenceId: ref }), s.shop.keys.STOREFRONT);
      expect(res.order.message).toMatchObject({ status: 'QUEUED', errorCode: 131056 });
      const orderId = Buffer.from(res.order.id, 'base64url').toString('utf8').split(':')[1];
      const message = await s.t.gateway.db.manager.findOneByOrFail(OutboundMessageEntity, { orderId });
      const job = await s.t.gateway.db.manager.findOneByOrFail(OutboxEntity, { subjectId: message.id });
      expect(job.nextAttemptAt.getTime() - before).toBeGreaterThanOrEqual(6000);
    } finally {
      s.t.gateway.services.outbox.start();
    }
  });
});
