// Values from WhatsApp that no column can hold, over real HTTP on the suite's database (sqlite, and
// PostgreSQL with test:postgres, whose 32-bit integers and NUL-free texts are the strict case): an
// error code of 99999999999, an amount of 1e12, a timestamp of 1e20, an offset of 1e15, a NUL in an
// id. Each is left out where it is parsed and reported (a FAILED webhook with the reason, or a
// PAYMENT_DISCREPANCY); nothing breaks a later read, nothing is retried for ever.
import { ReceivedWebhookEntity } from '../../src/db/entities';
import type { TestBusiness } from '../helpers/fixtures';
import { dataOf } from '../helpers/gateway';
import { eventually, startTestStack, type TestStack } from '../helpers/stack';
import {
  connectSimulator,
  messageStatusWebhook,
  ofType,
  paymentWebhook,
  postSigned,
  readOrder,
  sendOrder,
  storedWebhook,
  valueOf,
} from '../helpers/webhooks';

const VERIFY = `mutation($ref: String!) { verifyPayment(referenceId: $ref) {
  payment { status verified amount { value offset } transactions { id status amount { value offset } orderAmount { value } createdAt } }
  userErrors { code message } } }`;

describe('values from WhatsApp out of range (real server, simulator over HTTP)', () => {
  let stack: TestStack;
  let shop: TestBusiness;

  beforeAll(async () => {
    stack = await startTestStack();
    shop = stack.shop;
    connectSimulator(stack);
  });
  afterAll(() => stack.stop());
  afterEach(() => stack.sim.clearFaults());

  /** POSTs a signed body and waits until it is processed; returns its stored row. */
  async function deliver(body: unknown): Promise<ReceivedWebhookEntity> {
    const res = await postSigned(stack.t, body);
    expect(res.status).toBe(200);
    return eventually(async () => {
      const row = await storedWebhook(stack.t, res.body.received);
      expect(row.state).not.toBe('RECEIVED');
      return row;
    });
  }

  describe('in webhooks: a FAILED webhook with the reason, the rest applied, no retry', () => {
    it('a failed status with error code 99999999999: the message is FAILED without the code, and stays readable', async () => {
      const order = await sendOrder(stack.t, shop);
      const errors = [{ code: 99999999999, title: 'Message undeliverable', message: 'Message undeliverable', error_data: { details: 'Recipient is not a valid WhatsApp user' } }];
      const row = await deliver(messageStatusWebhook(shop.phoneNumberId, order.message.wamid, 'failed', errors));
      expect(row.state).toBe('FAILED');
      expect(row.attempts).toBe(1);
      expect(row.error).toContain('statuses[0].errors[0].code is "99999999999", out of range (0 to 2147483647)');
      const o = await readOrder(stack.t, order.referenceId, shop.keys.OPS);
      expect(o.message).toMatchObject({ status: 'FAILED', errorCode: null, errorMessage: 'Recipient is not a valid WhatsApp user' });
      expect(ofType(o.events, 'MESSAGE_STATUS_CHANGED').filter((e) => e.source === 'WEBHOOK')).toHaveLength(1);
      // a list read of every order (the read that failed before) still works
      expect(dataOf(await stack.t.gql(`{ orders(first: 100) { edges { node { message { errorCode } } } } }`, {}, shop.keys.OPS)).orders.edges.length).toBeGreaterThan(0);
      // nothing is tried again: the row is decided
      await new Promise((r) => setTimeout(r, 100));
      expect((await storedWebhook(stack.t, row.id)).attempts).toBe(1);
    });

    it('a payment webhook with an amount of 1e12, a timestamp of 1e20 and an offset of 1e15 is still a hint; its values go nowhere', async () => {
      const order = await sendOrder(stack.t, shop);
      await stack.sim.pay(order.referenceId, 'captured', { webhook: false });
      const body = paymentWebhook(shop.phoneNumberId, order.referenceId, 'captured');
      const s = valueOf(body).statuses[0];
      s.timestamp = 1e20;
      s.payment.amount = { value: 1e12, offset: 100 };
      s.payment.transaction.amount = { value: 52000, offset: 1e15 };
      s.payment.transaction.updated_timestamp = 1e20;
      const row = await deliver(body);
      expect(row.state).toBe('FAILED');
      expect(row.error).toMatch(/^values out of range were left out, the rest was applied: /);
      expect(row.error).toContain('statuses[0].timestamp is "100000000000000000000"');
      expect(row.error).toContain('statuses[0].payment.amount.value is "1000000000000"');
      expect(row.error).toContain('statuses[0].payment.transaction.amount.offset is "1000000000000000"');
      const o = await eventually(async () => {
        const r = await readOrder(stack.t, order.referenceId, shop.keys.OPS);
        expect(r.payment).toMatchObject({ status: 'CAPTURED', verified: true, amount: { value: 52000, offset: 100 } });
        return r;
      });
      expect(ofType(o.events, 'PAYMENT_DISCREPANCY')).toEqual([]);
    });

    it('a NUL in the phone number id, or a wamid longer than its column: not matched, reported, not retried', async () => {
      const order = await sendOrder(stack.t, shop);
      const nul = messageStatusWebhook(`${shop.phoneNumberId}\u0000`, order.message.wamid, 'read');
      const row = await deliver(nul);
      expect(row).toMatchObject({ state: 'FAILED', attempts: 1 });
      expect(row.error).toContain('metadata.phone_number_id contains control characters');
      const long = await deliver(messageStatusWebhook(shop.phoneNumberId, `wamid.${'x'.repeat(300)}`, 'read'));
      expect(long).toMatchObject({ state: 'FAILED', attempts: 1 });
      expect(long.error).toContain('statuses[0].id is 306 characters long (at most 255 allowed)');
      expect((await readOrder(stack.t, order.referenceId, shop.keys.OPS)).message.status).toBe('ACCEPTED');
    });

    it('error texts with NUL bytes are stored without them', async () => {
      const order = await sendOrder(stack.t, shop);
      const errors = [{ code: 131026, title: 'Message\u0000 undeliverable', error_data: { details: 'Recipient\u0000 unknown' } }];
      const row = await deliver(messageStatusWebhook(shop.phoneNumberId, order.message.wamid, 'failed', errors));
      expect(row).toMatchObject({ state: 'PROCESSED', error: null });
      expect((await readOrder(stack.t, order.referenceId, shop.keys.OPS)).message).toMatchObject({ status: 'FAILED', errorCode: 131026, errorMessage: '131026 Recipient unknown' });
    });
  });

  describe('in lookup answers: a PAYMENT_DISCREPANCY with the reason, the rest applied', () => {
    it('an amount of 1e12, a timestamp of 1e20 and an offset of 1e15: recorded as discrepancies, never stored, the payment stays readable', async () => {
      const order = await sendOrder(stack.t, shop);
      const paid = await stack.sim.pay(order.referenceId, 'captured', { webhook: false });
      const answer = JSON.parse(JSON.stringify({ payments: [paid.payment] }));
      const p = answer.payments[0];
      p.amount = { offset: 100, value: 1e12 };
      p.transactions[0].created_timestamp = 1e20;
      p.transactions[0].order_amount = { offset: 1e15, value: 52000 };
      stack.sim.answerLookup(order.referenceId, { body: answer });

      const v = dataOf(await stack.t.gql(VERIFY, { ref: order.referenceId }, shop.keys.OPS)).verifyPayment;
      expect(v.userErrors).toEqual([]);
      expect(v.payment).toMatchObject({ status: 'CAPTURED', verified: false, amount: null });
      expect(v.payment.transactions).toEqual([
        { id: paid.attempt.id, status: 'SUCCESS', amount: { value: 52000, offset: 100 }, orderAmount: null, createdAt: null },
      ]);
      const o = await readOrder(stack.t, order.referenceId, shop.keys.OPS);
      expect(ofType(o.events, 'PAYMENT_DISCREPANCY').map((e) => e.detail)).toEqual([
        `the payment lookup's payment.transactions[0].order_amount.offset is "1000000000000000", out of range (1 to 1000000000); it was not stored`,
        `the payment lookup's payment.transactions[0].created_timestamp is "100000000000000000000", out of range (0 to 253402300799); it was not stored`,
        `the payment lookup's payment.amount.value is "1000000000000", out of range (0 to 2147483647); it was not stored`,
      ]);
      // asking again records nothing twice; once WhatsApp answers sanely the payment is verified
      await stack.t.gql(VERIFY, { ref: order.referenceId }, shop.keys.OPS);
      expect(ofType((await readOrder(stack.t, order.referenceId, shop.keys.OPS)).events, 'PAYMENT_DISCREPANCY')).toHaveLength(3);
      stack.sim.answerLookup(order.referenceId, null);
      const sane = dataOf(await stack.t.gql(VERIFY, { ref: order.referenceId }, shop.keys.OPS)).verifyPayment;
      expect(sane.payment).toMatchObject({ status: 'CAPTURED', verified: true, amount: { value: 52000, offset: 100 } });
      expect(sane.payment.transactions[0].createdAt).not.toBeNull();
    });

    it('a transaction id longer than its column is not stored; the rest of the answer is', async () => {
      const order = await sendOrder(stack.t, shop);
      const failed = await stack.sim.pay(order.referenceId, 'failed', { webhook: false });
      const answer = { payments: [JSON.parse(JSON.stringify(failed.payment))] };
      answer.payments[0].transactions.push({ id: 'o'.repeat(200), status: 'pending', type: 'razorpay' });
      stack.sim.answerLookup(order.referenceId, { body: answer });
      const v = dataOf(await stack.t.gql(VERIFY, { ref: order.referenceId }, shop.keys.OPS)).verifyPayment;
      // the attempt it could not keep still counts: money may be moving, so not FAILED but PENDING
      expect(v.payment).toMatchObject({ status: 'PENDING', verified: false });
      expect(v.payment.transactions.map((t: { status: string }) => t.status)).toEqual(['FAILED']);
      const o = await readOrder(stack.t, order.referenceId, shop.keys.OPS);
      expect(ofType(o.events, 'PAYMENT_DISCREPANCY').map((e) => e.detail)).toEqual([
        `the payment lookup's payment.transactions[1].id is 200 characters long (at most 128 allowed); it was not stored`,
      ]);
    });

    it("the lookup's error body with a NUL in its texts: UPSTREAM_UNAVAILABLE, nothing stored that PostgreSQL would refuse", async () => {
      const order = await sendOrder(stack.t, shop);
      stack.sim.answerLookup(order.referenceId, { status: 503, body: { errors: [{ code: 503, title: 'Down\u0000', details: 'try\u0000 later' }] } });
      const v = dataOf(await stack.t.gql(VERIFY, { ref: order.referenceId }, shop.keys.OPS)).verifyPayment;
      expect(v.userErrors).toEqual([expect.objectContaining({ code: 'UPSTREAM_UNAVAILABLE' })]);
      expect(v.userErrors[0].message).toContain('try later');
      expect(v.userErrors[0].message).not.toContain('\u0000');
    });
  });
});
