// order_details, completely: beneficiaries, the PG fields of the order's own gateway (kept on the
// order, echoed back by WhatsApp), tax always sent, web checkout only above INR 5,00,000, and
// retailer_id optional. Over real HTTP against the simulator, which validates the same wire.
import { OrderEntity } from '../../src/db/entities';
import type { TestBusiness } from '../helpers/fixtures';
import { dataOf } from '../helpers/gateway';
import { messageCalls, sendOrder } from '../helpers/orders';
import { eventually, orderInput, startTestStack, type TestStack } from '../helpers/stack';
import { connectSimulator } from '../helpers/webhooks';

const FIELDS = `query($ref: String!) { order(referenceId: $ref) {
  referenceId total { value }
  items { retailerId name }
  beneficiaries { name addressLine1 addressLine2 city state country postalCode }
  gatewayFields { notes { key value } receipt udf additionalInfo extra }
  payment { status verified }
} }`;

const ASHA = { name: 'Asha Rao', addressLine1: 'Flat 4, Tower B, 12 MG Road', addressLine2: 'Near the metro', city: 'Bengaluru', state: 'Karnataka', postalCode: '560001' };
const RAVI = { name: 'Ravi Kumar', addressLine1: '4 Park Street', city: 'Kolkata', state: 'West Bengal', country: 'India', postalCode: '700016' };

