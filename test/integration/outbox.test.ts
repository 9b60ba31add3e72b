// The outbox relay end to end: temporary WhatsApp failures leave the message QUEUED (no userError)
// and the relay retries until WhatsApp accepts it exactly once, also across a gateway restart;
// permanent refusals are FAILED with UPSTREAM_REJECTED and never retried.
import { OutboundMessageEntity, OutboxEntity } from '../../src/db/entities';
import type { FaultKind } from '../../src/sandbox/simulator';
import { eventTrail, messageCalls, readOrder, sendOrder, updateStatus } from '../helpers/orders';
import { eventually, orderInput, startTestStack, type TestStack } from '../helpers/stack';

describe('outbox relay (real server, simulator over HTTP)', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(() => stack.stop());
  afterEach(() => stack.sim.clearFaults());

  const shop = () => stack.shop;
  const newRef = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 8)}`;

  /**
   * Waits until the order's order_details message is ACCEPTED, with its event, and returns the
   * order. (On sqlite a read can land while the relay's transaction is half done: the one shared
   * connection shows its uncommitted rows, so the status alone is not the end of that transaction.)
   */
  const accepted = (ref: string) =>
    eventually(async () => {
      const order = await readOrder(stack.t, ref, shop().keys.STOREFRONT);
      expect(order.message.status).toBe('ACCEPTED');
      expect(eventTrail(order)).toContain('MESSAGE_STATUS_CHANGED SYSTEM QUEUED>ACCEPTED');
      return order;
    });

  const temporaryFaults: Array<[string, FaultKind, number | null, RegExp]> = [
    ['HTTP 500', 'http500', 1, /HTTP 500, code 1/],
    ['HTTP 503', 'http503', 2, /HTTP 503, code 2/],
    ['HTTP 429 (130429)', 'http429', 130429, /HTTP 429, code 130429/],
    ['131056 pair rate limit (a 400 that is temporary)', 'whatsapp131056', 131056, /HTTP 400, code 131056/],
    ['a timeout', 'timeout', null, /did not answer within 500 ms/],
    ['a reset connection', 'reset', null, /unreachable/],
  ];

  it.each(temporaryFaults)('%s: the order comes back with its message QUEUED and no userError; the relay gets it accepted exactly once', async (_name, kind, errorCode, errorText) => {
    const ref = newRef('T');
    stack.sim.failNext(1, kind, 'messages');
    const res = await sendOrder(stack.t, orderInput(shop(), { referenceId: ref }), shop().keys.STOREFRONT);
    expect(res.userErrors).toEqual([]);
    expect(res.order.status).toBe('PENDING');
    expect(res.order.message).toMatchObject({ status: 'QUEUED', wamid: null, attempts: 1, errorCode });
    expect(res.order.message.errorMessage).toMatch(errorText);
    expect(eventTrail(res.order)).toEqual(['ORDER_CREATED API ->PENDING']);

    const order = await accepted(ref);
    const acceptedMessages = stack.sim.acceptedMessages(ref);
    expect(acceptedMessages).toHaveLength(1);
    expect(order.message).toMatchObject({ status: 'ACCEPTED', wamid: acceptedMessages[0].wamid, attempts: 2, errorCode: null, errorMessage: null });
    // the relay's attempt is recorded as the system's
    expect(eventTrail(order)).toEqual(['ORDER_CREATED API ->PENDING', 'MESSAGE_STATUS_CHANGED SYSTEM QUEUED>ACCEPTED']);
    // every attempt sent the same bytes
    const calls = messageCalls(stack.sim, ref);
    expect(calls).toHaveLength(2);
    expect(calls[0].fault).toBe(kind);
    expect(JSON.stringify(calls[1].body)).toBe(JSON.stringify(calls[0].body));
  });

  it('5xx several times, then success: attempts are counted and exactly one message is accepted', async () => {
    const ref = newRef('T5');
    stack.sim.failNext(3, 'http500', 'messages');
    const res = await sendOrder(stack.t, orderInput(shop(), { referenceId: ref }), shop().keys.STOREFRONT);
    expect(res.userErrors).toEqual([]);
    expect(res.order.message).toMatchObject({ status: 'QUEUED', attempts: 1 });
    const order = await accepted(ref);
    expect(order.message.attempts).toBe(4);
    expect(stack.sim.acceptedMessages(ref)).toHaveLength(1);
    expect(messageCalls(stack.sim, ref).map((c) => c.status)).toEqual([500, 500, 500, 200]);
  });

  it('waits with exponential backoff and jitter between attempts', async () => {
    const ref = newRef('TB');
    stack.sim.failRate(1, 'http503', 'messages');
    const res = await sendOrder(stack.t, orderInput(shop(), { referenceId: ref }), shop().keys.STOREFRONT);
    expect(res.order.message.status).toBe('QUEUED');
    // after each failure the next attempt is scheduled within the backoff window of that attempt
    const db = stack.t.gateway.db;
    const orderId = Buffer.from(res.order.id, 'base64url').toString('utf8').split(':')[1];
    const { message, job } = await eventually(async () => {
      const m = await db.manager.findOneByOrFail(OutboundMessageEntity, { orderId });
      expect(m.attempts).toBeGreaterThanOrEqual(3);
      expect(m.status).toBe('QUEUED');
      const j = await db.manager.findOneByOrFail(OutboxEntity, { kind: 'WHATSAPP_MESSAGE', subjectId: m.id });
      // the job and the message are written together: read both of the same attempt
      expect(j.attempts).toBe(m.attempts);
      return { message: m, job: j };
    });
    // the next attempt is planned once the failed call's answer is in: at least the base after the
    // call reached WhatsApp, and at most the cap after the attempt was recorded
    const calls = messageCalls(stack.sim, res.order.referenceId);
    const lastCall = calls[message.attempts - 1].at.getTime();
    const { retryBaseMs, retryMaxMs } = stack.t.gateway.config;
    expect(job.nextAttemptAt.getTime() - lastCall).toBeGreaterThanOrEqual(retryBaseMs);
    expect(job.nextAttemptAt.getTime() - message.updatedAt.getTime()).toBeLessThanOrEqual(retryMaxMs);

    // the schedule itself: at least the base, at most base × 2^(attempts-1) capped at the max, and spread out
    const outbox = stack.t.gateway.services.outbox;
    for (const attempts of [1, 2, 3, 4, 5, 10, 40]) {
      const ceiling = Math.min(retryMaxMs, retryBaseMs * 2 ** (attempts - 1));
      const samples = Array.from({ length: 200 }, () => outbox.backoff(attempts));
      for (const s of samples) {
        expect(s).toBeGreaterThanOrEqual(retryBaseMs);
        expect(s).toBeLessThanOrEqual(ceiling);
      }
      if (ceiling >= retryBaseMs * 4) expect(new Set(samples).size).toBeGreaterThan(10);
    }
    stack.sim.clearFaults();
    await accepted(ref);
    expect(stack.sim.acceptedMessages(ref)).toHaveLength(1);
  });

  it('a permanent refusal is FAILED with UPSTREAM_REJECTED and the WhatsApp code, and is never retried', async () => {
    const ref = newRef('P');
    stack.sim.rejectReference(ref, 131009);
    const res = await sendOrder(stack.t, orderInput(shop(), { referenceId: ref }), shop().keys.STOREFRONT);
    expect(res.userErrors).toEqual([{ code: 'UPSTREAM_REJECTED', whatsappCode: 131009, field: null, message: expect.stringMatching(/^WhatsApp refused the message \(code 131009\)/) }]);
    expect(res.order).toMatchObject({ referenceId: ref, status: 'PENDING' });
    expect(res.order.message).toMatchObject({ status: 'FAILED', wamid: null, attempts: 1, errorCode: 131009 });
    expect(res.order.message.errorMessage).toMatch(/HTTP 400, code 131009/);
    expect(eventTrail(res.order)).toEqual(['ORDER_CREATED API ->PENDING', 'MESSAGE_STATUS_CHANGED API QUEUED>FAILED']);

    // relay passes find nothing to send for it
    stack.sim.clearFaults();
    const outbox = stack.t.gateway.services.outbox;
    await outbox.tick();
    await outbox.tick();
    expect(messageCalls(stack.sim, ref)).toHaveLength(1);
    expect(stack.sim.acceptedMessages(ref)).toHaveLength(0);
    expect((await readOrder(stack.t, ref, shop().keys.STOREFRONT)).message).toMatchObject({ status: 'FAILED', attempts: 1 });
  });

  it('a permanent refusal with HTTP 403 is FAILED with its code too', async () => {
    const ref = newRef('P403');
    stack.sim.rejectReference(ref, 131031, 403);
    const res = await sendOrder(stack.t, orderInput(shop(), { referenceId: ref }), shop().keys.STOREFRONT);
    expect(res.userErrors).toEqual([expect.objectContaining({ code: 'UPSTREAM_REJECTED', whatsappCode: 131031 })]);
    expect(res.order.message).toMatchObject({ status: 'FAILED', errorCode: 131031 });
  });

  it('a refused order_status message puts the order back to its previous status', async () => {
    const ref = newRef('PS');
    expect((await sendOrder(stack.t, orderInput(shop(), { referenceId: ref }), shop().keys.STOREFRONT)).userErrors).toEqual([]);
    stack.sim.rejectReference(ref, 131009);
    const res = await updateStatus(stack.t, { referenceId: ref, status: 'SHIPPED' }, shop().keys.OPS);
    expect(res.userErrors).toEqual([expect.objectContaining({ code: 'UPSTREAM_REJECTED', whatsappCode: 131009 })]);
    expect(res.order.status).toBe('PENDING');
    expect(res.order.messages.map((m: any) => `${m.kind} ${m.status}`)).toEqual(['ORDER_DETAILS ACCEPTED', 'ORDER_STATUS FAILED']);
    expect(eventTrail(res.order)).toEqual([
      'ORDER_CREATED API ->PENDING',
      'MESSAGE_STATUS_CHANGED API QUEUED>ACCEPTED',
      'ORDER_STATUS_CHANGED API PENDING>SHIPPED',
      'MESSAGE_STATUS_CHANGED API QUEUED>FAILED',
      'UPSTREAM_ERROR API ->SHIPPED',
      'ORDER_STATUS_CHANGED SYSTEM SHIPPED>PENDING',
    ]);
    expect(res.order.allowedTransitions).toContain('SHIPPED');
  });

  it('a temporary failure followed by a permanent refusal on retry ends FAILED, and the status change is undone', async () => {
    const ref = newRef('TP');
    expect((await sendOrder(stack.t, orderInput(shop(), { referenceId: ref }), shop().keys.STOREFRONT)).userErrors).toEqual([]);
    stack.sim.failNext(1, 'http500', 'messages');
    stack.sim.rejectReference(ref, 131009);
    const res = await updateStatus(stack.t, { referenceId: ref, status: 'SHIPPED' }, shop().keys.OPS);
    // the request saw only the temporary failure
    expect(res.userErrors).toEqual([]);
    expect(res.order.status).toBe('SHIPPED');
    const order = await eventually(async () => {
      const o = await readOrder(stack.t, ref, shop().keys.STOREFRONT);
      expect(o.messages[1]).toMatchObject({ kind: 'ORDER_STATUS', status: 'FAILED', attempts: 2, errorCode: 131009 });
      expect(o.status).toBe('PENDING');
      expect(o.events).toHaveLength(6);
      return o;
    });
    expect(eventTrail(order).slice(2)).toEqual([
      'ORDER_STATUS_CHANGED API PENDING>SHIPPED',
      'MESSAGE_STATUS_CHANGED SYSTEM QUEUED>FAILED',
      'UPSTREAM_ERROR SYSTEM ->SHIPPED',
      'ORDER_STATUS_CHANGED SYSTEM SHIPPED>PENDING',
    ]);
    expect(messageCalls(stack.sim, ref).map((c) => c.status)).toEqual([200, 500, 400]);
    await stack.t.gateway.services.outbox.tick();
    expect(messageCalls(stack.sim, ref)).toHaveLength(3);
  });

  it('an order_status message that meets a temporary failure keeps the new status and is delivered by the relay', async () => {
    const ref = newRef('TS');
    expect((await sendOrder(stack.t, orderInput(shop(), { referenceId: ref }), shop().keys.STOREFRONT)).userErrors).toEqual([]);
    stack.sim.failNext(1, 'http503', 'messages');
    const res = await updateStatus(stack.t, { referenceId: ref, status: 'PROCESSING' }, shop().keys.OPS);
    expect(res.userErrors).toEqual([]);
    expect(res.order.status).toBe('PROCESSING');
    expect(res.order.messages[1]).toMatchObject({ kind: 'ORDER_STATUS', status: 'QUEUED', attempts: 1 });
    await eventually(async () => {
      const order = await readOrder(stack.t, ref, shop().keys.STOREFRONT);
      expect(order.messages[1]).toMatchObject({ kind: 'ORDER_STATUS', status: 'ACCEPTED', attempts: 2 });
    });
    expect(stack.sim.acceptedMessages(ref).map((m) => m.kind)).toEqual(['order_details', 'order_status']);
    expect(stack.sim.order(ref)?.status).toBe('processing');
  });

  it("a status change made while the order_details message is still queued is sent after it, never before", async () => {
    const ref = newRef('ORD');
    const outbox = stack.t.gateway.services.outbox;
    // the relay is paused so the order_details message stays queued while the business moves on
    await outbox.stop();
    try {
      stack.sim.failNext(1, 'http503', 'messages');
      const sent = await sendOrder(stack.t, orderInput(shop(), { referenceId: ref }), shop().keys.STOREFRONT);
      expect(sent.order.message.status).toBe('QUEUED');

      // WhatsApp is back, but it knows no order yet: an order_status now would be refused
      const res = await updateStatus(stack.t, { referenceId: ref, status: 'PROCESSING' }, shop().keys.OPS);
      expect(res.userErrors).toEqual([]);
      expect(res.order.status).toBe('PROCESSING');
      expect(res.order.messages.map((m: any) => `${m.kind} ${m.status}`)).toEqual(['ORDER_DETAILS QUEUED', 'ORDER_STATUS QUEUED']);
      expect(messageCalls(stack.sim, ref)).toHaveLength(1);
    } finally {
      outbox.start();
    }
    const order = await eventually(async () => {
      const o = await readOrder(stack.t, ref, shop().keys.STOREFRONT);
      expect(o.messages.map((m: any) => `${m.kind} ${m.status}`)).toEqual(['ORDER_DETAILS ACCEPTED', 'ORDER_STATUS ACCEPTED']);
      return o;
    });
    expect(stack.sim.acceptedMessages(ref).map((m) => m.kind)).toEqual(['order_details', 'order_status']);
    expect(messageCalls(stack.sim, ref).map((c) => c.status)).toEqual([503, 200, 200]);
    expect(order.status).toBe('PROCESSING');
    expect(stack.sim.order(ref)?.status).toBe('processing');
    expect(order.events.map((e: any) => e.type)).not.toContain('UPSTREAM_ERROR');
  });

  it('concurrent relay passes never send a message twice', async () => {
    const refs = [newRef('CC'), newRef('CC'), newRef('CC')];
    stack.sim.failRate(1, 'http503', 'messages');
    for (const ref of refs) {
      const res = await sendOrder(stack.t, orderInput(shop(), { referenceId: ref }), shop().keys.STOREFRONT);
      expect(res.order.message.status).toBe('QUEUED');
    }
    stack.sim.clearFaults();
    // the running relay and five more passes race for the same due messages
    const outbox = stack.t.gateway.services.outbox;
    await new Promise((r) => setTimeout(r, 30));
    await Promise.all(Array.from({ length: 5 }, () => outbox.tick()));
    for (const ref of refs) {
      await accepted(ref);
      expect(stack.sim.acceptedMessages(ref)).toHaveLength(1);
    }
  });

  it('a restart in the middle of retries resumes them; the message is accepted exactly once', async () => {
    const ref = newRef('R');
    stack.sim.failRate(1, 'http503', 'messages');
    const res = await sendOrder(stack.t, orderInput(shop(), { referenceId: ref }), shop().keys.STOREFRONT);
    expect(res.userErrors).toEqual([]);
    expect(res.order.message.status).toBe('QUEUED');
    // the relay keeps trying while WhatsApp is down
    await eventually(async () => expect(messageCalls(stack.sim, ref).length).toBeGreaterThanOrEqual(3));

    await stack.t.restart();
    const callsAtRestart = messageCalls(stack.sim, ref).length;

    // the new instance's relay picks the message up again, still failing
    await eventually(async () => expect(messageCalls(stack.sim, ref).length).toBeGreaterThan(callsAtRestart));
    expect(stack.sim.acceptedMessages(ref)).toHaveLength(0);

    stack.sim.clearFaults();
    const order = await accepted(ref);
    expect(stack.sim.acceptedMessages(ref)).toHaveLength(1);
    expect(order.message.wamid).toBe(stack.sim.acceptedMessages(ref)[0].wamid);
    // every attempt, before and after the restart, is counted
    expect(order.message.attempts).toBe(messageCalls(stack.sim, ref).length);
    expect(eventTrail(order)).toEqual(['ORDER_CREATED API ->PENDING', 'MESSAGE_STATUS_CHANGED SYSTEM QUEUED>ACCEPTED']);
  });
});
