// The payment model as Meta documents it today, end to end against the simulator's Meta wire:
// the lookup and the webhook say only `pending` or `captured`, and the transactions tell the
// rest. The four rows of the table (cancel included), a failed attempt then a captured retry
// (both attempts kept under one payment gateway order id), the older vocabulary still accepted,
// and the lookup's documented error body.
import { TransactionEntity } from '../../src/db/entities';
import type { TestBusiness } from '../helpers/fixtures';
import { dataOf } from '../helpers/gateway';
import { cancelOrder, lookupCalls } from '../helpers/orders';
import { eventually, startTestStack, type TestStack } from '../helpers/stack';
import { allProcessed, connectSimulator, ofType, paymentWebhook, postSigned, readOrder, sendOrder, trail } from '../helpers/webhooks';

const VERIFY = `mutation($ref: String!) { verifyPayment(referenceId: $ref) {
  payment { status verified transactions { id pgTransactionId status method errorCode errorReason amount { value } orderAmount { value offset currency } } }
  userErrors { code message whatsappCode } } }`;

describe('the payment model (Meta: pending/captured, the transactions tell the rest)', () => {
  let stack: TestStack;
  let shop: TestBusiness;

  beforeAll(async () => {
    stack = await startTestStack();
    shop = stack.shop;
    connectSimulator(stack);
  });
  afterAll(() => stack.stop());
  afterEach(() => {
    stack.sim.clearFaults();
    stack.sim.paymentWire = 'meta';
  });

  const read = (ref: string) => readOrder(stack.t, ref, shop.keys.OPS);
  const verify = async (ref: string) => dataOf(await stack.t.gql(VERIFY, { ref }, shop.keys.OPS)).verifyPayment;
  const lookupStatuses = (ref: string) => lookupCalls(stack.sim, ref).map((r) => r.status);

  describe('the four rows of the table', () => {
    it('pending, no transactions → NEW (nobody tried to pay): verified as NEW, and the order can be canceled', async () => {
      const order = await sendOrder(stack.t, shop);
      const ref = order.referenceId;
      expect(stack.sim.order(ref)?.paymentStatus).toBe('new');
      const v = await verify(ref);
      expect(v.userErrors).toEqual([]);
      expect(v.payment).toMatchObject({ status: 'NEW', verified: true, transactions: [] });
      // what WhatsApp answered was the Meta wire: "pending" without transactions
      expect(stack.sim.paymentWire).toBe('meta');

      const canceled = await cancelOrder(stack.t, { referenceId: ref }, shop.keys.STOREFRONT);
      expect(canceled.userErrors).toEqual([]);
      expect(canceled.order).toMatchObject({ status: 'CANCELED', payment: { status: 'NEW', verified: true } });
      expect(lookupStatuses(ref)).toEqual([200, 200]);
    });

    it('pending, one transaction pending → PENDING (an attempt in progress): cancel refused with 2047, saying what ends it', async () => {
      const order = await sendOrder(stack.t, shop);
      const ref = order.referenceId;
      const paid = await stack.sim.pay(ref, 'pending');
      expect(paid.payment.status).toBe('pending');
      const o = await eventually(async () => {
        const r = await read(ref);
        expect(r.payment).toMatchObject({ status: 'PENDING', verified: true });
        return r;
      });
      // an attempt in progress has no payment gateway payment id yet
      expect(o.payment.transactions).toEqual([expect.objectContaining({ id: paid.attempt.id, pgTransactionId: null, status: 'PENDING', method: null })]);

      const refused = await cancelOrder(stack.t, { referenceId: ref }, shop.keys.STOREFRONT);
      expect(refused.userErrors).toEqual([expect.objectContaining({ code: 'CANCEL_NOT_ALLOWED', whatsappCode: 2047 })]);
      const message = refused.userErrors[0].message;
      expect(message).toMatch(/^Could not change order status to 'canceled': the payment is PENDING: the customer is paying right now/);
      expect(message).toContain('try again once the attempt has failed');
      expect(message).not.toMatch(/canceled, then try again|wait until/i);
      expect(refused.order.status).toBe('PENDING');
    });

    it('pending, every transaction failed → FAILED (the customer may retry): the order can be canceled', async () => {
      const order = await sendOrder(stack.t, shop);
      const ref = order.referenceId;
      const failed = await stack.sim.pay(ref, 'failed', { errorCode: 'BAD_REQUEST_ERROR', errorReason: 'incorrect_pin' });
      // Meta sends no "failed" payment status: the webhook says pending, its transaction failed
      expect((failed.webhook!.body as any).entry[0].changes[0].value.statuses[0]).toMatchObject({
        status: 'pending',
        payment: { transaction: { status: 'failed' } },
      });
      const o = await eventually(async () => {
        const r = await read(ref);
        expect(r.payment).toMatchObject({ status: 'FAILED', verified: true });
        return r;
      });
      expect(o.payment.transactions).toEqual([
        expect.objectContaining({
          id: failed.attempt.id,
          pgTransactionId: failed.attempt.pgTransactionId,
          status: 'FAILED',
          method: 'upi',
          errorCode: 'BAD_REQUEST_ERROR',
          errorReason: 'incorrect_pin',
        }),
      ]);
      expect(ofType(o.events, 'PAYMENT_DISCREPANCY')).toEqual([]);

      const canceled = await cancelOrder(stack.t, { referenceId: ref }, shop.keys.OPS);
      expect(canceled.userErrors).toEqual([]);
      expect(canceled.order).toMatchObject({ status: 'CANCELED', payment: { status: 'FAILED' } });
    });

    it('captured → CAPTURED: cancel refused with 2047 at once (final), refund advised', async () => {
      const order = await sendOrder(stack.t, shop);
      const ref = order.referenceId;
      await stack.sim.pay(ref, 'captured');
      await eventually(async () => expect((await read(ref)).payment).toMatchObject({ status: 'CAPTURED', verified: true }));
      const lookups = lookupCalls(stack.sim, ref).length;
      const refused = await cancelOrder(stack.t, { referenceId: ref }, shop.keys.OPS);
      expect(refused.userErrors).toEqual([expect.objectContaining({ code: 'CANCEL_NOT_ALLOWED', whatsappCode: 2047 })]);
      expect(refused.userErrors[0].message).toMatch(/the payment is CAPTURED.*Refund it with refundPayment/);
      expect(lookupCalls(stack.sim, ref)).toHaveLength(lookups);
    });
  });

  it('a failed attempt, then a captured retry: both attempts kept under one PG order id, told apart by pg_transaction_id', async () => {
    const order = await sendOrder(stack.t, shop);
    const ref = order.referenceId;
    const failed = await stack.sim.pay(ref, 'failed', { errorReason: 'incorrect_pin' });
    await eventually(async () => expect((await read(ref)).payment.status).toBe('FAILED'));
    // the retry first shows up in progress, without a pg_transaction_id ...
    const retry = await stack.sim.pay(ref, 'pending');
    expect(retry.attempt).toEqual({ id: failed.attempt.id, pgTransactionId: null, status: 'pending' });
    const during = await eventually(async () => {
      const r = await read(ref);
      expect(r.payment.status).toBe('PENDING');
      return r;
    });
    expect(during.payment.transactions.map((t: any) => `${t.id} ${t.pgTransactionId} ${t.status}`)).toEqual([
      `${failed.attempt.id} ${failed.attempt.pgTransactionId} FAILED`,
      `${failed.attempt.id} null PENDING`,
    ]);
    // ... and is the same attempt once it has one
    const captured = await stack.sim.pay(ref, 'captured');
    expect(captured.attempt.id).toBe(failed.attempt.id);
    const o = await eventually(async () => {
      await allProcessed(stack.t);
      const r = await read(ref);
      expect(r.payment).toMatchObject({ status: 'CAPTURED', verified: true });
      return r;
    });
    expect(o.payment.transactions.map((t: any) => `${t.id} ${t.pgTransactionId} ${t.status} ${t.errorReason}`)).toEqual([
      `${failed.attempt.id} ${failed.attempt.pgTransactionId} FAILED incorrect_pin`,
      `${failed.attempt.id} ${captured.attempt.pgTransactionId} SUCCESS null`,
    ]);
    expect(trail(o.events, 'PAYMENT_STATUS_CHANGED')).toEqual(['LOOKUP NEW>FAILED', 'LOOKUP FAILED>PENDING', 'LOOKUP PENDING>CAPTURED']);
    expect(ofType(o.events, 'PAYMENT_DISCREPANCY')).toEqual([]);
    const stored = await stack.t.gateway.db.manager.find(TransactionEntity, { where: { transactionId: failed.attempt.id }, order: { position: 'ASC' } });
    expect(stored.map((t) => t.position)).toEqual([0, 1]);
    // the PG order amount of each attempt
    const v = await verify(ref);
    expect(v.payment.transactions.map((t: any) => t.orderAmount)).toEqual([
      { value: 52000, offset: 100, currency: 'INR' },
      { value: 52000, offset: 100, currency: 'INR' },
    ]);
    // looking again records nothing new
    expect((await read(ref)).payment.transactions).toHaveLength(2);
  });

  it('the older vocabulary (new / failed at payment level, a retry under a new order id) is still accepted', async () => {
    stack.sim.paymentWire = 'legacy';
    const order = await sendOrder(stack.t, shop);
    const ref = order.referenceId;
    expect((await verify(ref)).payment).toMatchObject({ status: 'NEW', verified: true });
    const failed = await stack.sim.pay(ref, 'failed');
    expect(failed.payment.status).toBe('failed');
    await eventually(async () => expect((await read(ref)).payment).toMatchObject({ status: 'FAILED', verified: true }));
    const captured = await stack.sim.pay(ref, 'captured');
    expect(captured.attempt.id).not.toBe(failed.attempt.id);
    const o = await eventually(async () => {
      const r = await read(ref);
      expect(r.payment).toMatchObject({ status: 'CAPTURED', verified: true });
      return r;
    });
    expect(o.payment.transactions.map((t: any) => t.status)).toEqual(['FAILED', 'SUCCESS']);
    expect(trail(o.events, 'PAYMENT_STATUS_CHANGED')).toEqual(['LOOKUP NEW>FAILED', 'LOOKUP FAILED>CAPTURED']);
  });

  it("the lookup's documented error body: a 5xx is temporary (UPSTREAM_UNAVAILABLE now, retried in the background)", async () => {
    const order = await sendOrder(stack.t, shop);
    const ref = order.referenceId;
    await stack.sim.pay(ref, 'captured', { webhook: false });
    stack.sim.failNext(1, 'http500', 'lookup');
    const v = await verify(ref);
    expect(v.userErrors).toEqual([expect.objectContaining({ code: 'UPSTREAM_UNAVAILABLE' })]);
    expect(v.userErrors[0].message).toContain('Generic error');
    expect(v.payment).toMatchObject({ status: 'NEW' });

    // a webhook hint meets the same error body twice, and the verifier retries until it answers
    stack.sim.failNext(2, 'http500', 'lookup');
    stack.sim.failNext(1, 'http503', 'lookup');
    const res = await postSigned(stack.t, paymentWebhook(shop.phoneNumberId, ref, 'captured'));
    expect(res.status).toBe(200);
    await eventually(async () => expect((await read(ref)).payment).toMatchObject({ status: 'CAPTURED', verified: true }));
    expect(lookupCalls(stack.sim, ref).filter((r) => r.fault).map((r) => r.status)).toEqual([500, 500, 500, 503]);
  });
});
