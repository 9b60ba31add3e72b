import type { OrderStatus } from '../../src/domain/types';
import {
  buildOrderDetailsMessage,
  buildOrderStatusMessage,
  type OrderDetailsMessageSource,
} from '../../src/whatsapp/message-builders';
import { wire } from '../fixtures/load-wire';

/** The source the gateway would hold for wire/order_details.request.json, read from that file. */
function sourceFromFixture(): OrderDetailsMessageSource {
  const f = wire('order_details.request.json');
  const p = f.interactive.action.parameters;
  const o = p.order;
  return {
    to: f.to,
    referenceId: p.reference_id,
    type: 'PHYSICAL_GOODS',
    paymentConfiguration: p.payment_settings[0].payment_gateway.configuration_name,
    gateway: 'RAZORPAY',
    body: f.interactive.body.text,
    footer: f.interactive.footer.text,
    currency: 'INR',
    offset: 100,
    items: o.items.map((i: any) => ({
      retailerId: i.retailer_id,
      name: i.name,
      amount: i.amount.value,
      saleAmount: i.sale_amount.value,
      quantity: i.quantity,
      countryOfOrigin: i.country_of_origin,
      importerName: i.importer_name,
      importerAddress: {
        addressLine1: i.importer_address.address_line1,
        city: i.importer_address.city,
        zoneCode: i.importer_address.zone_code,
        postalCode: i.importer_address.postal_code,
        countryCode: i.importer_address.country_code,
      },
    })),
    subtotal: o.subtotal.value,
    total: p.total_amount.value,
    tax: { value: o.tax.value, description: o.tax.description },
    shipping: { value: o.shipping.value, description: o.shipping.description },
    discount: { value: o.discount.value, description: o.discount.description, programName: o.discount.discount_program_name },
    expiresAt: new Date(Number(o.expiration.timestamp) * 1000),
    expirationDescription: o.expiration.description,
  };
}

function minimalSource(): OrderDetailsMessageSource {
  return {
    to: '919876543210',
    referenceId: 'R-1',
    type: 'DIGITAL_GOODS',
    paymentConfiguration: 'cfg',
    gateway: 'PAYU',
    body: 'Pay please',
    catalogId: null,
    footer: null,
    headerImageUrl: undefined,
    currency: 'INR',
    offset: 100,
    items: [{ retailerId: 'S', name: 'Ebook', amount: 1000, saleAmount: null, quantity: 1, countryOfOrigin: null, importerName: null, importerAddress: null }],
    subtotal: 1000,
    total: 1000,
    tax: null,
    shipping: undefined,
    discount: null,
    expiresAt: null,
    expirationDescription: 'ignored without expiresAt',
  };
}

