// updateOrderStatus end to end: the status machine (2046 / 2047), no-ops that send nothing, and the
// order_status message WhatsApp receives compared with test/fixtures/wire/order_status.request.json.
import { wire } from '../fixtures/load-wire';
import { createBusiness, type TestBusiness } from '../helpers/fixtures';
import { dataOf } from '../helpers/gateway';
import {
  addSampleConfiguration,
  eventTrail,
  expiryAhead,
  lookupCalls,
  messageCalls,
  readOrder,
  readPayment,
  SAMPLE_REFERENCE,
  sampleOrderInput,
  sendOrder,
  updateStatus,
} from '../helpers/orders';
import { orderInput, startTestStack, type TestStack } from '../helpers/stack';

describe('updateOrderStatus (real server, simulator over HTTP)', () => {
  let stack: TestStack;
  let shop: TestBusiness;
  let other: TestBusiness;

  beforeAll(async () => {
    stack = await startTestStack();
    shop = stack.shop;
    other = await createBusiness(stack.t, { name: 'Other Shop' });
    await addSampleConfiguration(stack.t, shop);
  });
  afterAll(() => stack.stop());

  async function newOrder(referenceId: string): Promise<any> {
    const res = await sendOrder(stack.t, orderInput(shop, { referenceId }), shop.keys.STOREFRONT);
    expect(res.userErrors).toEqual([]);
    expect(res.order.message.status).toBe('ACCEPTED');
    return res.order;
  }

  /** The order_status payloads WhatsApp accepted for a reference id, oldest first. */
  const statusPayloads = (referenceId: string) =>
    stack.sim.acceptedMessages(referenceId).filter((m) => m.kind === 'order_status').map((m) => m.payload as any);

  it('sends exactly wire/order_status.request.json and records the change with its event and message', async () => {
    const sent = await sendOrder(stack.t, sampleOrderInput(shop, expiryAhead()), shop.keys.STOREFRONT);
    expect(sent.userErrors).toEqual([]);
    const f = wire('order_status.request.json');
    const before = stack.sim.received.length;

    const res = await updateStatus(
      stack.t,
      {
        referenceId: SAMPLE_REFERENCE,
        status: 'PROCESSING',
        description: f.interactive.action.parameters.order.description,
        body: f.interactive.body.text,
      },
      shop.keys.STOREFRONT,
    );
    expect(res.userErrors).toEqual([]);

    const calls = stack.sim.received.slice(before);
    expect(calls).toHaveLength(1);
    expect(calls[0].path).toBe(`/${stack.sim.apiVersion}/${shop.phoneNumberId}/messages`);
    expect(calls[0].status).toBe(200);
    expect(calls[0].body).toEqual(f);
    expect(JSON.stringify(calls[0].body)).toBe(JSON.stringify(f));
    expect(stack.sim.order(SAMPLE_REFERENCE)?.status).toBe('processing');

    const wamid = stack.sim.acceptedMessages(SAMPLE_REFERENCE).at(-1)!.wamid;
    expect(res.order).toMatchObject({
      status: 'PROCESSING',
      statusDescription: 'Expected dispatch tomorrow',
      allowedTransitions: ['PARTIALLY_SHIPPED', 'SHIPPED', 'COMPLETED', 'CANCELED'],
    });
    // `message` stays the order_details message; `messages` lists every message, oldest first
    expect(res.order.message.kind).toBe('ORDER_DETAILS');
    expect(res.order.messages).toEqual([
      expect.objectContaining({ kind: 'ORDER_DETAILS', status: 'ACCEPTED' }),
      { kind: 'ORDER_STATUS', status: 'ACCEPTED', wamid, attempts: 1, errorCode: null },
    ]);
    expect(eventTrail(res.order)).toEqual([
      'ORDER_CREATED API ->PENDING',
      'MESSAGE_STATUS_CHANGED API QUEUED>ACCEPTED',
      'ORDER_STATUS_CHANGED API PENDING>PROCESSING',
      'MESSAGE_STATUS_CHANGED API QUEUED>ACCEPTED',
    ]);
    expect(res.order.events[2].detail).toBe('Expected dispatch tomorrow');
    expect(res.order.events[3].detail).toBe('ORDER_STATUS');
  });

  it('setting the current status again is a no-op: no message, no event, no error', async () => {
    const before = await readOrder(stack.t, SAMPLE_REFERENCE, shop.keys.STOREFRONT);
    const received = stack.sim.received.length;
    const res = await updateStatus(stack.t, { referenceId: SAMPLE_REFERENCE, status: 'PROCESSING', description: 'changed text' }, shop.keys.OPS);
    expect(res.userErrors).toEqual([]);
    expect(res.order.status).toBe('PROCESSING');
    expect(res.order.statusDescription).toBe('Expected dispatch tomorrow');
    expect(res.order.events).toEqual(before.events);
    expect(res.order.messages).toHaveLength(2);
    expect(stack.sim.received.length).toBe(received);
  });

  it('walks the machine through the in-progress statuses to COMPLETED, one order_status message each, with the wire spellings', async () => {
    await newOrder('WALK-1');
    const steps = ['SHIPPED', 'PARTIALLY_SHIPPED', 'PROCESSING', 'SHIPPED', 'COMPLETED'] as const;
    for (const status of steps) {
      const res = await updateStatus(stack.t, { referenceId: 'WALK-1', status }, shop.keys.OPS);
      expect(res.userErrors).toEqual([]);
      expect(res.order.status).toBe(status);
      expect(res.order.messages.at(-1)).toMatchObject({ kind: 'ORDER_STATUS', status: 'ACCEPTED', attempts: 1 });
    }
    const payloads = statusPayloads('WALK-1');
    expect(payloads.map((p) => p.interactive.action.parameters.order)).toEqual([
      { status: 'shipped' },
      { status: 'partially_shipped' },
      { status: 'processing' },
      { status: 'shipped' },
      { status: 'completed' },
    ]);
    // without a body the customer gets a default sentence naming the order and its status
    expect(payloads.map((p) => p.interactive.body.text)).toEqual([
      'Your order WALK-1 is shipped.',
      'Your order WALK-1 is partially shipped.',
      'Your order WALK-1 is being processed.',
      'Your order WALK-1 is shipped.',
      'Your order WALK-1 is completed.',
    ]);
    expect(stack.sim.order('WALK-1')?.status).toBe('completed');
    const order = await readOrder(stack.t, 'WALK-1', shop.keys.MOBILE);
    expect(order.allowedTransitions).toEqual([]);
    expect(eventTrail(order).filter((e) => e.startsWith('ORDER_STATUS_CHANGED'))).toEqual([
      'ORDER_STATUS_CHANGED API PENDING>SHIPPED',
      'ORDER_STATUS_CHANGED API SHIPPED>PARTIALLY_SHIPPED',
      'ORDER_STATUS_CHANGED API PARTIALLY_SHIPPED>PROCESSING',
      'ORDER_STATUS_CHANGED API PROCESSING>SHIPPED',
      'ORDER_STATUS_CHANGED API SHIPPED>COMPLETED',
    ]);
  });

  it('refuses a move out of a final status with INVALID_STATUS_TRANSITION (2046) and sends nothing', async () => {
    const received = stack.sim.received.length;
    const before = await readOrder(stack.t, 'WALK-1', shop.keys.STOREFRONT);
    for (const status of ['SHIPPED', 'PENDING', 'CANCELED'] as const) {
      const res = await updateStatus(stack.t, { referenceId: 'WALK-1', status }, shop.keys.STOREFRONT);
      expect(res.userErrors).toEqual([
        { code: 'INVALID_STATUS_TRANSITION', field: ['input', 'status'], whatsappCode: 2046, message: expect.stringMatching(/^New order status was not correctly transitioned\. An order cannot move from COMPLETED to /) },
      ]);
      expect(res.userErrors[0].message).toMatch(/COMPLETED is final/);
      expect(res.order.status).toBe('COMPLETED');
    }
    expect(stack.sim.received.length).toBe(received);
    expect((await readOrder(stack.t, 'WALK-1', shop.keys.STOREFRONT)).events).toEqual(before.events);
  });

  it('nothing moves back to PENDING (2046)', async () => {
    await newOrder('BACK-1');
    expect((await updateStatus(stack.t, { referenceId: 'BACK-1', status: 'SHIPPED' }, shop.keys.OPS)).userErrors).toEqual([]);
    const received = stack.sim.received.length;
    const res = await updateStatus(stack.t, { referenceId: 'BACK-1', status: 'PENDING' }, shop.keys.OPS);
    expect(res.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_STATUS_TRANSITION', whatsappCode: 2046 })]);
    expect(res.userErrors[0].message).toMatch(/From SHIPPED the order can move to PROCESSING, PARTIALLY_SHIPPED, COMPLETED, CANCELED/);
    expect(res.order.status).toBe('SHIPPED');
    expect(stack.sim.received.length).toBe(received);
  });

  it('CANCELED through updateOrderStatus on an order whose payment WhatsApp reports pending is CANCEL_NOT_ALLOWED (2047); a paid order does not offer CANCELED', async () => {
    await newOrder('PAID-1');
    await stack.sim.pay('PAID-1', 'pending', { webhook: false });
    const received = messageCalls(stack.sim).length;
    const res = await updateStatus(stack.t, { referenceId: 'PAID-1', status: 'CANCELED' }, shop.keys.OPS);
    expect(res.userErrors).toEqual([expect.objectContaining({ code: 'CANCEL_NOT_ALLOWED', whatsappCode: 2047, field: null })]);
    expect(res.userErrors[0].message).toMatch(/^Could not change order status to 'canceled': the payment is PENDING/);
    expect(res.order.status).toBe('PENDING');
    expect(res.order.payment.status).toBe('PENDING');
    expect(res.order.allowedTransitions).toEqual(['PROCESSING', 'PARTIALLY_SHIPPED', 'SHIPPED', 'COMPLETED']);
    expect(lookupCalls(stack.sim, 'PAID-1')).toHaveLength(1);
    expect(messageCalls(stack.sim).length).toBe(received);

    await stack.sim.pay('PAID-1', 'captured', { webhook: false });
    // a PENDING attempt may have ended since: WhatsApp is asked again, and the capture it reports
    // is recorded and refuses the cancel
    const again = await updateStatus(stack.t, { referenceId: 'PAID-1', status: 'CANCELED' }, shop.keys.OPS);
    expect(again.userErrors).toEqual([expect.objectContaining({ code: 'CANCEL_NOT_ALLOWED', whatsappCode: 2047 })]);
    expect(again.userErrors[0].message).toMatch(/the payment is CAPTURED/);
    expect(lookupCalls(stack.sim, 'PAID-1')).toHaveLength(2);
    // CAPTURED is final: refused at once, without asking again
    await updateStatus(stack.t, { referenceId: 'PAID-1', status: 'CANCELED' }, shop.keys.OPS);
    expect(lookupCalls(stack.sim, 'PAID-1')).toHaveLength(2);

    // a paid order still moves forward
    const shipped = await updateStatus(stack.t, { referenceId: 'PAID-1', status: 'SHIPPED' }, shop.keys.OPS);
    expect(shipped.userErrors).toEqual([]);
    expect(shipped.order.allowedTransitions).toEqual(['PROCESSING', 'PARTIALLY_SHIPPED', 'COMPLETED']);
    expect((await readPayment(stack.t, 'PAID-1', shop.keys.MOBILE)).status).toBe('CAPTURED');
  });

  it('CANCELED through updateOrderStatus cancels an order without payment and sends canceled', async () => {
    await newOrder('UPD-CANCEL');
    const res = await updateStatus(stack.t, { referenceId: 'UPD-CANCEL', status: 'CANCELED', description: 'Out of stock' }, shop.keys.OPS);
    expect(res.userErrors).toEqual([]);
    expect(res.order).toMatchObject({ status: 'CANCELED', statusDescription: 'Out of stock', allowedTransitions: [] });
    expect(statusPayloads('UPD-CANCEL').map((p) => p.interactive.action.parameters.order)).toEqual([{ status: 'canceled', description: 'Out of stock' }]);
  });

  describe('bad input: a clear userError and nothing sent', () => {
    it.each([
      ['a description over 120 characters', 'TXT-1', { description: 'd'.repeat(121) }, ['input', 'description']],
      ['a blank body', 'TXT-2', { body: '   ' }, ['input', 'body']],
      ['a body over 1024 characters', 'TXT-3', { body: 'b'.repeat(1025) }, ['input', 'body']],
    ])('refuses %s', async (_name, ref, overrides, field) => {
      await newOrder(ref);
      const before = await readOrder(stack.t, ref, shop.keys.STOREFRONT);
      const received = stack.sim.received.length;
      const res = await updateStatus(stack.t, { referenceId: ref, status: 'SHIPPED', ...overrides }, shop.keys.STOREFRONT);
      expect(res.order).toBeNull();
      expect(res.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_INPUT', field })]);
      expect(stack.sim.received.length).toBe(received);
      const after = await readOrder(stack.t, ref, shop.keys.STOREFRONT);
      expect(after.status).toBe('PENDING');
      expect(after.events).toEqual(before.events);
    });

    it('an unknown referenceId is ORDER_NOT_FOUND', async () => {
      const res = await updateStatus(stack.t, { referenceId: 'NO-SUCH-ORDER', status: 'SHIPPED' }, shop.keys.STOREFRONT);
      expect(res).toEqual({ order: null, userErrors: [expect.objectContaining({ code: 'ORDER_NOT_FOUND', field: ['input', 'referenceId'] })] });
    });
  });

  describe('tenancy and roles', () => {
    it("another business's key gets ORDER_NOT_FOUND and changes nothing", async () => {
      await newOrder('TEN-1');
      const received = stack.sim.received.length;
      for (const key of [other.keys.STOREFRONT, other.keys.OPS]) {
        const res = await updateStatus(stack.t, { referenceId: 'TEN-1', status: 'SHIPPED' }, key);
        expect(res).toEqual({ order: null, userErrors: [expect.objectContaining({ code: 'ORDER_NOT_FOUND' })] });
      }
      expect(stack.sim.received.length).toBe(received);
      expect((await readOrder(stack.t, 'TEN-1', shop.keys.STOREFRONT)).status).toBe('PENDING');
    });

    it('a MOBILE key may not change a status; the operator may', async () => {
      const res = await stack.t.gql(`mutation { updateOrderStatus(input: { referenceId: "TEN-1", status: SHIPPED }) { order { status } } }`, {}, shop.keys.MOBILE);
      expect(res.errors?.[0].extensions?.code).toBe('FORBIDDEN');
      const admin = dataOf(await stack.t.gql(`mutation { updateOrderStatus(input: { referenceId: "TEN-1", status: SHIPPED }) { order { status } userErrors { code } } }`));
      expect(admin.updateOrderStatus).toEqual({ order: { status: 'SHIPPED' }, userErrors: [] });
    });
  });
});
