// Payment webhooks are hints: the gateway applies what the payment lookup API says, records its
// transactions and marks the payment verified; disagreements are PAYMENT_DISCREPANCY events.
// Over real HTTP against the simulator: contradicting webhooks, amount and currency mismatches,
// captured-on-canceled, lookup outages, duplicates, reordering, bursts, and verifyPayment.
import { PaymentEntity } from '../../src/db/entities';
import type { PayResult } from '../../src/sandbox/simulator';
import type { WireLookupPayment } from '../../src/whatsapp/wire-types';
import { createBusiness, type TestBusiness } from '../helpers/fixtures';
import { dataOf } from '../helpers/gateway';
import { CANCEL, eventually, eventuallyWhileProgressing, startTestStack, type TestStack } from '../helpers/stack';
import {
  allProcessed,
  connectSimulator,
  inParallel,
  lookupsOf,
  ofType,
  paymentWebhook,
  postSigned,
  postWebhook,
  readOrder,
  sendOrder,
  shuffled,
  sign,
  storedWebhooks,
  trail,
} from '../helpers/webhooks';

const VERIFY = `mutation($ref: String!, $businessId: ID) { verifyPayment(referenceId: $ref, businessId: $businessId) {
  payment { referenceId status verified verifiedAt amount { value offset currency } transactions { id pgTransactionId status method } }
  userErrors { code message field whatsappCode } } }`;