describe('buildOrderDetailsMessage', () => {
  it('reproduces wire/order_details.request.json exactly, key order included', () => {
    const built = buildOrderDetailsMessage(sourceFromFixture());
    const expected = wire('order_details.request.json');
    expect(built).toEqual(expected);
    expect(JSON.stringify(built)).toBe(JSON.stringify(expected));
  });

  it('omits every optional key that is absent (null, undefined or empty); tax is always there (WhatsApp requires it)', () => {
    const built = buildOrderDetailsMessage(minimalSource()) as any;
    expect(Object.keys(built.interactive)).toEqual(['type', 'body', 'action']);
    expect(Object.keys(built.interactive.action.parameters)).toEqual(['reference_id', 'type', 'payment_settings', 'currency', 'total_amount', 'order']);
    const order = built.interactive.action.parameters.order;
    expect(Object.keys(order)).toEqual(['status', 'items', 'subtotal', 'tax']);
    expect(order.tax).toEqual({ value: 0, offset: 100 });
    expect(order.items[0]).toEqual({ retailer_id: 'S', name: 'Ebook', amount: { value: 1000, offset: 100 }, quantity: 1 });
    expect(built.interactive.action.parameters.payment_settings).toEqual([{ type: 'payment_gateway', payment_gateway: { type: 'payu', configuration_name: 'cfg' } }]);
    expect(JSON.stringify(built)).not.toContain('null');
  });

  it('leaves retailer_id out of an item that has none (optional in WhatsApp)', () => {
    const src = minimalSource();
    src.items[0].retailerId = null;
    const item = (buildOrderDetailsMessage(src) as any).interactive.action.parameters.order.items[0];
    expect(JSON.stringify(item)).toBe(JSON.stringify({ name: 'Ebook', amount: { value: 1000, offset: 100 }, quantity: 1 }));
  });

  it('sends beneficiaries after the goods type, in snake_case, address_line2 only when given', () => {
    const built = buildOrderDetailsMessage({
      ...sourceFromFixture(),
      beneficiaries: [
        { name: 'Asha Rao', addressLine1: '12 MG Road', addressLine2: 'Near the metro', city: 'Bengaluru', state: 'Karnataka', country: 'India', postalCode: '560001' },
        { name: 'Ravi', addressLine1: '4 Park St', addressLine2: null, city: 'Kolkata', state: 'West Bengal', country: 'India', postalCode: '700016' },
      ],
    }) as any;
    const p = built.interactive.action.parameters;
    expect(Object.keys(p)).toEqual(['reference_id', 'type', 'beneficiaries', 'payment_settings', 'currency', 'total_amount', 'order']);
    expect(JSON.stringify(p.beneficiaries)).toBe(
      JSON.stringify([
        { name: 'Asha Rao', address_line1: '12 MG Road', address_line2: 'Near the metro', city: 'Bengaluru', state: 'Karnataka', country: 'India', postal_code: '560001' },
        { name: 'Ravi', address_line1: '4 Park St', city: 'Kolkata', state: 'West Bengal', country: 'India', postal_code: '700016' },
      ]),
    );
  });

  it("puts the PG fields under payment_gateway.<gateway>, each gateway its own", () => {
    const gatewayOf = (src: Partial<OrderDetailsMessageSource>) =>
      (buildOrderDetailsMessage({ ...minimalSource(), ...src }) as any).interactive.action.parameters.payment_settings[0].payment_gateway;
    expect(
      JSON.stringify(gatewayOf({ gateway: 'RAZORPAY', gatewayFields: { receipt: 'rcpt-A1001', notes: [{ key: 'crm', value: 'C-77' }, { key: 'promo', value: '' }] } })),
    ).toBe(JSON.stringify({ type: 'razorpay', configuration_name: 'cfg', razorpay: { receipt: 'rcpt-A1001', notes: { crm: 'C-77', promo: '' } } }));
    expect(gatewayOf({ gateway: 'PAYU', gatewayFields: { udf: ['a', '', 'c'] } })).toEqual({ type: 'payu', configuration_name: 'cfg', payu: { udf1: 'a', udf3: 'c' } });
    expect(gatewayOf({ gateway: 'BILLDESK', gatewayFields: { additionalInfo: ['1', '2', '3', '4', '5', '6', '7'] } }).billdesk).toEqual({
      additional_info1: '1',
      additional_info2: '2',
      additional_info3: '3',
      additional_info4: '4',
      additional_info5: '5',
      additional_info6: '6',
      additional_info7: '7',
    });
    expect(gatewayOf({ gateway: 'ZAAKPAY', gatewayFields: { extra: ['x', 'y'] } }).zaakpay).toEqual({ extra1: 'x', extra2: 'y' });
    // nothing to send: no key at all
    expect(gatewayOf({ gateway: 'PAYU', gatewayFields: { udf: ['', ''] } })).toEqual({ type: 'payu', configuration_name: 'cfg' });
  });

  it('offers only the web checkout (enabled_payment_options ["web"]) for totals above INR 5,00,000', () => {
    const gatewayOf = (total: number) =>
      (buildOrderDetailsMessage({ ...minimalSource(), total, subtotal: total, items: [{ ...minimalSource().items[0], amount: total }] }) as any).interactive.action.parameters
        .payment_settings[0].payment_gateway;
    expect(gatewayOf(50_000_000)).toEqual({ type: 'payu', configuration_name: 'cfg' });
    expect(JSON.stringify(gatewayOf(50_000_001))).toBe(JSON.stringify({ type: 'payu', configuration_name: 'cfg', enabled_payment_options: ['web'] }));
    const withFields = buildOrderDetailsMessage({ ...minimalSource(), gateway: 'RAZORPAY', total: 60_000_000, gatewayFields: { receipt: 'r' } }) as any;
    expect(Object.keys(withFields.interactive.action.parameters.payment_settings[0].payment_gateway)).toEqual(['type', 'configuration_name', 'razorpay', 'enabled_payment_options']);
  });

  it('maps goods type and every gateway to their wire spelling', () => {
    const p = (src: Partial<OrderDetailsMessageSource>) =>
      (buildOrderDetailsMessage({ ...minimalSource(), ...src }) as any).interactive.action.parameters;
    expect(p({ type: 'DIGITAL_GOODS' }).type).toBe('digital-goods');
    expect(p({ type: 'PHYSICAL_GOODS' }).type).toBe('physical-goods');
    expect(p({ gateway: 'RAZORPAY' }).payment_settings[0].payment_gateway.type).toBe('razorpay');
    expect(p({ gateway: 'PAYU' }).payment_settings[0].payment_gateway.type).toBe('payu');
    expect(p({ gateway: 'BILLDESK' }).payment_settings[0].payment_gateway.type).toBe('billdesk');
    expect(p({ gateway: 'ZAAKPAY' }).payment_settings).toEqual([
      { type: 'payment_gateway', payment_gateway: { type: 'zaakpay', configuration_name: 'cfg' } },
    ]);
  });

  it('puts the header image before the body and the catalog id in the order', () => {
    const built = buildOrderDetailsMessage({
      ...sourceFromFixture(),
      headerImageUrl: 'https://cdn.example.com/a.png',
      catalogId: 'CAT-9',
    }) as any;
    expect(Object.keys(built.interactive)).toEqual(['type', 'header', 'body', 'footer', 'action']);
    expect(built.interactive.header).toEqual({ type: 'image', image: { link: 'https://cdn.example.com/a.png' } });
    const order = built.interactive.action.parameters.order;
    expect(Object.keys(order)).toEqual(['status', 'catalog_id', 'expiration', 'items', 'subtotal', 'tax', 'shipping', 'discount']);
    expect(order.catalog_id).toBe('CAT-9');
  });

  it('writes the expiration as whole epoch seconds in a string, description only when given', () => {
    const built = buildOrderDetailsMessage({
      ...minimalSource(),
      expiresAt: new Date(1767225600999),
      expirationDescription: null,
    }) as any;
    expect(built.interactive.action.parameters.order.expiration).toEqual({ timestamp: '1767225600' });
  });

  it('writes an importer address in snake_case with optional lines only when present', () => {
    const src = sourceFromFixture();
    src.items[0].importerAddress = {
      addressLine1: '1 A St',
      addressLine2: 'Floor 2',
      city: 'Pune',
      zoneCode: null,
      postalCode: '411001',
      countryCode: 'IN',
    };
    const item = (buildOrderDetailsMessage(src) as any).interactive.action.parameters.order.items[0];
    expect(JSON.stringify(item.importer_address)).toBe(
      JSON.stringify({ address_line1: '1 A St', address_line2: 'Floor 2', city: 'Pune', postal_code: '411001', country_code: 'IN' }),
    );
  });

  it('keeps charges with a zero value and drops only their absent descriptions', () => {
    const built = buildOrderDetailsMessage({ ...minimalSource(), tax: { value: 0 }, discount: { value: 0, programName: 'P' } }) as any;
    const order = built.interactive.action.parameters.order;
    expect(order.tax).toEqual({ value: 0, offset: 100 });
    expect(order.discount).toEqual({ value: 0, offset: 100, discount_program_name: 'P' });
  });
});

