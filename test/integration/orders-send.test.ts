// sendOrderDetails end to end: a real gateway on a real port, the WhatsApp simulator over real
// HTTP, and the exact bytes WhatsApp receives compared with the wire samples in test/fixtures/wire.
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createBusiness, type TestBusiness } from '../helpers/fixtures';
import { dataOf } from '../helpers/gateway';
import {
  addSampleConfiguration,
  eventTrail,
  expectedOrderDetailsWire,
  expiryAhead,
  messageCalls,
  readOrder,
  SAMPLE_REFERENCE,
  sampleOrderInput,
  sendOrder,
} from '../helpers/orders';
import { eventually, orderInput, startTestStack, type TestStack } from '../helpers/stack';

// fixed for the whole file: a resend must carry the same content to count as the same order
const SAMPLE_EXPIRES_AT = expiryAhead(3600);
const ALL_NEXT = ['PROCESSING', 'PARTIALLY_SHIPPED', 'SHIPPED', 'COMPLETED', 'CANCELED'];

describe('sendOrderDetails (real server, simulator over HTTP)', () => {
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

  const orderCount = async (key = shop.keys.STOREFRONT) =>
    dataOf(await stack.t.gql(`{ orders(first: 100) { edges { node { referenceId } } } }`, {}, key)).orders.edges.length;

  describe('the wire sample', () => {
    const expiresAt = SAMPLE_EXPIRES_AT;

    it('sends exactly wire/order_details.request.json (key order included) and stores the order, its NEW payment and an accepted message', async () => {
      const before = stack.sim.received.length;
      const res = await sendOrder(stack.t, sampleOrderInput(shop, expiresAt), shop.keys.STOREFRONT);
      expect(res.userErrors).toEqual([]);

      // what WhatsApp received: one POST, on the Cloud API path of the sending number, the sample's bytes
      const calls = stack.sim.received.slice(before);
      expect(calls).toHaveLength(1);
      expect(calls[0].method).toBe('POST');
      expect(calls[0].path).toBe(`/${stack.sim.apiVersion}/${shop.phoneNumberId}/messages`);
      expect(calls[0].headers['content-type']).toBe('application/json');
      expect(calls[0].headers.authorization).toBe('Bearer [redacted]');
      expect(calls[0].status).toBe(200);
      const expected = expectedOrderDetailsWire(expiresAt);
      expect(calls[0].body).toEqual(expected);
      expect(JSON.stringify(calls[0].body)).toBe(JSON.stringify(expected));

      const accepted = stack.sim.acceptedMessages(SAMPLE_REFERENCE);
      expect(accepted).toHaveLength(1);
      expect(accepted[0].kind).toBe('order_details');

      const order = res.order;
      expect(order).toMatchObject({
        referenceId: SAMPLE_REFERENCE,
        status: 'PENDING',
        statusDescription: null,
        to: '919876543210',
        type: 'PHYSICAL_GOODS',
        paymentConfiguration: 'prod-razorpay',
        gateway: 'RAZORPAY',
        phoneNumberId: shop.phoneNumberId,
        allowedTransitions: ALL_NEXT,
        subtotal: { value: 45000 },
        tax: { value: 8100 },
        shipping: { value: 4000 },
        discount: { value: 5100 },
        total: { value: 52000, offset: 100, currency: 'INR', formatted: '520.00' },
        business: { name: 'Stack Shop' },
      });
      expect(order.items).toEqual([
        {
          retailerId: 'SKU-1',
          name: 'Cotton T-shirt',
          quantity: 2,
          amount: { value: 25000, offset: 100, currency: 'INR', formatted: '250.00' },
          saleAmount: { value: 22500 },
          total: { value: 45000, formatted: '450.00' },
        },
      ]);
      expect(order.message).toMatchObject({ kind: 'ORDER_DETAILS', status: 'ACCEPTED', wamid: accepted[0].wamid, attempts: 1, errorCode: null, errorMessage: null });
      expect(order.messages).toEqual([{ kind: 'ORDER_DETAILS', status: 'ACCEPTED', wamid: accepted[0].wamid, attempts: 1, errorCode: null }]);
      expect(order.payment).toEqual({ referenceId: SAMPLE_REFERENCE, status: 'NEW', verified: false, verifiedAt: null, amount: null, transactions: [] });
      expect(eventTrail(order)).toEqual(['ORDER_CREATED API ->PENDING', 'MESSAGE_STATUS_CHANGED API QUEUED>ACCEPTED']);
      expect(order.events[1].detail).toBe('ORDER_DETAILS');

      // the same order reads back from the store
      const read = await readOrder(stack.t, SAMPLE_REFERENCE, shop.keys.MOBILE);
      expect(read).toMatchObject({ id: order.id, status: 'PENDING', message: { wamid: accepted[0].wamid, status: 'ACCEPTED' } });
      expect(new Date(read.expiresAt).getTime()).toBe(expiresAt.getTime());
    });

    it('sending the same referenceId with the same content again returns the stored order and sends nothing', async () => {
      const first = await readOrder(stack.t, SAMPLE_REFERENCE, shop.keys.STOREFRONT);
      const before = stack.sim.received.length;
      const again = await sendOrder(stack.t, sampleOrderInput(shop, expiresAt), shop.keys.STOREFRONT);
      expect(again.userErrors).toEqual([]);
      expect(again.order.id).toBe(first.id);
      expect(again.order.message.wamid).toBe(first.message.wamid);
      expect(again.order.events).toEqual(first.events);
      expect(stack.sim.received.length).toBe(before);
      expect(stack.sim.acceptedMessages(SAMPLE_REFERENCE)).toHaveLength(1);
    });

    it('an identical resend once the expiry is too close for a new order still returns the stored order, and sends nothing', async () => {
      // sent 301 s before it expires: valid then; a few seconds later the same order could not be sent new
      const ref = `NEAR-${Math.random().toString(36).slice(2, 8)}`;
      const expiresAt = Date.now() + 301_000;
      const input = orderInput(shop, { referenceId: ref, expiresAt: new Date(expiresAt).toISOString() });
      const first = await sendOrder(stack.t, input, shop.keys.STOREFRONT);
      expect(first.userErrors).toEqual([]);
      await eventually(async () => expect(Date.now()).toBeGreaterThan(expiresAt - 299_000), 5000);
      const fresh = await sendOrder(stack.t, { ...input, referenceId: `${ref}-NEW` }, shop.keys.STOREFRONT);
      expect(fresh.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_INPUT', field: ['input', 'expiresAt'] })]);
      const before = stack.sim.received.length;
      const again = await sendOrder(stack.t, input, shop.keys.STOREFRONT);
      expect(again.userErrors).toEqual([]);
      expect(again.order.id).toBe(first.order.id);
      expect(stack.sim.received.length).toBe(before);
      expect(stack.sim.acceptedMessages(ref)).toHaveLength(1);
      // other content under that referenceId is still refused for what it is
      const changed = await sendOrder(stack.t, { ...input, body: 'Another body' }, shop.keys.STOREFRONT);
      expect(changed.userErrors).toEqual([expect.objectContaining({ field: ['input', 'expiresAt'] })]);
      expect(changed.order).toBeNull();
    });

    it('the same referenceId with other content is DUPLICATE_REFERENCE_ID, and nothing is sent or changed', async () => {
      const before = stack.sim.received.length;
      const res = await sendOrder(stack.t, { ...sampleOrderInput(shop, expiresAt), body: 'Another body' }, shop.keys.STOREFRONT);
      expect(res.order).toBeNull();
      expect(res.userErrors).toEqual([
        expect.objectContaining({ code: 'DUPLICATE_REFERENCE_ID', field: ['input', 'referenceId'], whatsappCode: null }),
      ]);
      expect(res.userErrors[0].message).toMatch(/use a new referenceId/);
      expect(stack.sim.received.length).toBe(before);
      const stored = await readOrder(stack.t, SAMPLE_REFERENCE, shop.keys.STOREFRONT);
      expect(stored.events).toHaveLength(2);
    });

    it('sends the sample without an expiration when expiresAt is left out', async () => {
      const before = stack.sim.received.length;
      const res = await sendOrder(stack.t, { ...sampleOrderInput(shop, null), referenceId: 'A1001-2' }, shop.keys.STOREFRONT);
      expect(res.userErrors).toEqual([]);
      const calls = stack.sim.received.slice(before);
      expect(calls).toHaveLength(1);
      const expected = expectedOrderDetailsWire(null) as any;
      expected.interactive.action.parameters.reference_id = 'A1001-2';
      expect(JSON.stringify(calls[0].body)).toBe(JSON.stringify(expected));
      expect(res.order.message.status).toBe('ACCEPTED');
    });
  });

  it('sends a catalog order with a header image and no charges with only the keys that apply (tax 0: WhatsApp requires it)', async () => {
    const input = orderInput(shop, {
      referenceId: 'CAT-1',
      type: 'DIGITAL_GOODS',
      catalogId: 'CAT-9',
      headerImageUrl: 'https://cdn.example.com/order.png',
      footer: null,
      items: [{ retailerId: 'EB-1', name: 'Ebook', amount: { value: 19900 }, quantity: 1 }],
      tax: null,
      shipping: null,
      discount: null,
    });
    const before = stack.sim.received.length;
    const res = await sendOrder(stack.t, input, shop.keys.STOREFRONT);
    expect(res.userErrors).toEqual([]);
    const [call] = stack.sim.received.slice(before);
    expect(JSON.stringify(call.body)).toBe(
      JSON.stringify({
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: '919876543210',
        type: 'interactive',
        interactive: {
          type: 'order_details',
          header: { type: 'image', image: { link: 'https://cdn.example.com/order.png' } },
          body: { text: 'Your order is ready. Tap Review and Pay.' },
          action: {
            name: 'review_and_pay',
            parameters: {
              reference_id: 'CAT-1',
              type: 'digital-goods',
              payment_settings: [{ type: 'payment_gateway', payment_gateway: { type: 'razorpay', configuration_name: shop.paymentConfiguration } }],
              currency: 'INR',
              total_amount: { value: 19900, offset: 100 },
              order: {
                status: 'pending',
                catalog_id: 'CAT-9',
                items: [{ retailer_id: 'EB-1', name: 'Ebook', amount: { value: 19900, offset: 100 }, quantity: 1 }],
                subtotal: { value: 19900, offset: 100 },
                tax: { value: 0, offset: 100 },
              },
            },
          },
        },
      }),
    );
    expect(res.order).toMatchObject({ type: 'DIGITAL_GOODS', tax: null, shipping: null, discount: null, total: { value: 19900 } });
  });

  it('sends through 360dialog: POST /messages with the D360-API-KEY header and the same wire payload', async () => {
    const d360 = await createBusiness(stack.t, { name: '360 Shop', provider: 'DIALOG360' });
    const before = stack.sim.received.length;
    const input = orderInput(d360, { referenceId: 'D360-1' });
    const res = await sendOrder(stack.t, input, d360.keys.STOREFRONT);
    expect(res.userErrors).toEqual([]);
    expect(res.order.message).toMatchObject({ status: 'ACCEPTED', attempts: 1 });
    const [call] = stack.sim.received.slice(before);
    expect(call.path).toBe('/messages');
    expect(call.headers['d360-api-key']).toBe('[redacted]');
    expect(call.headers.authorization).toBeUndefined();
    expect((call.body as any).interactive.action.parameters).toMatchObject({
      reference_id: 'D360-1',
      payment_settings: [{ type: 'payment_gateway', payment_gateway: { type: 'razorpay', configuration_name: d360.paymentConfiguration } }],
      total_amount: { value: 52000, offset: 100 },
    });
    expect(stack.sim.acceptedMessages('D360-1')[0].provider).toBe('DIALOG360');
  });

  it('never fetches the header image URL itself (no SSRF): WhatsApp gets the link, the host sees no connection', async () => {
    const sockets: Socket[] = [];
    const server: Server = createServer((s) => {
      sockets.push(s);
      s.destroy();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      const link = `https://127.0.0.1:${port}/internal/admin.png`;
      const res = await sendOrder(stack.t, orderInput(shop, { headerImageUrl: link }), shop.keys.STOREFRONT);
      expect(res.userErrors).toEqual([]);
      expect((stack.sim.acceptedMessages(res.order.referenceId)[0].payload as any).interactive.header.image.link).toBe(link);
      // give a stray background fetch the chance to show up before checking
      await new Promise((r) => setTimeout(r, 100));
      expect(sockets).toHaveLength(0);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  describe('domain validation: a clear userError, nothing stored, nothing sent', () => {
    const cases: Array<[string, Record<string, unknown>, { code: string; field: string[] }]> = [
      ['a referenceId with a forbidden character', { referenceId: 'A1001/1' }, { code: 'INVALID_INPUT', field: ['input', 'referenceId'] }],
      ['a referenceId longer than 35', { referenceId: 'R'.repeat(36) }, { code: 'INVALID_INPUT', field: ['input', 'referenceId'] }],
      ['a "to" with a plus sign', { to: '+919876543210' }, { code: 'INVALID_INPUT', field: ['input', 'to'] }],
      ['a body over 1024 characters', { body: 'b'.repeat(1025) }, { code: 'INVALID_INPUT', field: ['input', 'body'] }],
      ['a footer over 60 characters', { footer: 'f'.repeat(61) }, { code: 'INVALID_INPUT', field: ['input', 'footer'] }],
      ['an http header image', { headerImageUrl: 'http://cdn.example.com/a.png' }, { code: 'INVALID_INPUT', field: ['input', 'headerImageUrl'] }],
      ['no items', { items: [] }, { code: 'INVALID_INPUT', field: ['input', 'items'] }],
      [
        'an item name over 60 characters',
        { items: [{ ...(orderInput({} as TestBusiness).items as any[])[0], name: 'n'.repeat(61) }] },
        { code: 'INVALID_INPUT', field: ['input', 'items', '0', 'name'] },
      ],
      [
        'a zero quantity',
        { items: [{ ...(orderInput({} as TestBusiness).items as any[])[0], quantity: 0 }] },
        { code: 'INVALID_INPUT', field: ['input', 'items', '0', 'quantity'] },
      ],
      [
        'a negative amount',
        { items: [{ ...(orderInput({} as TestBusiness).items as any[])[0], amount: { value: -1, offset: 100 } }] },
        { code: 'INVALID_INPUT', field: ['input', 'items', '0', 'amount', 'value'] },
      ],
      ['an offset other than 100', { tax: { value: 81, offset: 1 } }, { code: 'INVALID_INPUT', field: ['input', 'tax', 'offset'] }],
      [
        'a sale amount not below the amount',
        { items: [{ ...(orderInput({} as TestBusiness).items as any[])[0], saleAmount: { value: 25000, offset: 100 } }] },
        { code: 'INVALID_INPUT', field: ['input', 'items', '0', 'saleAmount', 'value'] },
      ],
      [
        'no catalogId and no country of origin',
        { items: [{ ...(orderInput({} as TestBusiness).items as any[])[0], countryOfOrigin: null }] },
        { code: 'INVALID_INPUT', field: ['input', 'items', '0', 'countryOfOrigin'] },
      ],
      ['a tax description over 60 characters', { tax: { value: 8100, description: 'd'.repeat(61) } }, { code: 'INVALID_INPUT', field: ['input', 'tax', 'description'] }],
      [
        'an expiration description over 120 characters',
        { expiresAt: new Date(Date.now() + 3600_000).toISOString(), expirationDescription: 'e'.repeat(121) },
        { code: 'INVALID_INPUT', field: ['input', 'expirationDescription'] },
      ],
      ['an expiry less than 300 s ahead', { expiresAt: new Date(Date.now() + 299_000).toISOString() }, { code: 'INVALID_INPUT', field: ['input', 'expiresAt'] }],
      [
        'a retailerId over 100 characters',
        { items: [{ ...(orderInput({} as TestBusiness).items as any[])[0], retailerId: 'r'.repeat(101) }] },
        { code: 'INVALID_INPUT', field: ['input', 'items', '0', 'retailerId'] },
      ],
      [
        'a quantity over a million',
        { items: [{ ...(orderInput({} as TestBusiness).items as any[])[0], quantity: 1_000_001 }] },
        { code: 'INVALID_INPUT', field: ['input', 'items', '0', 'quantity'] },
      ],
      [
        'an item total above the largest amount WhatsApp accepts',
        { items: [{ ...(orderInput({} as TestBusiness).items as any[])[0], quantity: 100_000 }] },
        { code: 'INVALID_INPUT', field: ['input', 'items', '0', 'quantity'] },
      ],
      ['more than 999 items', { catalogId: 'CAT-1', items: Array.from({ length: 1000 }, (_, i) => ({ retailerId: `S-${i}`, name: 'x', amount: { value: 1 }, quantity: 1 })) }, { code: 'INVALID_INPUT', field: ['input', 'items'] }],
      [
        'an importer country code that is not 2 letters',
        { items: [{ ...(orderInput({} as TestBusiness).items as any[])[0], importerAddress: { addressLine1: '1 Rd', city: 'Pune', postalCode: '411001', countryCode: 'IND' } }] },
        { code: 'INVALID_INPUT', field: ['input', 'items', '0', 'importerAddress', 'countryCode'] },
      ],
      ['a blank catalogId', { catalogId: '  ' }, { code: 'INVALID_INPUT', field: ['input', 'catalogId'] }],
      ['a payment configuration name over 60 characters', { paymentConfiguration: 'p'.repeat(61) }, { code: 'INVALID_INPUT', field: ['input', 'paymentConfiguration'] }],
      ['a discount program name over 60 characters', { discount: { value: 5100, programName: 'p'.repeat(61) } }, { code: 'INVALID_INPUT', field: ['input', 'discount', 'programName'] }],
      ['an expiration description without expiresAt', { expirationDescription: 'Pay within 1 hour' }, { code: 'INVALID_INPUT', field: ['input', 'expirationDescription'] }],
      ['a total that does not add up', { total: { value: 52001 } }, { code: 'AMOUNT_MISMATCH', field: ['input', 'total', 'value'] }],
      ['a discount that makes the total negative', { discount: { value: 100000 } }, { code: 'AMOUNT_MISMATCH', field: ['input', 'discount', 'value'] }],
    ];

    it.each(cases)('refuses %s', async (_name, overrides, expected) => {
      const before = stack.sim.received.length;
      const countBefore = await orderCount();
      const referenceId = (overrides.referenceId as string | undefined) ?? `BAD-${Math.random().toString(36).slice(2, 8)}`;
      const res = await sendOrder(stack.t, orderInput(shop, { referenceId, ...overrides }), shop.keys.STOREFRONT);
      expect(res.order).toBeNull();
      expect(res.userErrors).toEqual([expect.objectContaining({ ...expected, whatsappCode: null })]);
      expect(res.userErrors[0].message.length).toBeGreaterThan(10);
      expect(stack.sim.received.length).toBe(before);
      expect(await orderCount()).toBe(countBefore);
      expect(await readOrder(stack.t, referenceId, shop.keys.STOREFRONT)).toBeNull();
    });

    it('reports every problem of an input at once, each with its field', async () => {
      const before = stack.sim.received.length;
      const res = await sendOrder(stack.t, orderInput(shop, { to: '12', body: ' ', footer: 'f'.repeat(61) }), shop.keys.STOREFRONT);
      expect(res.order).toBeNull();
      expect(res.userErrors.map((e) => e.field!.join('.'))).toEqual(['input.to', 'input.body', 'input.footer']);
      expect(stack.sim.received.length).toBe(before);
    });
  });

  describe('tenancy: phone number and payment configuration must belong to the caller', () => {
    it("another business's phone number is UNKNOWN_PHONE_NUMBER, like a number that does not exist", async () => {
      const before = stack.sim.received.length;
      for (const phoneNumberId of [other.phoneNumberId, '999999999999']) {
        const res = await sendOrder(stack.t, orderInput(shop, { phoneNumberId, paymentConfiguration: other.paymentConfiguration }), shop.keys.STOREFRONT);
        expect(res.order).toBeNull();
        expect(res.userErrors).toEqual([expect.objectContaining({ code: 'UNKNOWN_PHONE_NUMBER', field: ['input', 'phoneNumberId'] })]);
      }
      expect(stack.sim.received.length).toBe(before);
      expect(await orderCount(other.keys.STOREFRONT)).toBe(0);
    });

    it("another business's payment configuration is UNKNOWN_PAYMENT_CONFIGURATION for a business key (nothing leaks)", async () => {
      const before = stack.sim.received.length;
      const res = await sendOrder(stack.t, orderInput(shop, { paymentConfiguration: other.paymentConfiguration }), shop.keys.STOREFRONT);
      expect(res.order).toBeNull();
      expect(res.userErrors).toEqual([expect.objectContaining({ code: 'UNKNOWN_PAYMENT_CONFIGURATION', field: ['input', 'paymentConfiguration'] })]);
      expect(res.userErrors[0].message).toMatch(/addPaymentConfiguration/);
      expect(stack.sim.received.length).toBe(before);
    });

    it('the operator is told PAYMENT_CONFIGURATION_NOT_IN_BUSINESS when the configuration belongs to another business', async () => {
      const before = stack.sim.received.length;
      const res = await sendOrder(stack.t, orderInput(shop, { paymentConfiguration: other.paymentConfiguration }));
      expect(res.order).toBeNull();
      expect(res.userErrors).toEqual([expect.objectContaining({ code: 'PAYMENT_CONFIGURATION_NOT_IN_BUSINESS', field: ['input', 'paymentConfiguration'] })]);
      const unknown = await sendOrder(stack.t, orderInput(shop, { paymentConfiguration: 'does-not-exist' }));
      expect(unknown.userErrors).toEqual([expect.objectContaining({ code: 'UNKNOWN_PAYMENT_CONFIGURATION' })]);
      expect(stack.sim.received.length).toBe(before);
    });

    it('MOBILE and OPS keys may not send orders', async () => {
      for (const key of [shop.keys.MOBILE, shop.keys.OPS]) {
        const res = await stack.t.gql(`mutation($input: SendOrderDetailsInput!) { sendOrderDetails(input: $input) { order { id } } }`, { input: orderInput(shop) }, key);
        expect(res.errors?.[0].extensions?.code).toBe('FORBIDDEN');
      }
    });

    it('referenceIds are unique per business, not globally: another business may use the same one with other content', async () => {
      // (the simulator keeps one order per reference_id across senders, so the other shop changes
      // only what lies outside the order parameters: the body and the sending number)
      await addSampleConfiguration(stack.t, other);
      const res = await sendOrder(stack.t, { ...sampleOrderInput(other, SAMPLE_EXPIRES_AT), body: "Other shop's order A1001-1" }, other.keys.STOREFRONT);
      expect(res.userErrors).toEqual([]);
      expect(res.order).toMatchObject({ referenceId: SAMPLE_REFERENCE, phoneNumberId: other.phoneNumberId, business: { name: 'Other Shop' }, message: { status: 'ACCEPTED' } });

      const mine = await readOrder(stack.t, SAMPLE_REFERENCE, shop.keys.STOREFRONT);
      const theirs = await readOrder(stack.t, SAMPLE_REFERENCE, other.keys.STOREFRONT);
      expect(mine.id).not.toBe(theirs.id);
      expect(mine.phoneNumberId).toBe(shop.phoneNumberId);
      expect(theirs.phoneNumberId).toBe(other.phoneNumberId);
      expect(theirs.events).toHaveLength(2);
      // the operator has to say which business it means
      expect(await readOrder(stack.t, SAMPLE_REFERENCE)).toBeNull();
      expect((await readOrder(stack.t, SAMPLE_REFERENCE, undefined, other.id)).id).toBe(theirs.id);
      const sentFromOther = messageCalls(stack.sim, SAMPLE_REFERENCE).filter((c) => c.path.includes(other.phoneNumberId));
      expect(sentFromOther).toHaveLength(1);
      // and a change by reference alone is ambiguous for the operator
      const ambiguous = dataOf(
        await stack.t.gql(`mutation { updateOrderStatus(input: { referenceId: "${SAMPLE_REFERENCE}", status: SHIPPED }) { order { id } userErrors { code field message } } }`),
      ).updateOrderStatus;
      expect(ambiguous).toEqual({ order: null, userErrors: [expect.objectContaining({ code: 'INVALID_INPUT', field: ['input', 'referenceId'] })] });
      expect(ambiguous.userErrors[0].message).toMatch(/Several businesses have an order A1001-1/);
    });
  });
});
