// Refunds through WhatsApp's payments_refund API, over real HTTP against the simulator: whole and
// partial refunds, every refusal (nothing stored, nothing sent), the limit under concurrent
// requests, WhatsApp's answers (pending, completed, failed, refused), settlement by the payment
// lookup after a webhook hint, a refund made at the payment gateway, events, the subscription,
// reconciliation and its CSV, and a capture on a canceled order refunded.
import { OrderEventEntity, PaymentEntity, RefundEntity } from '../../src/db/entities';
import { createBusiness, type TestBusiness } from '../helpers/fixtures';
import { dataOf } from '../helpers/gateway';
import { cancelOrder, lookupCalls, readOrder, sendOrder } from '../helpers/orders';
import {
  capturedOrder,
  readRefunds,
  REFUND_FIELDS,
  refundCalls,
  refundPayment,
  refundTrail,
} from '../helpers/refunds';
import { eventually, orderInput, startTestStack, type TestStack } from '../helpers/stack';
import { allProcessed, connectSimulator, ofType, postSigned } from '../helpers/webhooks';
import { subscribeWs } from '../helpers/ws';

describe('refunds (real server, simulator over HTTP)', () => {
  let s: TestStack;
  let shop: TestBusiness;
  beforeAll(async () => {
    s = await startTestStack();
    shop = s.shop;
    connectSimulator(s);
  });
  afterAll(() => s.stop());
  afterEach(async () => {
    s.sim.clearFaults();
    s.sim.autoSettleRefunds = true;
    await s.sim.settle();
  });

  const keys = () => shop.keys;
  const captured = (ref?: string, business = shop) => capturedOrder(s.t, s.sim, business, ref);
  const refunds = (ref: string, key = keys().OPS) => readRefunds(s.t, ref, key);
  const storedRefunds = async (ref: string) => s.t.gateway.db.manager.findBy(RefundEntity, { referenceId: ref });
  const refundEvents = async (ref: string) => s.t.gateway.db.manager.countBy(OrderEventEntity, { referenceId: ref, type: 'REFUND_STATUS_CHANGED' });
  /** Waits for `count` refunds SUCCEEDED, then reads the order again (its history is read before its refunds). */
  const succeeded = async (ref: string, count = 1) => {
    await eventually(async () => {
      const o = await refunds(ref);
      expect(o.payment.refunds.filter((r: any) => r.status === 'SUCCEEDED')).toHaveLength(count);
    });
    return refunds(ref);
  };

  describe('refundPayment', () => {
    it('refunds the whole payment by default: stored, requested as documented, PENDING with WhatsApp\'s id, then SUCCEEDED through the lookup', async () => {
      const ref = await captured();
      const res = await refundPayment(s.t, { referenceId: ref }, keys().STOREFRONT);
      expect(res.userErrors).toEqual([]);
      const [wireRefund] = s.sim.refunds(ref);
      expect(res.refund).toMatchObject({
        referenceId: ref,
        refundId: wireRefund.id,
        amount: { value: 52000, offset: 100, currency: 'INR', formatted: '520.00' },
        status: 'PENDING',
        speedRequested: 'NORMAL',
        speedProcessed: 'NORMAL',
        requestedByGateway: true,
      });
      expect(res.payment).toMatchObject({ status: 'CAPTURED', refundableAmount: { value: 0 }, refundedAmount: { value: 0 } });
      // one call, the documented body: value and offset as strings, the configuration's name
      expect(refundCalls(s.sim, ref).map((r) => r.body)).toEqual([
        { reference_id: ref, speed: 'normal', payment_config_id: shop.paymentConfiguration, amount: { currency: 'INR', value: '52000', offset: '100' } },
      ]);

      const order = await succeeded(ref);
      expect(order.payment).toMatchObject({ refundedAmount: { value: 52000, formatted: '520.00' }, refundableAmount: { value: 0 } });
      expect(refundTrail(order)).toEqual(['API ->REQUESTED', 'API REQUESTED>PENDING', 'LOOKUP PENDING>SUCCEEDED']);
      const last = ofType(order.events, 'REFUND_STATUS_CHANGED').at(-1)!;
      expect(last.detail).toMatch(new RegExp(`^refund [0-9a-f-]{36} of INR 520\\.00, WhatsApp refund ${wireRefund.id}: confirmed by the payment lookup; the payment is now fully refunded \\(INR 520\\.00\\)$`));

      // nothing is left: a further refund is refused, and nothing is sent
      const again = await refundPayment(s.t, { referenceId: ref }, keys().OPS);
      expect(again).toMatchObject({ refund: null, userErrors: [{ code: 'REFUND_NOT_ALLOWED', field: ['input', 'referenceId'] }] });
      expect(again.userErrors[0].message).toMatch(/Nothing is left to refund/);
      expect(refundCalls(s.sim, ref)).toHaveLength(1);
    });

    it('partial refunds follow one another, each its own refund; speed and reason are kept (the reason is never sent)', async () => {
      const ref = await captured();
      const first = await refundPayment(s.t, { referenceId: ref, amount: { value: 20000, offset: 100 }, reason: 'one shirt returned' }, keys().STOREFRONT);
      expect(first.refund).toMatchObject({ status: 'PENDING', amount: { value: 20000 }, reason: 'one shirt returned' });
      expect(first.payment.refundableAmount.value).toBe(32000);
      const second = await refundPayment(s.t, { referenceId: ref, amount: { value: 12000 }, speed: 'INSTANT' }, keys().OPS);
      expect(second.refund).toMatchObject({ status: 'PENDING', amount: { value: 12000 }, speedRequested: 'INSTANT', speedProcessed: 'INSTANT' });
      expect(second.payment.refundableAmount.value).toBe(20000);
      const rest = await refundPayment(s.t, { referenceId: ref }, s.t.adminKey);
      expect(rest.refund.amount.value).toBe(20000);
      expect(refundCalls(s.sim, ref).map((r: any) => [r.body.amount.value, r.body.speed])).toEqual([
        ['20000', 'normal'],
        ['12000', 'instant'],
        ['20000', 'normal'],
      ]);
      expect(JSON.stringify(refundCalls(s.sim, ref).map((r) => r.body))).not.toContain('shirt');
      const order = await succeeded(ref, 3);
      expect(order.payment.refunds.map((r: any) => r.amount.value)).toEqual([20000, 12000, 20000]);
      expect(order.payment.refundedAmount.value).toBe(52000);
      expect(s.sim.refunds(ref).map((r) => r.amount)).toEqual([20000, 12000, 20000]);
    });

    it('every refusal names its field: nothing is stored, nothing sent, no event', async () => {
      const ref = await captured();
      const unpaid = (await sendOrder(s.t, orderInput(shop), keys().STOREFRONT)).order.referenceId;
      const other = await createBusiness(s.t, { name: 'Refund Other Shop' });
      const foreign = await captured(undefined, other);
      const cases: Array<[Record<string, unknown>, string, string[], RegExp]> = [
        [{ referenceId: unpaid }, 'REFUND_NOT_ALLOWED', ['input', 'referenceId'], /Only a CAPTURED payment can be refunded; this one is NEW/],
        [{ referenceId: ref, amount: { value: 0 } }, 'REFUND_NOT_ALLOWED', ['input', 'amount', 'value'], /more than zero/],
        [{ referenceId: ref, amount: { value: -100 } }, 'REFUND_NOT_ALLOWED', ['input', 'amount', 'value'], /more than zero/],
        [{ referenceId: ref, amount: { value: 2000, offset: 1000 } }, 'REFUND_NOT_ALLOWED', ['input', 'amount', 'offset'], /INR in paise/],
        [{ referenceId: ref, amount: { value: 52001 } }, 'REFUND_NOT_ALLOWED', ['input', 'amount', 'value'], /INR 520\.01 is more than the INR 520\.00 left to refund/],
        [{ referenceId: 'NO-SUCH-ORDER' }, 'ORDER_NOT_FOUND', ['input', 'referenceId'], /No order with referenceId NO-SUCH-ORDER/],
        [{ referenceId: foreign }, 'ORDER_NOT_FOUND', ['input', 'referenceId'], /No order/],
        [{ referenceId: ref, reason: 'x'.repeat(256) }, 'INVALID_INPUT', ['input', 'reason'], /at most 255 characters/],
        [{ referenceId: ref, reason: 'bad\u0000text' }, 'INVALID_INPUT', ['input', 'reason'], /control characters/],
      ];
      const calls = s.sim.received.filter((r) => r.call === 'refund').length;
      for (const [input, code, field, message] of cases) {
        const res = await refundPayment(s.t, input, keys().STOREFRONT);
        expect(res.refund).toBeNull();
        expect(res.userErrors).toEqual([expect.objectContaining({ code, field })]);
        expect(res.userErrors[0].message).toMatch(message);
      }
      expect(s.sim.received.filter((r) => r.call === 'refund')).toHaveLength(calls);
      for (const r of [ref, unpaid, foreign]) {
        expect(await storedRefunds(r)).toEqual([]);
        expect(await refundEvents(r)).toBe(0);
      }
      // a MOBILE key may not refund at all
      const mobile = await s.t.gql(`mutation($input: RefundPaymentInput!) { refundPayment(input: $input) { refund { id } } }`, { input: { referenceId: ref } }, keys().MOBILE);
      expect(mobile.errors?.[0].extensions?.code).toBe('FORBIDDEN');
      expect(await storedRefunds(ref)).toEqual([]);
      // ADMIN names the business of an order another business also has
      await captured(foreign);
      const ambiguous = await refundPayment(s.t, { referenceId: foreign, amount: { value: 100 } }, s.t.adminKey);
      expect(ambiguous.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_INPUT', field: ['input', 'businessId'] })]);
      const admin = await refundPayment(s.t, { referenceId: foreign, businessId: other.id, amount: { value: 100 } }, s.t.adminKey);
      expect(admin.userErrors).toEqual([]);
      expect(admin.refund.amount.value).toBe(100);
    });

    it('idempotencyKey (input or header): the same request replays the first refund; another input with the key is refused', async () => {
      const ref = await captured();
      const input = { referenceId: ref, amount: { value: 1000 }, idempotencyKey: `rf-${ref}` };
      const first = await refundPayment(s.t, input, keys().STOREFRONT);
      const replay = await refundPayment(s.t, input, keys().STOREFRONT);
      expect(replay.refund.id).toBe(first.refund.id);
      expect(replay.userErrors).toEqual([]);
      const reused = await refundPayment(s.t, { ...input, amount: { value: 2000 } }, keys().STOREFRONT);
      expect(reused.userErrors).toEqual([expect.objectContaining({ code: 'IDEMPOTENCY_KEY_REUSED' })]);
      const header = { 'idempotency-key': `rf-h-${ref}` };
      const byHeader = await refundPayment(s.t, { referenceId: ref, amount: { value: 500 } }, keys().STOREFRONT, header);
      const byHeaderAgain = await refundPayment(s.t, { referenceId: ref, amount: { value: 500 } }, keys().STOREFRONT, header);
      expect(byHeaderAgain.refund.id).toBe(byHeader.refund.id);
      expect(s.sim.refunds(ref).map((r) => r.amount)).toEqual([1000, 500]);
      expect(await storedRefunds(ref)).toHaveLength(2);
    });
  });

  describe('the limit under concurrent requests', () => {
    it('20 partial refunds at once that together exceed the capture: those accepted never add up to more than was captured', async () => {
      const ref = await captured();
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => refundPayment(s.t, { referenceId: ref, amount: { value: 4000 }, idempotencyKey: `conc-${ref}-${i}` }, keys().STOREFRONT)),
      );
      const accepted = results.filter((r) => r.refund !== null);
      const refused = results.filter((r) => r.refund === null);
      // INR 40.00 each: 13 fit into INR 520.00, 7 do not
      expect(accepted).toHaveLength(13);
      expect(refused.map((r) => r.userErrors[0].code)).toEqual(Array(7).fill('REFUND_NOT_ALLOWED'));
      const stored = await storedRefunds(ref);
      expect(stored.reduce((sum, r) => sum + r.amount, 0)).toBe(52000);
      const order = await succeeded(ref, 13);
      expect(order.payment.refundedAmount.value).toBe(52000);
      // exactly those reached WhatsApp, once each
      expect(s.sim.refunds(ref).reduce((sum, r) => sum + r.amount, 0)).toBe(52000);
      expect(refundCalls(s.sim, ref)).toHaveLength(13);
    });

    it('refunds of different payments at once do not wait for each other, and each is judged on its own', async () => {
      const refs = await Promise.all([captured(), captured(), captured()]);
      const results = await Promise.all(refs.flatMap((ref) => [refundPayment(s.t, { referenceId: ref, amount: { value: 30000 } }, keys().OPS), refundPayment(s.t, { referenceId: ref, amount: { value: 30000 } }, keys().OPS)]));
      expect(results.filter((r) => r.refund !== null)).toHaveLength(3);
      for (const ref of refs) expect(s.sim.refunds(ref)).toHaveLength(1);
    });
  });

  describe("WhatsApp's answers", () => {
    it('completed: SUCCEEDED at once; failed: FAILED with UPSTREAM_REJECTED, and the amount is refundable again', async () => {
      const ref = await captured();
      s.sim.answerRefunds('completed', 'failed');
      const done = await refundPayment(s.t, { referenceId: ref, amount: { value: 10000 } }, keys().OPS);
      expect(done).toMatchObject({ refund: { status: 'SUCCEEDED' }, payment: { refundedAmount: { value: 10000 }, refundableAmount: { value: 42000 } }, userErrors: [] });
      const failed = await refundPayment(s.t, { referenceId: ref, amount: { value: 42000 } }, keys().OPS);
      expect(failed.refund).toMatchObject({ status: 'FAILED', errorMessage: 'WhatsApp answered that the refund failed' });
      expect(failed.userErrors).toEqual([expect.objectContaining({ code: 'UPSTREAM_REJECTED' })]);
      expect(failed.payment.refundableAmount.value).toBe(42000);
      const order = await refunds(ref);
      expect(refundTrail(order)).toEqual(['API ->REQUESTED', 'API REQUESTED>SUCCEEDED', 'API ->REQUESTED', 'API REQUESTED>FAILED']);
    });

    it('refused (4xx): FAILED with the code, UPSTREAM_REJECTED with the WhatsApp code, nothing retried', async () => {
      const ref = await captured();
      s.sim.rejectReference(ref, 131009, 400, 'refund');
      const res = await refundPayment(s.t, { referenceId: ref, amount: { value: 500 } }, keys().STOREFRONT);
      expect(res.refund).toMatchObject({ status: 'FAILED', errorCode: '131009', errorMessage: expect.stringMatching(/HTTP 400, code 131009/) });
      expect(res.userErrors).toEqual([expect.objectContaining({ code: 'UPSTREAM_REJECTED', whatsappCode: 131009 })]);
      expect(res.payment.refundableAmount.value).toBe(52000);
      await s.t.gateway.services.outbox.tick();
      expect(refundCalls(s.sim, ref)).toHaveLength(1);
      expect(ofType((await refunds(ref)).events, 'REFUND_STATUS_CHANGED').at(-1)!.detail).toMatch(/WhatsApp refused it \(131009\)/);
    });
  });

  describe('settlement: webhooks are hints, the lookup decides', () => {
    it('a refund webhook makes the payment due for a lookup; a webhook claiming success the lookup does not confirm changes nothing', async () => {
      const ref = await captured();
      s.sim.autoSettleRefunds = false;
      const res = await refundPayment(s.t, { referenceId: ref, amount: { value: 7000 } }, keys().OPS);
      const refundId = res.refund.refundId as string;
      const lookupsBefore = lookupCalls(s.sim, ref).length;
      // a signed webhook says the refund succeeded; WhatsApp's lookup still has it pending
      const body = refundWebhook(shop.phoneNumberId, ref, refundId, 7000, 'success');
      expect((await postSigned(s.t, body)).status).toBe(200);
      await eventually(async () => {
        await allProcessed(s.t);
        expect(lookupCalls(s.sim, ref).length).toBeGreaterThan(lookupsBefore);
        expect((await s.t.gateway.db.manager.findOneByOrFail(PaymentEntity, { referenceId: ref })).verifyAfter).not.toBeNull();
      });
      expect((await refunds(ref)).payment.refunds[0].status).toBe('PENDING');
      // WhatsApp settles it (a webhook, then the lookup): SUCCEEDED; a late "pending" never moves it back
      await s.sim.settleRefund(refundId, 'success');
      await succeeded(ref);
      await postSigned(s.t, refundWebhook(shop.phoneNumberId, ref, refundId, 7000, 'pending'));
      await eventually(() => allProcessed(s.t));
      const order = await refunds(ref);
      expect(order.payment.refunds[0].status).toBe('SUCCEEDED');
      expect(refundTrail(order)).toEqual(['API ->REQUESTED', 'API REQUESTED>PENDING', 'LOOKUP PENDING>SUCCEEDED']);
    });

    it('a refund the payment gateway fails later is FAILED, and its amount is refundable again', async () => {
      const ref = await captured();
      s.sim.autoSettleRefunds = false;
      const res = await refundPayment(s.t, { referenceId: ref }, keys().OPS);
      await s.sim.settleRefund(res.refund.refundId, 'failed');
      const order = await eventually(async () => {
        const o = await refunds(ref);
        expect(o.payment.refunds[0].status).toBe('FAILED');
        return o;
      });
      expect(order.payment).toMatchObject({ refundedAmount: { value: 0 }, refundableAmount: { value: 52000 } });
    });

    it('without any webhook, the lookup the gateway plans for a refund in progress settles it', async () => {
      const ref = await captured();
      s.sim.autoSettleRefunds = false;
      const res = await refundPayment(s.t, { referenceId: ref, amount: { value: 300 } }, keys().OPS);
      await s.sim.settleRefund(res.refund.refundId, 'success', { webhook: false });
      const order = await succeeded(ref);
      expect(refundTrail(order).at(-1)).toBe('LOOKUP PENDING>SUCCEEDED');
      // settled: nothing more is planned for it
      await eventually(async () => expect((await s.t.gateway.db.manager.findOneByOrFail(PaymentEntity, { referenceId: ref })).verifyAfter).toBeNull());
    });

    it('a refund made at the payment gateway is recorded from the lookup and counts against what is left', async () => {
      const ref = await captured();
      await s.sim.refundAtGateway(ref, { amount: 12000 });
      const order = await succeeded(ref);
      expect(order.payment.refunds).toEqual([
        expect.objectContaining({ requestedByGateway: false, amount: expect.objectContaining({ value: 12000 }), refundId: s.sim.refunds(ref)[0].id, status: 'SUCCEEDED' }),
      ]);
      expect(order.payment).toMatchObject({ refundedAmount: { value: 12000 }, refundableAmount: { value: 40000 } });
      expect(ofType(order.events, 'REFUND_STATUS_CHANGED')[0].detail).toMatch(/made outside the gateway/);
      const tooMuch = await refundPayment(s.t, { referenceId: ref, amount: { value: 40001 } }, keys().OPS);
      expect(tooMuch.userErrors[0]).toMatchObject({ code: 'REFUND_NOT_ALLOWED' });
      expect((await refundPayment(s.t, { referenceId: ref }, keys().OPS)).refund.amount.value).toBe(40000);
      expect(refundCalls(s.sim, ref)).toHaveLength(1);
    });

    it('a refund made at the payment gateway that the gateway has not heard of yet: WhatsApp refuses the excess, the lookup records the other', async () => {
      const ref = await captured();
      await s.sim.refundAtGateway(ref, { amount: 50000, webhook: false });
      const res = await refundPayment(s.t, { referenceId: ref, amount: { value: 10000 } }, keys().OPS);
      expect(res.refund).toMatchObject({ status: 'FAILED', errorCode: '131009' });
      expect(res.userErrors[0]).toMatchObject({ code: 'UPSTREAM_REJECTED' });
      const verified = dataOf(await s.t.gql(`mutation($ref: String!) { verifyPayment(referenceId: $ref) { userErrors { code } } }`, { ref }, keys().OPS));
      expect(verified.verifyPayment.userErrors).toEqual([]);
      const order = await succeeded(ref);
      expect(order.payment.refunds.map((r: any) => `${r.requestedByGateway} ${r.status} ${r.amount.value}`)).toEqual(['true FAILED 10000', 'false SUCCEEDED 50000']);
      expect(order.payment.refundableAmount.value).toBe(2000);
    });
  });

  describe('visible everywhere', () => {
    it('refundStatusChanged streams each change of the business (or of one order) as the refund it is; orderEvents carry them too', async () => {
      const ref = await captured();
      const query = `subscription($ref: String) { refundStatusChanged(referenceId: $ref) { ${REFUND_FIELDS} } }`;
      const one = subscribeWs(s.t.url, keys().MOBILE, query, { ref });
      const all = subscribeWs(s.t.url, keys().OPS, query, {});
      const events = subscribeWs(s.t.url, keys().OPS, `subscription($ref: String) { orderEvents(referenceId: $ref) { type fromStatus toStatus detail } }`, { ref });
      try {
        await Promise.all([one.connected, all.connected, events.connected]);
        await eventually(async () => expect(s.t.gateway.services.events.subscriberCount).toBeGreaterThanOrEqual(3));
        const res = await refundPayment(s.t, { referenceId: ref, amount: { value: 2500 } }, keys().STOREFRONT);
        const got = await one.waitFor(3);
        expect(got.map((m: any) => m.refundStatusChanged.status)).toEqual(['REQUESTED', 'PENDING', 'SUCCEEDED']);
        expect(new Set(got.map((m: any) => m.refundStatusChanged.id))).toEqual(new Set([res.refund.id]));
        expect(got[2].refundStatusChanged).toMatchObject({ refundId: res.refund.refundId, amount: { value: 2500 } });
        await all.waitFor(3);
        expect(all.received.filter((m: any) => m.refundStatusChanged.referenceId === ref)).toHaveLength(3);
        const changes = await events.waitFor(3);
        expect(changes.map((m: any) => `${m.orderEvents.type} ${m.orderEvents.fromStatus}>${m.orderEvents.toStatus}`)).toEqual([
          'REFUND_STATUS_CHANGED null>REQUESTED',
          'REFUND_STATUS_CHANGED REQUESTED>PENDING',
          'REFUND_STATUS_CHANGED PENDING>SUCCEEDED',
        ]);
        expect(one.errors).toEqual([]);
        // a MOBILE key follows one order at a time
        const mobileAll = subscribeWs(s.t.url, keys().MOBILE, query, {});
        await eventually(async () => expect(mobileAll.errors.length + mobileAll.received.length).toBeGreaterThan(0));
        expect(JSON.stringify(mobileAll.errors)).toMatch(/one order at a time/);
        await mobileAll.dispose();
      } finally {
        await Promise.all([one.dispose(), all.dispose(), events.dispose()]);
      }
    });

    it('node(id) reads a refund of the caller\'s own business only; the metrics count refunds by status', async () => {
      const ref = await captured();
      const res = await refundPayment(s.t, { referenceId: ref, amount: { value: 100 } }, keys().OPS);
      const q = `query($id: ID!) { node(id: $id) { ... on Refund { referenceId amount { value } } } }`;
      expect(dataOf(await s.t.gql(q, { id: res.refund.id }, keys().MOBILE)).node).toEqual({ referenceId: ref, amount: { value: 100 } });
      const other = await createBusiness(s.t, { name: 'Nosy Shop' });
      expect(dataOf(await s.t.gql(q, { id: res.refund.id }, other.keys.OPS)).node).toBeNull();
      await succeeded(ref);
      const metrics = await (await fetch(`${s.t.url}/metrics`)).text();
      const count = Number(/^wpg_refunds\{status="SUCCEEDED"\} (\d+)$/m.exec(metrics)?.[1]);
      expect(count).toBe(await s.t.gateway.db.manager.countBy(RefundEntity, { status: 'SUCCEEDED' }));
      expect(metrics).toMatch(/^wpg_refunds\{status="REQUESTED"\} \d+$/m);
      expect(metrics).toMatch(/^wpg_outbox_jobs\{kind="REFUND"\} \d+$/m);
    });

    it('reconciliation: the capture row carries the refunded amount (succeeded refunds only), the CSV its refunded_amount column', async () => {
      const ref = await captured();
      s.sim.autoSettleRefunds = false;
      await refundPayment(s.t, { referenceId: ref, amount: { value: 15050 } }, keys().OPS);
      await s.sim.settleRefund(s.sim.refunds(ref)[0].id, 'success');
      await succeeded(ref);
      await refundPayment(s.t, { referenceId: ref, amount: { value: 1000 } }, keys().OPS); // stays PENDING: not refunded yet
      const from = new Date(Date.now() - 3600_000).toISOString();
      const to = new Date(Date.now() + 3600_000).toISOString();
      const rows = dataOf(
        await s.t.gql(
          `query($f: ReconciliationFilter!) { reconciliation(filter: $f, first: 1000) { edges { node { referenceId transactionStatus refundedAmount { value offset currency formatted } } } } }`,
          { f: { from, to } },
          keys().OPS,
        ),
      ).reconciliation.edges.map((e: any) => e.node).filter((n: any) => n.referenceId === ref);
      expect(rows).toEqual([{ referenceId: ref, transactionStatus: 'SUCCESS', refundedAmount: { value: 15050, offset: 100, currency: 'INR', formatted: '150.50' } }]);
      const csv = await (await fetch(`${s.t.url}/reconciliation.csv?from=${from}&to=${to}`, { headers: { authorization: `Bearer ${keys().OPS}` } })).text();
      const [header, ...lines] = csv.trim().split('\r\n');
      const column = header.split(',').indexOf('refunded_amount');
      expect(column).toBe(header.split(',').length - 1);
      expect(lines.filter((l) => l.startsWith(`${ref},`)).map((l) => l.split(',')[column])).toEqual(['150.50']);
    });

    it('Payment.refunds, refundedAmount and refundableAmount on a page of orders, with a payment not captured', async () => {
      const ref = await captured();
      await refundPayment(s.t, { referenceId: ref, amount: { value: 100 } }, keys().OPS);
      const unpaid = (await sendOrder(s.t, orderInput(shop), keys().STOREFRONT)).order.referenceId;
      const page = dataOf(
        await s.t.gql(
          `{ orders(first: 100, newestFirst: true) { edges { node { referenceId payment { refunds { amount { value } } refundedAmount { value } refundableAmount { value formatted } } } } } }`,
          {},
          keys().OPS,
        ),
      ).orders.edges.map((e: any) => e.node);
      expect(page.find((n: any) => n.referenceId === unpaid).payment).toEqual({ refunds: [], refundedAmount: { value: 0 }, refundableAmount: { value: 0, formatted: '0.00' } });
      expect(page.find((n: any) => n.referenceId === ref).payment).toMatchObject({ refunds: [{ amount: { value: 100 } }], refundableAmount: { value: 51900 } });
    });
  });

  describe('a capture on a canceled order', () => {
    it('the discrepancy says refundPayment settles it; once wholly refunded, the history says so', async () => {
      const ref = (await sendOrder(s.t, orderInput(shop), keys().STOREFRONT)).order.referenceId;
      expect((await cancelOrder(s.t, { referenceId: ref }, keys().OPS)).userErrors).toEqual([]);
      await s.sim.pay(ref, 'captured');
      const discrepancy = await eventually(async () => {
        const o = await readOrder(s.t, ref, keys().OPS);
        expect(o.payment.status).toBe('CAPTURED');
        expect(ofType(o.events, 'PAYMENT_DISCREPANCY')).toHaveLength(1);
        return ofType(o.events, 'PAYMENT_DISCREPANCY')[0];
      });
      expect(discrepancy.detail).toMatch(/captured on a canceled order: refund it with refundPayment/);
      const res = await refundPayment(s.t, { referenceId: ref, reason: 'order was canceled' }, keys().OPS);
      expect(res.refund).toMatchObject({ status: 'PENDING', amount: { value: 52000 } });
      const order = await succeeded(ref);
      expect(order.status).toBe('CANCELED');
      expect(ofType(order.events, 'REFUND_STATUS_CHANGED').at(-1)!.detail).toMatch(
        /the payment is now fully refunded \(INR 520\.00\); this settles the payment captured on the canceled order$/,
      );
    });
  });
});

/** A signed payment webhook about a refund (webhook.payment.meta-captured-with-refund.json's shape). */
function refundWebhook(phoneNumberId: string, referenceId: string, refundId: string, value: number, status: string): unknown {
  const now = String(Math.floor(Date.now() / 1000));
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550783881', phone_number_id: phoneNumberId },
              statuses: [
                {
                  id: `notification-${refundId}-${status}`,
                  recipient_id: '919876543210',
                  type: 'payment',
                  status: 'captured',
                  payment: {
                    reference_id: referenceId,
                    amount: { value: 52000, offset: 100 },
                    currency: 'INR',
                    refunds: [{ id: refundId, amount: { value, offset: 100 }, speed_processed: 'normal', status, created_timestamp: now, updated_timestamp: now }],
                  },
                  timestamp: now,
                },
              ],
            },
          },
        ],
      },
    ],
  };
}