describe('buildOrderStatusMessage', () => {
  it('reproduces wire/order_status.request.json exactly, key order included', () => {
    const f = wire('order_status.request.json');
    const built = buildOrderStatusMessage({
      to: f.to,
      referenceId: f.interactive.action.parameters.reference_id,
      status: 'PROCESSING',
      description: f.interactive.action.parameters.order.description,
      body: f.interactive.body.text,
    });
    expect(built).toEqual(f);
    expect(JSON.stringify(built)).toBe(JSON.stringify(f));
  });

  it('omits the description when absent', () => {
    const built = buildOrderStatusMessage({ to: '919876543210', referenceId: 'R', status: 'SHIPPED', description: null, body: 'b' });
    expect(built.interactive.action.parameters.order).toEqual({ status: 'shipped' });
  });

  it('sends every status in lower case', () => {
    const cases: Array<[OrderStatus, string]> = [
      ['PENDING', 'pending'],
      ['PROCESSING', 'processing'],
      ['SHIPPED', 'shipped'],
      ['COMPLETED', 'completed'],
      ['CANCELED', 'canceled'],
    ];
    for (const [status, wireValue] of cases) {
      const built = buildOrderStatusMessage({ to: '1', referenceId: 'R', status, body: 'b' });
      expect(built.interactive.action.parameters.order.status).toBe(wireValue);
    }
  });

  it('spells partially shipped with an underscore by default and with a dash when configured', () => {
    const src = { to: '1', referenceId: 'R', status: 'PARTIALLY_SHIPPED' as const, body: 'b' };
    expect(buildOrderStatusMessage(src).interactive.action.parameters.order.status).toBe('partially_shipped');
    expect(buildOrderStatusMessage(src, { partiallyShippedSpelling: 'partially_shipped' }).interactive.action.parameters.order.status).toBe(
      'partially_shipped',
    );
    expect(buildOrderStatusMessage(src, { partiallyShippedSpelling: 'partially-shipped' }).interactive.action.parameters.order.status).toBe(
      'partially-shipped',
    );
  });
});
