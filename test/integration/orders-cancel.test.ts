// cancelOrder end to end: the payment lookup decides (a payment the gateway has not heard of still
// blocks the cancel, and what the lookup says is recorded), an unreachable lookup changes nothing,
// canceling twice is a no-op, and the description travels in the order_status message.
import { createBusiness, type TestBusiness } from '../helpers/fixtures';
import { dataOf } from '../helpers/gateway';
import { cancelOrder, eventTrail, lookupCalls, messageCalls, readOrder, readPayment, sendOrder, updateStatus } from '../helpers/orders';
import { orderInput, startTestStack, type TestStack } from '../helpers/stack';

describe('cancelOrder (real server, simulator over HTTP)', () => {
  let stack: TestStack;
  let shop: TestBusiness;
  let other: TestBusiness;

  beforeAll(async () => {
    stack = await startTestStack();
    shop = stack.shop;
    other = await createBusiness(stack.t, { name: 'Other Shop' });
  });
  afterAll(() => stack.stop());
  afterEach(() => stack.sim.clearFaults());

  async function newOrder(referenceId: string): Promise<any> {
    const res = await sendOrder(stack.t, orderInput(shop, { referenceId }), shop.keys.STOREFRONT);
    expect(res.userErrors).toEqual([]);
    expect(res.order.message.status).toBe('ACCEPTED');
    return res.order;
  }

  const statusPayloads = (referenceId: string) =>
    stack.sim.acceptedMessages(referenceId).filter((m) => m.kind === 'order_status').map((m) => m.payload as any);

  it('asks the payment lookup first, then cancels an unpaid order and sends canceled with the description', async () => {
    await newOrder('C-NEW');
    const res = await cancelOrder(stack.t, { referenceId: 'C-NEW', description: 'Out of stock, sorry', body: 'We had to cancel your order.' }, shop.keys.STOREFRONT);
    expect(res.userErrors).toEqual([]);

    const lookups = lookupCalls(stack.sim, 'C-NEW');
    expect(lookups).toHaveLength(1);
    expect(lookups[0].method).toBe('GET');
    expect(lookups[0].path).toBe(`/${stack.sim.apiVersion}/${shop.phoneNumberId}/payments/${shop.paymentConfiguration}/C-NEW`);
    // the lookup came before the order_status message
    const lookupIndex = stack.sim.received.indexOf(lookups[0]);
    const statusIndex = stack.sim.received.findIndex((r) => r.call === 'messages' && (r.body as any).interactive.type === 'order_status' && (r.body as any).interactive.action.parameters.reference_id === 'C-NEW');
    expect(lookupIndex).toBeGreaterThan(-1);
    expect(statusIndex).toBeGreaterThan(lookupIndex);

    expect(JSON.stringify(statusPayloads('C-NEW'))).toBe(
      JSON.stringify([
        {
          messaging_product: 'whatsapp',
          recipient_type: 'individual',
          to: '919876543210',
          type: 'interactive',
          interactive: {
            type: 'order_status',
            body: { text: 'We had to cancel your order.' },
            action: { name: 'review_order', parameters: { reference_id: 'C-NEW', order: { status: 'canceled', description: 'Out of stock, sorry' } } },
          },
        },
      ]),
    );
    expect(stack.sim.order('C-NEW')?.status).toBe('canceled');

    expect(res.order).toMatchObject({ status: 'CANCELED', statusDescription: 'Out of stock, sorry', allowedTransitions: [] });
    expect(res.order.messages.map((m: any) => `${m.kind} ${m.status}`)).toEqual(['ORDER_DETAILS ACCEPTED', 'ORDER_STATUS ACCEPTED']);
    // WhatsApp knows no payment: the NEW payment is confirmed as it is
    expect(res.order.payment).toMatchObject({ status: 'NEW', verified: true, transactions: [] });
    expect(res.order.payment.verifiedAt).not.toBeNull();
    expect(eventTrail(res.order)).toEqual([
      'ORDER_CREATED API ->PENDING',
      'MESSAGE_STATUS_CHANGED API QUEUED>ACCEPTED',
      'ORDER_STATUS_CHANGED API PENDING>CANCELED',
      'MESSAGE_STATUS_CHANGED API QUEUED>ACCEPTED',
    ]);
    expect(res.order.events[2].detail).toBe('Out of stock, sorry');
  });

  it('canceling a canceled order again is a no-op: no lookup, no message, no event', async () => {
    const before = await readOrder(stack.t, 'C-NEW', shop.keys.STOREFRONT);
    const received = stack.sim.received.length;
    const res = await cancelOrder(stack.t, { referenceId: 'C-NEW', description: 'again' }, shop.keys.OPS);
    expect(res.userErrors).toEqual([]);
    expect(res.order.status).toBe('CANCELED');
    expect(res.order.statusDescription).toBe('Out of stock, sorry');
    expect(res.order.events).toEqual(before.events);
    expect(stack.sim.received.length).toBe(received);
  });

  it('a default body names the order when none is given, and no description key is sent without one', async () => {
    await newOrder('C-DEFAULT');
    const res = await cancelOrder(stack.t, { referenceId: 'C-DEFAULT' }, shop.keys.OPS);
    expect(res.userErrors).toEqual([]);
    const [payload] = statusPayloads('C-DEFAULT');
    expect(payload.interactive.body).toEqual({ text: 'Your order C-DEFAULT is canceled.' });
    expect(payload.interactive.action.parameters.order).toEqual({ status: 'canceled' });
    expect(res.order.statusDescription).toBeNull();
  });

  it('a payment the gateway has not heard of still blocks the cancel (2047), and the lookup is recorded', async () => {
    await newOrder('C-PENDING');
    // the customer started paying; no webhook reached the gateway (none is configured)
    await stack.sim.pay('C-PENDING', 'pending', { webhook: false });
    expect((await readPayment(stack.t, 'C-PENDING', shop.keys.STOREFRONT)).status).toBe('NEW');
    const messagesBefore = messageCalls(stack.sim).length;

    const res = await cancelOrder(stack.t, { referenceId: 'C-PENDING', description: 'Customer asked' }, shop.keys.STOREFRONT);
    expect(res.userErrors).toEqual([{ code: 'CANCEL_NOT_ALLOWED', whatsappCode: 2047, field: null, message: expect.stringMatching(/^Could not change order status to 'canceled': the payment is PENDING/) }]);
    expect(res.order.status).toBe('PENDING');
    expect(messageCalls(stack.sim).length).toBe(messagesBefore);
    expect(lookupCalls(stack.sim, 'C-PENDING')).toHaveLength(1);

    const payment = await readPayment(stack.t, 'C-PENDING', shop.keys.MOBILE);
    expect(payment).toMatchObject({ referenceId: 'C-PENDING', status: 'PENDING', verified: true, amount: { value: 52000, offset: 100, currency: 'INR' } });
    expect(payment.transactions).toEqual([
      expect.objectContaining({ id: expect.stringMatching(/^order_/), gateway: 'RAZORPAY', status: 'PENDING', pgTransactionId: null }),
    ]);
    const order = await readOrder(stack.t, 'C-PENDING', shop.keys.MOBILE);
    expect(eventTrail(order)).toEqual([
      'ORDER_CREATED API ->PENDING',
      'MESSAGE_STATUS_CHANGED API QUEUED>ACCEPTED',
      'PAYMENT_STATUS_CHANGED LOOKUP NEW>PENDING',
    ]);
    expect(order.allowedTransitions).not.toContain('CANCELED');

    // known PENDING, still pending at WhatsApp: asked again, refused again
    const again = await cancelOrder(stack.t, { referenceId: 'C-PENDING' }, shop.keys.STOREFRONT);
    expect(again.userErrors).toEqual([expect.objectContaining({ code: 'CANCEL_NOT_ALLOWED', whatsappCode: 2047 })]);
    expect(lookupCalls(stack.sim, 'C-PENDING')).toHaveLength(2);

    // the attempt fails and its webhook is lost: the refusal does not last for ever, the next
    // cancel asks WhatsApp, learns the attempt failed, and cancels
    await stack.sim.pay('C-PENDING', 'failed', { webhook: false });
    const after = await cancelOrder(stack.t, { referenceId: 'C-PENDING' }, shop.keys.STOREFRONT);
    expect(after.userErrors).toEqual([]);
    expect(after.order.status).toBe('CANCELED');
    expect(after.order.payment.status).toBe('FAILED');
    expect(lookupCalls(stack.sim, 'C-PENDING')).toHaveLength(3);
  });

  it('a captured payment blocks the cancel (2047) and is recorded with its transaction', async () => {
    await newOrder('C-CAPTURED');
    await stack.sim.pay('C-CAPTURED', 'captured', { webhook: false });
    const res = await cancelOrder(stack.t, { referenceId: 'C-CAPTURED' }, shop.keys.OPS);
    expect(res.userErrors).toEqual([expect.objectContaining({ code: 'CANCEL_NOT_ALLOWED', whatsappCode: 2047 })]);
    expect(res.userErrors[0].message).toMatch(/the payment is CAPTURED.*Refund it with refundPayment/);
    expect(res.order.status).toBe('PENDING');
    expect(res.order.allowedTransitions).toEqual(['PROCESSING', 'PARTIALLY_SHIPPED', 'SHIPPED', 'COMPLETED']);
    const payment = await readPayment(stack.t, 'C-CAPTURED', shop.keys.OPS);
    expect(payment).toMatchObject({ status: 'CAPTURED', verified: true, amount: { value: 52000 } });
    expect(payment.transactions).toEqual([
      expect.objectContaining({ status: 'SUCCESS', method: 'upi', pgTransactionId: expect.stringMatching(/^pay_/), amount: { value: 52000 } }),
    ]);
    expect(statusPayloads('C-CAPTURED')).toEqual([]);
  });

  it('a failed payment does not block the cancel; the failure is recorded', async () => {
    await newOrder('C-FAILED');
    await stack.sim.pay('C-FAILED', 'failed', { webhook: false, errorCode: 'BAD_REQUEST_ERROR', errorReason: 'Card declined' });
    const res = await cancelOrder(stack.t, { referenceId: 'C-FAILED' }, shop.keys.OPS);
    expect(res.userErrors).toEqual([]);
    expect(res.order.status).toBe('CANCELED');
    expect(res.order.payment.status).toBe('FAILED');
    const payment = await readPayment(stack.t, 'C-FAILED', shop.keys.OPS);
    expect(payment.transactions).toEqual([expect.objectContaining({ status: 'FAILED', errorCode: 'BAD_REQUEST_ERROR', errorReason: 'Card declined' })]);
    expect(eventTrail(res.order).slice(2)).toEqual([
      'PAYMENT_STATUS_CHANGED LOOKUP NEW>FAILED',
      'ORDER_STATUS_CHANGED API PENDING>CANCELED',
      'MESSAGE_STATUS_CHANGED API QUEUED>ACCEPTED',
    ]);
    expect(statusPayloads('C-FAILED').map((p) => p.interactive.action.parameters.order.status)).toEqual(['canceled']);
  });

  describe('lookup unreachable: UPSTREAM_UNAVAILABLE, nothing changed', () => {
    it.each([
      ['the lookup is down (503)', () => stack.sim.lookupDown(true)],
      ['the lookup times out', () => stack.sim.failNext(1, 'timeout', 'lookup')],
      ['the connection is reset', () => stack.sim.failNext(1, 'reset', 'lookup')],
    ])('%s', async (_name, fault) => {
      const ref = `C-DOWN-${Math.random().toString(36).slice(2, 8)}`;
      await newOrder(ref);
      const before = await readOrder(stack.t, ref, shop.keys.STOREFRONT);
      const paymentBefore = await readPayment(stack.t, ref, shop.keys.STOREFRONT);
      const messagesBefore = messageCalls(stack.sim).length;
      fault();
      const res = await cancelOrder(stack.t, { referenceId: ref, description: 'Customer asked' }, shop.keys.STOREFRONT);
      expect(res.userErrors).toEqual([expect.objectContaining({ code: 'UPSTREAM_UNAVAILABLE', field: ['input', 'referenceId'], whatsappCode: null })]);
      expect(res.userErrors[0].message).toMatch(/Nothing changed; retry in a moment/);
      expect(lookupCalls(stack.sim, ref)).toHaveLength(1);
      expect(messageCalls(stack.sim).length).toBe(messagesBefore);

      const after = await readOrder(stack.t, ref, shop.keys.STOREFRONT);
      expect(after.status).toBe('PENDING');
      expect(after.statusDescription).toBeNull();
      expect(after.events).toEqual(before.events);
      expect(after.messages).toEqual(before.messages);
      expect(await readPayment(stack.t, ref, shop.keys.STOREFRONT)).toEqual(paymentBefore);

      // once the lookup answers again the same cancel goes through
      stack.sim.clearFaults();
      const retried = await cancelOrder(stack.t, { referenceId: ref, description: 'Customer asked' }, shop.keys.STOREFRONT);
      expect(retried.userErrors).toEqual([]);
      expect(retried.order.status).toBe('CANCELED');
    });
  });

  it('a completed order cannot be canceled (2046), without a lookup', async () => {
    await newOrder('C-DONE');
    expect((await updateStatus(stack.t, { referenceId: 'C-DONE', status: 'COMPLETED' }, shop.keys.OPS)).userErrors).toEqual([]);
    const received = stack.sim.received.length;
    const res = await cancelOrder(stack.t, { referenceId: 'C-DONE' }, shop.keys.OPS);
    expect(res.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_STATUS_TRANSITION', whatsappCode: 2046 })]);
    expect(res.order.status).toBe('COMPLETED');
    expect(stack.sim.received.length).toBe(received);
  });

  it('cancels an order that is already shipping (the machine allows it) when nothing was paid', async () => {
    await newOrder('C-SHIPPED');
    expect((await updateStatus(stack.t, { referenceId: 'C-SHIPPED', status: 'SHIPPED' }, shop.keys.OPS)).userErrors).toEqual([]);
    const res = await cancelOrder(stack.t, { referenceId: 'C-SHIPPED', description: 'Returned to sender' }, shop.keys.OPS);
    expect(res.userErrors).toEqual([]);
    expect(eventTrail(res.order).filter((e) => e.startsWith('ORDER_STATUS'))).toEqual([
      'ORDER_STATUS_CHANGED API PENDING>SHIPPED',
      'ORDER_STATUS_CHANGED API SHIPPED>CANCELED',
    ]);
  });

  it('asks the lookup through 360dialog for a 360dialog number', async () => {
    const d360 = await createBusiness(stack.t, { name: '360 Shop', provider: 'DIALOG360' });
    expect((await sendOrder(stack.t, orderInput(d360, { referenceId: 'C-360' }), d360.keys.STOREFRONT)).userErrors).toEqual([]);
    await stack.sim.pay('C-360', 'pending', { webhook: false });
    const res = await cancelOrder(stack.t, { referenceId: 'C-360' }, d360.keys.OPS);
    expect(res.userErrors).toEqual([expect.objectContaining({ code: 'CANCEL_NOT_ALLOWED', whatsappCode: 2047 })]);
    const [lookup] = lookupCalls(stack.sim, 'C-360');
    expect(lookup.path).toBe(`/v1/payments/${d360.paymentConfiguration}/C-360`);
    expect(lookup.headers['d360-api-key']).toBe('[redacted]');
    expect(res.order.payment.status).toBe('PENDING');
  });

  describe('bad input and tenancy', () => {
    it('a description over 120 characters is INVALID_INPUT; no lookup, nothing sent', async () => {
      await newOrder('C-TEXT');
      const received = stack.sim.received.length;
      const res = await cancelOrder(stack.t, { referenceId: 'C-TEXT', description: 'x'.repeat(121) }, shop.keys.STOREFRONT);
      expect(res).toEqual({ order: null, userErrors: [expect.objectContaining({ code: 'INVALID_INPUT', field: ['input', 'description'] })] });
      const blank = await cancelOrder(stack.t, { referenceId: 'C-TEXT', body: '' }, shop.keys.STOREFRONT);
      expect(blank.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_INPUT', field: ['input', 'body'] })]);
      expect(stack.sim.received.length).toBe(received);
      expect((await readOrder(stack.t, 'C-TEXT', shop.keys.STOREFRONT)).status).toBe('PENDING');
    });

    it('an unknown referenceId is ORDER_NOT_FOUND', async () => {
      const res = await cancelOrder(stack.t, { referenceId: 'C-NOPE' }, shop.keys.STOREFRONT);
      expect(res).toEqual({ order: null, userErrors: [expect.objectContaining({ code: 'ORDER_NOT_FOUND', field: ['input', 'referenceId'] })] });
    });

    it("another business's key gets ORDER_NOT_FOUND: no lookup, nothing changed", async () => {
      await newOrder('C-TENANT');
      const received = stack.sim.received.length;
      for (const key of [other.keys.STOREFRONT, other.keys.OPS]) {
        const res = await cancelOrder(stack.t, { referenceId: 'C-TENANT' }, key);
        expect(res).toEqual({ order: null, userErrors: [expect.objectContaining({ code: 'ORDER_NOT_FOUND' })] });
      }
      expect(stack.sim.received.length).toBe(received);
      expect((await readOrder(stack.t, 'C-TENANT', shop.keys.STOREFRONT)).status).toBe('PENDING');
    });

    it('a MOBILE key may not cancel', async () => {
      const res = await stack.t.gql(`mutation { cancelOrder(input: { referenceId: "C-TENANT" }) { order { status } } }`, {}, shop.keys.MOBILE);
      expect(res.errors?.[0].extensions?.code).toBe('FORBIDDEN');
      expect(dataOf(await stack.t.gql(`{ order(referenceId: "C-TENANT") { status } }`, {}, shop.keys.MOBILE)).order.status).toBe('PENDING');
    });
  });
});