describe('order_details, completely (real server, simulator over HTTP)', () => {
  let stack: TestStack;
  let shop: TestBusiness;

  beforeAll(async () => {
    stack = await startTestStack();
    shop = stack.shop;
    connectSimulator(stack);
    for (const [name, gateway] of [['payu-main', 'PAYU'], ['billdesk-main', 'BILLDESK'], ['zaakpay-main', 'ZAAKPAY']]) {
      const added = dataOf(
        await stack.t.gql(`mutation($input: AddPaymentConfigurationInput!) { addPaymentConfiguration(input: $input) { userErrors { code } } }`, {
          input: { businessId: shop.id, name, gateway },
        }),
      ).addPaymentConfiguration;
      expect(added.userErrors).toEqual([]);
    }
  });
  afterAll(() => stack.stop());

  const read = async (ref: string) => dataOf(await stack.t.gql(FIELDS, { ref }, shop.keys.OPS)).order;
  const sent = (ref: string) => messageCalls(stack.sim, ref).map((r) => (r.body as any).interactive.action.parameters);
  const send = async (overrides: Record<string, unknown>) => {
    const res = await sendOrder(stack.t, orderInput(shop, overrides), shop.keys.STOREFRONT);
    return res;
  };

  it('beneficiaries and Razorpay notes/receipt go on the wire, are kept on the order, and WhatsApp echoes them back', async () => {
    const res = await send({
      referenceId: 'F-RZP',
      beneficiaries: [ASHA, RAVI],
      gatewayFields: { receipt: 'rcpt-F-RZP', notes: [{ key: 'crm', value: 'C-77' }, { key: 'channel', value: 'whatsapp' }] },
    });
    expect(res.userErrors).toEqual([]);
    const [p] = sent('F-RZP');
    expect(Object.keys(p)).toEqual(['reference_id', 'type', 'beneficiaries', 'payment_settings', 'currency', 'total_amount', 'order']);
    expect(JSON.stringify(p.beneficiaries)).toBe(
      JSON.stringify([
        { name: 'Asha Rao', address_line1: 'Flat 4, Tower B, 12 MG Road', address_line2: 'Near the metro', city: 'Bengaluru', state: 'Karnataka', country: 'India', postal_code: '560001' },
        { name: 'Ravi Kumar', address_line1: '4 Park Street', city: 'Kolkata', state: 'West Bengal', country: 'India', postal_code: '700016' },
      ]),
    );
    expect(JSON.stringify(p.payment_settings)).toBe(
      JSON.stringify([
        {
          type: 'payment_gateway',
          payment_gateway: { type: 'razorpay', configuration_name: shop.paymentConfiguration, razorpay: { receipt: 'rcpt-F-RZP', notes: { crm: 'C-77', channel: 'whatsapp' } } },
        },
      ]),
    );
    const order = await read('F-RZP');
    expect(order.beneficiaries).toEqual([{ ...ASHA, country: 'India' }, { ...RAVI, addressLine2: null }]);
    expect(order.gatewayFields).toEqual({
      notes: [
        { key: 'crm', value: 'C-77' },
        { key: 'channel', value: 'whatsapp' },
      ],
      receipt: 'rcpt-F-RZP',
      udf: [],
      additionalInfo: [],
      extra: [],
    });

    // WhatsApp echoes the PG fields in the payment webhook and the lookup; the gateway reads on
    const paid = await stack.sim.pay('F-RZP', 'captured');
    expect(paid.payment).toMatchObject({ receipt: 'rcpt-F-RZP', notes: { crm: 'C-77', channel: 'whatsapp' } });
    expect((paid.webhook!.body as any).entry[0].changes[0].value.statuses[0].payment).toMatchObject({ receipt: 'rcpt-F-RZP', notes: { crm: 'C-77' } });
    await eventually(async () => expect((await read('F-RZP')).payment).toEqual({ status: 'CAPTURED', verified: true }));
  });

  it.each([
    ['payu-main', { udf: ['crm-77', '', 'batch-3'] }, 'payu', { udf1: 'crm-77', udf3: 'batch-3' }, { udf: ['crm-77', '', 'batch-3'] }],
    ['billdesk-main', { additionalInfo: ['a1', 'a2'] }, 'billdesk', { additional_info1: 'a1', additional_info2: 'a2' }, { additionalInfo: ['a1', 'a2'] }],
    ['zaakpay-main', { extra: ['x1', 'x2'] }, 'zaakpay', { extra1: 'x1', extra2: 'x2' }, { extra: ['x1', 'x2'] }],
  ])('%s: its own PG fields under payment_gateway.<gateway>', async (configuration, fields, wireGateway, onWire, kept) => {
    const ref = `F-${wireGateway}`;
    expect((await send({ referenceId: ref, paymentConfiguration: configuration, gatewayFields: fields })).userErrors).toEqual([]);
    expect(sent(ref)[0].payment_settings[0].payment_gateway).toEqual({ type: wireGateway, configuration_name: configuration, [wireGateway]: onWire });
    expect((await read(ref)).gatewayFields).toEqual({ notes: [], receipt: null, udf: [], additionalInfo: [], extra: [], ...kept });
    const paid = await stack.sim.pay(ref, 'pending', { webhook: false });
    expect(paid.payment).toMatchObject(onWire);
  });

  it("a PG field of another gateway is INVALID_INPUT naming it; nothing is stored or sent", async () => {
    const before = messageCalls(stack.sim).length;
    const res = await send({ referenceId: 'F-WRONG', gatewayFields: { receipt: 'r-1', udf: ['u'] } });
    expect(res.order).toBeNull();
    expect(res.userErrors).toEqual([
      {
        code: 'INVALID_INPUT',
        field: ['input', 'gatewayFields', 'udf'],
        whatsappCode: null,
        message: "gatewayFields.udf is a PAYU field, but the order's payment configuration uses RAZORPAY: leave it out (RAZORPAY takes notes and receipt)",
      },
    ]);
    const tooLong = await send({ referenceId: 'F-WRONG', paymentConfiguration: 'payu-main', gatewayFields: { udf: ['1', '2', '3', '4', '5'] } });
    expect(tooLong.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_INPUT', field: ['input', 'gatewayFields', 'udf'] })]);
    expect(messageCalls(stack.sim).length).toBe(before);
    expect(await stack.t.gateway.db.manager.countBy(OrderEntity, { referenceId: 'F-WRONG' })).toBe(0);
  });

  it('beneficiaries are validated with field paths; nothing is stored or sent', async () => {
    const before = messageCalls(stack.sim).length;
    const res = await send({ referenceId: 'F-BEN', beneficiaries: [ASHA, { ...RAVI, postalCode: '7000', country: 'Nepal', name: 'x'.repeat(201) }] });
    expect(res.order).toBeNull();
    expect(res.userErrors.map((e) => e.field!.join('.'))).toEqual([
      'input.beneficiaries.1.name',
      'input.beneficiaries.1.country',
      'input.beneficiaries.1.postalCode',
    ]);
    expect(res.userErrors[2].message).toMatch(/6-digit PIN code/);
    expect((await send({ referenceId: 'F-BEN', beneficiaries: [] })).userErrors).toEqual([expect.objectContaining({ field: ['input', 'beneficiaries'] })]);
    expect(messageCalls(stack.sim).length).toBe(before);
  });

  it('tax is always sent (0 when the order has none); retailer_id is optional', async () => {
    const res = await send({
      referenceId: 'F-MIN',
      tax: null,
      shipping: null,
      discount: null,
      items: [{ name: 'Gift card', amount: { value: 50000 }, quantity: 1, countryOfOrigin: 'India', importerName: 'Example', importerAddress: { addressLine1: '1 A', city: 'Pune', postalCode: '411001', countryCode: 'IN' } }],
    });
    expect(res.userErrors).toEqual([]);
    const [p] = sent('F-MIN');
    expect(p.order.tax).toEqual({ value: 0, offset: 100 });
    expect(p.order.items[0]).not.toHaveProperty('retailer_id');
    expect(res.order.tax).toBeNull();
    expect((await read('F-MIN')).items).toEqual([{ retailerId: '', name: 'Gift card' }]);
  });

  it('a total above INR 5,00,000 offers only the web checkout (UPI cannot pay it); up to it, nothing changes', async () => {
    const big = (referenceId: string, value: number) =>
      send({
        referenceId,
        tax: null,
        shipping: null,
        discount: null,
        items: [{ retailerId: 'GOLD-1', name: 'Gold coin', amount: { value }, quantity: 1, countryOfOrigin: 'India', importerName: 'Example', importerAddress: { addressLine1: '1 A', city: 'Pune', postalCode: '411001', countryCode: 'IN' } }],
      });
    const above = await big('F-5L-ABOVE', 50_000_001);
    expect(above.userErrors).toEqual([]);
    expect(above.order.message.status).toBe('ACCEPTED');
    expect(sent('F-5L-ABOVE')[0].payment_settings[0].payment_gateway).toEqual({ type: 'razorpay', configuration_name: shop.paymentConfiguration, enabled_payment_options: ['web'] });
    const at = await big('F-5L-AT', 50_000_000);
    expect(at.userErrors).toEqual([]);
    expect(sent('F-5L-AT')[0].payment_settings[0].payment_gateway).toEqual({ type: 'razorpay', configuration_name: shop.paymentConfiguration });
  });

  it('the same order again (same beneficiaries and PG fields) is a replay; different ones are DUPLICATE_REFERENCE_ID', async () => {
    const input = { referenceId: 'F-AGAIN', beneficiaries: [RAVI], gatewayFields: { receipt: 'r-again' } };
    const first = await send(input);
    const before = messageCalls(stack.sim).length;
    const again = await send(input);
    expect(again.userErrors).toEqual([]);
    expect(again.order.id).toBe(first.order.id);
    expect(messageCalls(stack.sim).length).toBe(before);
    const other = await send({ ...input, gatewayFields: { receipt: 'r-other' } });
    expect(other.userErrors).toEqual([expect.objectContaining({ code: 'DUPLICATE_REFERENCE_ID' })]);
  });
});