describe('payment verification (real server, simulator over HTTP)', () => {
  let stack: TestStack;
  let shop: TestBusiness;
  let testStart: Date;

  beforeAll(async () => {
    stack = await startTestStack();
    shop = stack.shop;
    connectSimulator(stack);
    testStart = new Date();
  });
  afterAll(() => stack.stop());

  const read = (ref: string) => readOrder(stack.t, ref, shop.keys.OPS);
  const paymentRow = (ref: string) => stack.t.gateway.db.manager.findOneByOrFail(PaymentEntity, { referenceId: ref });

  /** Waits until nothing about this payment is left to verify, and returns the order. */
  async function settled(ref: string, expectStatus?: string): Promise<any> {
    return eventually(async () => {
      await allProcessed(stack.t);
      expect((await paymentRow(ref)).verifyAfter).toBeNull();
      const order = await read(ref);
      if (expectStatus) expect(order.payment.status).toBe(expectStatus);
      return order;
    });
  }

  /** The transaction the lookup reports, as the gateway must show it. */
  function expectedTransaction(t: NonNullable<WireLookupPayment['transactions']>[number]) {
    return {
      id: t.id,
      pgTransactionId: t.pg_transaction_id ?? null,
      gateway: 'RAZORPAY',
      status: t.status!.toUpperCase(),
      method: (typeof t.method === 'string' ? t.method : t.method?.type) ?? null,
      amount: t.amount ? { value: t.amount.value, offset: t.amount.offset, currency: t.currency ?? 'INR' } : null,
      errorCode: t.error?.code ?? null,
      errorReason: t.error?.reason ?? null,
      createdAt: new Date(Number(t.created_timestamp) * 1000).toISOString(),
      updatedAt: new Date(Number(t.updated_timestamp) * 1000).toISOString(),
    };
  }

  describe('what the lookup says is what counts', () => {
    it('captured: the lookup confirms, the payment is CAPTURED and verified with its transaction, one event', async () => {
      const order = await sendOrder(stack.t, shop);
      const paid = await stack.sim.pay(order.referenceId, 'captured');
      expect(paid.webhook).toMatchObject({ status: 200, delivered: true });
      const o = await eventually(async () => {
        const r = await read(order.referenceId);
        expect(r.payment).toMatchObject({ status: 'CAPTURED', verified: true });
        return r;
      });
      expect(new Date(o.payment.verifiedAt).getTime()).toBeGreaterThanOrEqual(testStart.getTime());
      expect(o.payment.amount).toEqual({ value: 52000, offset: 100, currency: 'INR' });
      expect(o.payment.transactions).toEqual([expectedTransaction(paid.payment.transactions![0])]);
      expect(o.payment.transactions[0]).toMatchObject({ status: 'SUCCESS', method: 'upi', pgTransactionId: expect.stringMatching(/^pay_/) });
      expect(trail(o.events, 'PAYMENT_STATUS_CHANGED')).toEqual(['LOOKUP NEW>CAPTURED']);
      expect(ofType(o.events, 'PAYMENT_DISCREPANCY')).toEqual([]);
      // the order_details wamid in the webhook is a payment, not a message status
      expect(o.message.status).toBe('ACCEPTED');
      const paths = new Set(lookupsOf(stack.sim, order.referenceId).map((r) => r.path));
      expect(paths).toEqual(new Set([`/${stack.sim.apiVersion}/${shop.phoneNumberId}/payments/${shop.paymentConfiguration}/${order.referenceId}`]));
    });

    it('pending, failed, then a retry captured: each real change is one event, both transactions recorded', async () => {
      const order = await sendOrder(stack.t, shop);
      const ref = order.referenceId;
      await stack.sim.pay(ref, 'pending');
      await settled(ref, 'PENDING');
      await stack.sim.pay(ref, 'failed', { errorCode: 'GATEWAY_ERROR', errorReason: 'Bank timeout' });
      const failed = await settled(ref, 'FAILED');
      expect(failed.payment.verified).toBe(true);
      expect(failed.payment.transactions).toEqual([expect.objectContaining({ status: 'FAILED', errorCode: 'GATEWAY_ERROR', errorReason: 'Bank timeout' })]);
      const paid = await stack.sim.pay(ref, 'captured', { method: 'card' });
      const o = await settled(ref, 'CAPTURED');
      expect(o.payment.verified).toBe(true);
      expect(o.payment.transactions).toEqual(paid.payment.transactions!.map(expectedTransaction));
      expect(o.payment.transactions.map((t: { status: string; method: string }) => `${t.status} ${t.method}`)).toEqual(['FAILED upi', 'SUCCESS card']);
      expect(trail(o.events, 'PAYMENT_STATUS_CHANGED')).toEqual(['LOOKUP NEW>PENDING', 'LOOKUP PENDING>FAILED', 'LOOKUP FAILED>CAPTURED']);
      expect(ofType(o.events, 'PAYMENT_DISCREPANCY')).toEqual([]);
    });

    it("a signed 'captured' webhook the lookup contradicts (it says new) changes nothing and is a PAYMENT_DISCREPANCY", async () => {
      const order = await sendOrder(stack.t, shop);
      const res = await postSigned(stack.t, paymentWebhook(shop.phoneNumberId, order.referenceId, 'captured', { amount: 52000 }));
      expect(res.status).toBe(200);
      const o = await eventually(async () => {
        const r = await read(order.referenceId);
        expect(ofType(r.events, 'PAYMENT_DISCREPANCY')).toHaveLength(1);
        return r;
      });
      expect(o.payment).toMatchObject({ status: 'NEW', verified: false, transactions: [] });
      expect(ofType(o.events, 'PAYMENT_DISCREPANCY')[0]).toMatchObject({ source: 'LOOKUP', detail: expect.stringMatching(/webhook said CAPTURED.*lookup says NEW/) });
      expect(ofType(o.events, 'PAYMENT_STATUS_CHANGED')).toEqual([]);
      expect(lookupsOf(stack.sim, order.referenceId).length).toBeGreaterThanOrEqual(1);

      // when the customer really pays, the lookup confirms it
      await stack.sim.pay(order.referenceId, 'captured');
      const paid = await settled(order.referenceId, 'CAPTURED');
      expect(paid.payment.verified).toBe(true);
      expect(trail(paid.events, 'PAYMENT_STATUS_CHANGED')).toEqual(['LOOKUP NEW>CAPTURED']);
      expect(ofType(paid.events, 'PAYMENT_DISCREPANCY')).toHaveLength(1);
    });

    it("a 'captured' webhook while the lookup says pending: PENDING (what the lookup says) and a PAYMENT_DISCREPANCY, never CAPTURED", async () => {
      const order = await sendOrder(stack.t, shop);
      await stack.sim.pay(order.referenceId, 'pending', { webhook: false });
      await postSigned(stack.t, paymentWebhook(shop.phoneNumberId, order.referenceId, 'captured'));
      const o = await eventually(async () => {
        const r = await read(order.referenceId);
        expect(r.payment.status).toBe('PENDING');
        expect(ofType(r.events, 'PAYMENT_DISCREPANCY')).toHaveLength(1);
        return r;
      });
      expect(ofType(o.events, 'PAYMENT_DISCREPANCY')[0].detail).toMatch(/webhook said CAPTURED.*lookup says PENDING/);
      expect(trail(o.events, 'PAYMENT_STATUS_CHANGED')).toEqual(['LOOKUP NEW>PENDING']);
      expect(o.payment.verified).toBe(false);
    });

    it('an unknown payment status in a webhook is still a hint: the lookup decides', async () => {
      const order = await sendOrder(stack.t, shop);
      await stack.sim.pay(order.referenceId, 'captured', { webhook: false });
      const body = paymentWebhook(shop.phoneNumberId, order.referenceId, 'captured');
      body.entry[0].changes[0].value.statuses[0].status = 'authorized';
      await postSigned(stack.t, body);
      const o = await settled(order.referenceId, 'CAPTURED');
      expect(o.payment.verified).toBe(true);
      expect(ofType(o.events, 'PAYMENT_DISCREPANCY')).toEqual([]);
    });
  });

  describe('what the order says must match what was paid', () => {
    it('an amount that differs from the order total is a PAYMENT_DISCREPANCY and never a clean (verified) CAPTURED', async () => {
      const order = await sendOrder(stack.t, shop);
      expect(order.total).toMatchObject({ value: 52000, offset: 100 });
      const paid = await stack.sim.pay(order.referenceId, 'captured', { amount: 51000 });
      expect(paid.payment.amount).toEqual({ value: 51000, offset: 100 });
      const o = await eventually(async () => {
        const r = await read(order.referenceId);
        expect(ofType(r.events, 'PAYMENT_DISCREPANCY')).toHaveLength(1);
        return r;
      });
      expect(o.payment.verified).toBe(false);
      expect(o.payment.amount).toEqual({ value: 51000, offset: 100, currency: 'INR' });
      expect(ofType(o.events, 'PAYMENT_DISCREPANCY')[0]).toMatchObject({
        source: 'LOOKUP',
        toStatus: 'CAPTURED',
        detail: expect.stringContaining('paid amount 510.00 differs from the order total 520.00'),
      });

      // WhatsApp delivering the same webhook again, and an explicit re-verification, add nothing
      await postWebhook(stack.t, paid.webhook!.rawBody, paid.webhook!.headers);
      const again = await settled(order.referenceId);
      const verified = dataOf(await stack.t.gql(VERIFY, { ref: order.referenceId }, shop.keys.OPS)).verifyPayment;
      expect(verified.userErrors).toEqual([]);
      expect(verified.payment.verified).toBe(false);
      const after = await read(order.referenceId);
      expect(after.payment.verified).toBe(false);
      expect(ofType(after.events, 'PAYMENT_STATUS_CHANGED')).toHaveLength(ofType(again.events, 'PAYMENT_STATUS_CHANGED').length);
      expect(ofType(after.events, 'PAYMENT_DISCREPANCY')).toHaveLength(1);
    });

    it('a currency that differs from the order currency is a PAYMENT_DISCREPANCY, not verified', async () => {
      const order = await sendOrder(stack.t, shop);
      await stack.sim.pay(order.referenceId, 'captured', { currency: 'USD' });
      const o = await eventually(async () => {
        const r = await read(order.referenceId);
        expect(ofType(r.events, 'PAYMENT_DISCREPANCY')).toHaveLength(1);
        return r;
      });
      expect(o.payment.verified).toBe(false);
      expect(ofType(o.events, 'PAYMENT_DISCREPANCY')[0].detail).toContain('paid currency USD differs from the order currency INR');
    });

    it('a payment captured on a canceled order is a PAYMENT_DISCREPANCY (it needs a refund); the order stays CANCELED', async () => {
      const order = await sendOrder(stack.t, shop);
      const canceled = dataOf(await stack.t.gql(CANCEL, { input: { referenceId: order.referenceId } }, shop.keys.OPS)).cancelOrder;
      expect(canceled.userErrors).toEqual([]);
      expect(canceled.order.status).toBe('CANCELED');
      await stack.sim.pay(order.referenceId, 'captured');
      // the payment and its events are read by two statements, which may fall either side of the
      // lookup's commit: wait until one read shows both
      const o = await eventually(async () => {
        const r = await read(order.referenceId);
        expect(ofType(r.events, 'PAYMENT_DISCREPANCY')).toHaveLength(1);
        expect(r.payment).toMatchObject({ status: 'CAPTURED', verified: false });
        return r;
      });
      expect(o.status).toBe('CANCELED');
      expect(ofType(o.events, 'PAYMENT_DISCREPANCY')[0]).toMatchObject({ toStatus: 'CAPTURED', detail: expect.stringContaining('captured on a canceled order') });
    });
  });

  describe('when the lookup cannot be reached', () => {
    it('nothing changes while it is down; verification is retried in the background until it answers', async () => {
      const order = await sendOrder(stack.t, shop);
      const ref = order.referenceId;
      stack.sim.lookupDown(true);
      try {
        await stack.sim.pay(ref, 'captured');
        // several failed attempts, each answered 503, while the payment stays as it was
        await eventually(async () => expect(lookupsOf(stack.sim, ref).filter((r) => r.status === 503).length).toBeGreaterThanOrEqual(3));
        const during = await read(ref);
        expect(during.payment).toMatchObject({ status: 'NEW', verified: false, transactions: [] });
        expect(ofType(during.events, 'PAYMENT_STATUS_CHANGED')).toEqual([]);
        expect(ofType(during.events, 'PAYMENT_DISCREPANCY')).toEqual([]);
        expect((await paymentRow(ref)).verifyAttempts).toBeGreaterThanOrEqual(1);
      } finally {
        stack.sim.lookupDown(false);
      }
      const o = await settled(ref, 'CAPTURED');
      expect(o.payment.verified).toBe(true);
      expect(trail(o.events, 'PAYMENT_STATUS_CHANGED')).toEqual(['LOOKUP NEW>CAPTURED']);
      expect((await paymentRow(ref)).verifyAttempts).toBe(0);
    });

    it.each(['http500', 'http429', 'timeout', 'reset'] as const)('a lookup failing with %s is retried until it succeeds', async (kind) => {
      const order = await sendOrder(stack.t, shop);
      stack.sim.failNext(2, kind, 'lookup');
      await stack.sim.pay(order.referenceId, 'captured');
      const o = await settled(order.referenceId, 'CAPTURED');
      expect(o.payment.verified).toBe(true);
      const faults = lookupsOf(stack.sim, order.referenceId).filter((r) => r.fault === kind);
      expect(faults).toHaveLength(2);
      expect(trail(o.events, 'PAYMENT_STATUS_CHANGED')).toEqual(['LOOKUP NEW>CAPTURED']);
    });
  });

  describe('duplicates, reordering, bursts', () => {
    it('a late pending webhook (a real one, replayed byte for byte) never moves a CAPTURED payment back', async () => {
      const order = await sendOrder(stack.t, shop);
      const pending = await stack.sim.pay(order.referenceId, 'pending');
      await settled(order.referenceId, 'PENDING');
      const captured = await stack.sim.pay(order.referenceId, 'captured');
      await settled(order.referenceId, 'CAPTURED');
      for (const d of [pending.webhook!, captured.webhook!, pending.webhook!]) {
        expect((await postWebhook(stack.t, d.rawBody, d.headers)).status).toBe(200);
      }
      const o = await settled(order.referenceId, 'CAPTURED');
      expect(o.payment.verified).toBe(true);
      expect(trail(o.events, 'PAYMENT_STATUS_CHANGED')).toEqual(['LOOKUP NEW>PENDING', 'LOOKUP PENDING>CAPTURED']);
      expect(ofType(o.events, 'PAYMENT_DISCREPANCY')).toEqual([]);
    });

    it('a burst of 50 webhooks for one order causes a handful of lookups, not 50, and one event', async () => {
      const order = await sendOrder(stack.t, shop);
      const ref = order.referenceId;
      const paid = await stack.sim.pay(ref, 'captured', { webhook: false });
      const bodies = Array.from({ length: 50 }, (_, i) =>
        JSON.stringify(paymentWebhook(shop.phoneNumberId, ref, i % 3 === 0 ? 'pending' : 'captured', { transactionId: paid.payment.transactions![0].id, timestamp: String(1746500000 + i) })),
      );
      const before = lookupsOf(stack.sim, ref).length;
      // The gateway looks a payment up once per "generation" of hints: hints arriving while a
      // lookup is in flight are answered by the next one. With the real API's latency (here a
      // modest 150 ms) a burst therefore costs a few lookups; an instant simulated lookup would
      // measure the database's speed instead.
      stack.sim.lookupDelayMs = 150;
      let o: any;
      try {
        await Promise.all(bodies.map(async (raw) => expect((await postWebhook(stack.t, raw, { 'x-hub-signature-256': sign(raw) })).status).toBe(200)));
        o = await settled(ref, 'CAPTURED');
      } finally {
        stack.sim.lookupDelayMs = 0;
      }
      const lookups = lookupsOf(stack.sim, ref).length - before;
      expect(lookups).toBeGreaterThanOrEqual(1);
      expect(lookups).toBeLessThanOrEqual(6);
      expect(o.payment.verified).toBe(true);
      expect(trail(o.events, 'PAYMENT_STATUS_CHANGED')).toEqual(['LOOKUP NEW>CAPTURED']);
      expect(ofType(o.events, 'PAYMENT_DISCREPANCY')).toEqual([]);
    });

    it('a shuffled stream of 500 webhooks with 30% duplicates ends in the lookup\'s truth, with one event per real change', async () => {
      // WhatsApp's side happens first: 50 customers pay, fail and retry; their webhooks are held back
      stack.sim.configureWebhooks(null);
      const scripts = [
        ['pending', 'failed', 'pending', 'captured'],
        ['pending', 'failed', 'pending', 'failed'],
        ['failed', 'pending', 'failed', 'pending'],
        ['captured'],
        ['pending', 'failed', 'failed', 'pending', 'failed', 'pending', 'captured'],
      ] as const;
      const orders: Array<{ ref: string; wamid: string; truth: WireLookupPayment; status: string }> = [];
      const firstDelivery = stack.sim.webhookDeliveries.length;
      try {
        for (let i = 0; i < 50; i++) {
          const order = await sendOrder(stack.t, shop);
          let last: PayResult | undefined;
          for (const outcome of scripts[i % scripts.length]) last = await stack.sim.pay(order.referenceId, outcome);
          for (const s of ['sent', 'delivered', 'read'] as const) await stack.sim.sendMessageStatus(order.message.wamid, s);
          // the wire says pending or captured; where the payment stands is the simulator's own
          orders.push({ ref: order.referenceId, wamid: order.message.wamid, truth: last!.payment, status: last!.status.toUpperCase() });
        }
      } finally {
        connectSimulator(stack);
      }
      const distinct = [...new Set(stack.sim.webhookDeliveries.slice(firstDelivery).map((d) => d.rawBody))];
      // 50 orders × (4 payment + 3 message status webhooks on average), each body different
      expect(distinct).toHaveLength(350);
      const duplicates = shuffled(distinct, 7).flatMap((raw) => [raw, raw]).slice(0, 500 - distinct.length);
      const stream = shuffled([...distinct, ...duplicates], 20260101);
      expect(stream).toHaveLength(500);
      expect(stream.length - new Set(stream).size).toBe(500 - distinct.length);

      const storedBefore = (await storedWebhooks(stack.t)).length;
      await inParallel(stream, 8, async (raw) => {
        const res = await postWebhook(stack.t, raw, { 'x-hub-signature-256': sign(raw) });
        if (res.status !== 200) throw new Error(`webhook answered ${res.status}`);
      });
      expect((await storedWebhooks(stack.t)).length - storedBefore).toBe(500);

      // done when every webhook is processed and no lookup is left; waits as long as that moves
      const remaining = async () => ({
        webhooks: (await storedWebhooks(stack.t)).filter((w) => w.state === 'RECEIVED').length,
        lookups: (await Promise.all(orders.map(({ ref }) => paymentRow(ref)))).filter((p) => p.verifyAfter !== null).length,
      });
      await eventuallyWhileProgressing(async () => expect(await remaining()).toEqual({ webhooks: 0, lookups: 0 }), remaining);

      const RANK = ['QUEUED', 'ACCEPTED', 'SENT', 'DELIVERED', 'READ'];
      for (const { ref, truth, status } of orders) {
        const o = await read(ref);
        expect(o.payment).toMatchObject({ status, verified: true, amount: { value: 52000, offset: 100, currency: 'INR' } });
        expect(o.payment.transactions).toEqual(truth.transactions!.map(expectedTransaction));
        // the lookup always said the final truth, so the only real change is NEW → truth
        expect(trail(o.events, 'PAYMENT_STATUS_CHANGED')).toEqual([`LOOKUP NEW>${status}`]);
        expect(ofType(o.events, 'PAYMENT_DISCREPANCY')).toEqual([]);
        // message statuses: strictly forward, each change once, ending READ whatever the order
        expect(o.message.status).toBe('READ');
        const changes = ofType(o.events, 'MESSAGE_STATUS_CHANGED').filter((e) => e.source === 'WEBHOOK');
        expect(changes.length).toBeGreaterThanOrEqual(1);
        expect(changes[0].fromStatus).toBe('ACCEPTED');
        expect(changes.at(-1)!.toStatus).toBe('READ');
        for (let i = 0; i < changes.length; i++) {
          expect(RANK.indexOf(changes[i].toStatus!)).toBeGreaterThan(RANK.indexOf(changes[i].fromStatus!));
          if (i > 0) expect(changes[i].fromStatus).toBe(changes[i - 1].toStatus);
        }
      }
      // the work is large and a loaded machine slow: this only guards against a hang; progress is
      // judged by eventuallyWhileProgressing
    }, 600_000);
  });

  describe('verifyPayment', () => {
    it('looks a payment up now: a lost webhook is caught up (OPS), with its transaction', async () => {
      const order = await sendOrder(stack.t, shop);
      const paid = await stack.sim.pay(order.referenceId, 'captured', { webhook: false });
      const before = await read(order.referenceId);
      expect(before.payment.status).toBe('NEW');
      const res = dataOf(await stack.t.gql(VERIFY, { ref: order.referenceId }, shop.keys.OPS)).verifyPayment;
      expect(res.userErrors).toEqual([]);
      expect(res.payment).toMatchObject({
        referenceId: order.referenceId,
        status: 'CAPTURED',
        verified: true,
        amount: { value: 52000, offset: 100, currency: 'INR' },
        transactions: [{ id: paid.payment.transactions![0].id, pgTransactionId: paid.payment.transactions![0].pg_transaction_id, status: 'SUCCESS', method: 'upi' }],
      });
      expect(res.payment.verifiedAt).not.toBeNull();
      const o = await read(order.referenceId);
      expect(trail(o.events, 'PAYMENT_STATUS_CHANGED')).toEqual(['LOOKUP NEW>CAPTURED']);
    });

    it('STOREFRONT and ADMIN may verify too; a NEW payment is confirmed as NEW', async () => {
      const order = await sendOrder(stack.t, shop);
      const byStorefront = dataOf(await stack.t.gql(VERIFY, { ref: order.referenceId }, shop.keys.STOREFRONT)).verifyPayment;
      expect(byStorefront.userErrors).toEqual([]);
      expect(byStorefront.payment).toMatchObject({ status: 'NEW', verified: true });
      expect(byStorefront.payment.verifiedAt).not.toBeNull();

      await stack.sim.pay(order.referenceId, 'pending', { webhook: false });
      const byAdmin = dataOf(await stack.t.gql(VERIFY, { ref: order.referenceId, businessId: shop.id })).verifyPayment;
      expect(byAdmin.userErrors).toEqual([]);
      expect(byAdmin.payment).toMatchObject({ status: 'PENDING', verified: true });
    });

    it('MOBILE may not; another business does not see the order; an unknown reference is ORDER_NOT_FOUND', async () => {
      const order = await sendOrder(stack.t, shop);
      const mobile = await stack.t.gql(VERIFY, { ref: order.referenceId }, shop.keys.MOBILE);
      expect(mobile.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

      const other = await createBusiness(stack.t, { name: 'Verify Other' });
      const foreign = dataOf(await stack.t.gql(VERIFY, { ref: order.referenceId }, other.keys.OPS)).verifyPayment;
      expect(foreign.payment).toBeNull();
      expect(foreign.userErrors).toEqual([expect.objectContaining({ code: 'ORDER_NOT_FOUND' })]);

      const unknown = dataOf(await stack.t.gql(VERIFY, { ref: 'NO-SUCH-ORDER' }, shop.keys.OPS)).verifyPayment;
      expect(unknown.userErrors).toEqual([expect.objectContaining({ code: 'ORDER_NOT_FOUND', field: ['referenceId'] })]);
      expect(lookupsOf(stack.sim, 'NO-SUCH-ORDER')).toHaveLength(0);
    });

    it('lookup unreachable: UPSTREAM_UNAVAILABLE and nothing changed', async () => {
      const order = await sendOrder(stack.t, shop);
      await stack.sim.pay(order.referenceId, 'captured', { webhook: false });
      stack.sim.lookupDown(true);
      try {
        const res = dataOf(await stack.t.gql(VERIFY, { ref: order.referenceId }, shop.keys.OPS)).verifyPayment;
        expect(res.userErrors).toEqual([expect.objectContaining({ code: 'UPSTREAM_UNAVAILABLE', field: ['referenceId'] })]);
        expect(res.payment).toMatchObject({ status: 'NEW', verified: false });
      } finally {
        stack.sim.lookupDown(false);
      }
      const o = await read(order.referenceId);
      expect(o.payment.status).toBe('NEW');
      expect(ofType(o.events, 'PAYMENT_STATUS_CHANGED')).toEqual([]);
    });
  });
});
