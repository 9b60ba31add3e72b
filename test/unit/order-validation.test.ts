import { MAX_AMOUNT } from '../../src/domain/money';
import {
  MAX_BODY,
  MAX_CHARGE_DESCRIPTION,
  MAX_FOOTER,
  MAX_ITEM_NAME,
  MAX_LONG_DESCRIPTION,
  MAX_PAYMENT_CONFIGURATION,
  MAX_PROGRAM_NAME,
  MAX_REFERENCE_ID,
  MAX_RETAILER_ID,
} from '../../src/domain/limits';
import {
  MAX_ITEMS,
  MAX_QUANTITY,
  MIN_EXPIRY_SECONDS,
  REFERENCE_ID_PATTERN,
  validateGatewayFields,
  validateOrderDetails,
  validateStatusText,
} from '../../src/domain/order-validation';
import { aboveUpiLimit, MAX_UPI_AMOUNT } from '../../src/domain/money';
import type { ErrorCode, MoneyAmount, OrderTotals, SendOrderDetailsInput, UserError } from '../../src/domain/types';

// The order in test/fixtures/wire/order_details.request.json (reference A1001-1), as GraphQL input.
// Its expiry, 1767225600, is one hour after NOW.
const NOW = new Date('2025-12-31T23:00:00.000Z');
const EXPIRES_AT = new Date(1767225600 * 1000);

function sampleOrder(): SendOrderDetailsInput {
  return {
    referenceId: 'A1001-1',
    phoneNumberId: '106540352242922',
    to: '919876543210',
    type: 'PHYSICAL_GOODS',
    paymentConfiguration: 'prod-razorpay',
    body: 'Your order A1001 is ready. Tap Review and Pay.',
    footer: 'Example Store',
    items: [
      {
        retailerId: 'SKU-1',
        name: 'Cotton T-shirt',
        amount: { value: 25000, offset: 100 },
        saleAmount: { value: 22500, offset: 100 },
        quantity: 2,
        countryOfOrigin: 'India',
        importerName: 'Example Store Pvt Ltd',
        importerAddress: {
          addressLine1: '12 MG Road',
          city: 'Bengaluru',
          zoneCode: 'KA',
          postalCode: '560001',
          countryCode: 'IN',
        },
      },
    ],
    tax: { value: 8100, offset: 100, description: 'GST 18%' },
    shipping: { value: 4000, offset: 100, description: 'Standard' },
    discount: { value: 5100, offset: 100, description: 'WELCOME', programName: 'Welcome offer' },
    total: { value: 52000, offset: 100 },
    expiresAt: EXPIRES_AT,
    expirationDescription: 'Pay within 1 hour',
  };
}

/** The sample with one change applied. */
function order(change: (o: SendOrderDetailsInput) => void): SendOrderDetailsInput {
  const o = sampleOrder();
  change(o);
  return o;
}

/** Asserts a pass and returns the totals; on failure jest prints the unexpected errors. */
function expectOk(input: SendOrderDetailsInput, now = NOW): OrderTotals {
  const result = validateOrderDetails(input, now);
  expect(result.ok ? [] : result.errors).toEqual([]);
  if (!result.ok) throw new Error('unreachable');
  return result.totals;
}

function errorsOf(input: SendOrderDetailsInput, now = NOW): UserError[] {
  const result = validateOrderDetails(input, now);
  expect(result.ok).toBe(false);
  return result.ok ? [] : result.errors;
}

/** Asserts exactly one error, with this code and field path, and returns it. */
function expectOnly(input: SendOrderDetailsInput, code: ErrorCode, field: string[], now = NOW): UserError {
  const errors = errorsOf(input, now);
  expect(errors.map((e) => ({ code: e.code, field: e.field }))).toEqual([{ code, field }]);
  return errors[0]!;
}

const item0 = (o: SendOrderDetailsInput) => o.items[0]!;
const EMOJI = '\u{1F600}'; // one code point, two UTF-16 units

describe('the sample order', () => {
  it('passes with the totals of the wire sample', () => {
    expect(expectOk(sampleOrder())).toEqual({
      offset: 100,
      currency: 'INR',
      subtotal: 45000,
      tax: 8100,
      shipping: 4000,
      discount: 5100,
      total: 52000,
      itemTotals: [45000],
    });
  });

  it('does not modify its input', () => {
    const input = sampleOrder();
    validateOrderDetails(input, NOW);
    expect(input).toEqual(sampleOrder());
  });
});

describe('referenceId', () => {
  it.each(['A', 'A'.repeat(MAX_REFERENCE_ID), 'aZ09_.-', '...', '2025.12.31_x-1'])('accepts %p', (referenceId) => {
    expectOk(order((o) => (o.referenceId = referenceId)));
  });

  it('rejects 36 characters, saying the rule and the length', () => {
    const error = expectOnly(order((o) => (o.referenceId = 'A'.repeat(36))), 'INVALID_INPUT', ['input', 'referenceId']);
    expect(error.message).toBe(
      "referenceId must be 1-35 characters of letters, digits, '_', '.' or '-' (got 36 characters)",
    );
  });

  it('rejects an empty referenceId', () => {
    const error = expectOnly(order((o) => (o.referenceId = '')), 'INVALID_INPUT', ['input', 'referenceId']);
    expect(error.message).toContain('(got 0 characters)');
  });

  it.each([
    ['A 1', '" "'],
    ['A/1', '"/"'],
    ['Ä1', '"Ä"'],
    [`A${EMOJI}`, `"${EMOJI}"`],
    ['A1\n', '"\\n"'],
  ])('rejects %p, naming the bad character', (referenceId, shown) => {
    const error = expectOnly(order((o) => (o.referenceId = referenceId)), 'INVALID_INPUT', ['input', 'referenceId']);
    expect(error.message).toContain(`(got ${shown})`);
  });

  it('exports the pattern it enforces', () => {
    expect(REFERENCE_ID_PATTERN.test('A'.repeat(35))).toBe(true);
    expect(REFERENCE_ID_PATTERN.test('A'.repeat(36))).toBe(false);
  });
});

describe('text limits', () => {
  type TextCase = {
    name: string;
    field: string[];
    max: number;
    required: boolean;
    set: (o: SendOrderDetailsInput, v: string) => void;
  };
  const cases: TextCase[] = [
    {
      name: 'paymentConfiguration',
      field: ['input', 'paymentConfiguration'],
      max: MAX_PAYMENT_CONFIGURATION,
      required: true,
      set: (o, v) => (o.paymentConfiguration = v),
    },
    { name: 'body', field: ['input', 'body'], max: MAX_BODY, required: true, set: (o, v) => (o.body = v) },
    { name: 'footer', field: ['input', 'footer'], max: MAX_FOOTER, required: false, set: (o, v) => (o.footer = v) },
    {
      name: 'item retailerId',
      field: ['input', 'items', '0', 'retailerId'],
      max: MAX_RETAILER_ID,
      required: true,
      set: (o, v) => (item0(o).retailerId = v),
    },
    {
      name: 'item name',
      field: ['input', 'items', '0', 'name'],
      max: MAX_ITEM_NAME,
      required: true,
      set: (o, v) => (item0(o).name = v),
    },
    {
      name: 'tax description',
      field: ['input', 'tax', 'description'],
      max: MAX_CHARGE_DESCRIPTION,
      required: false,
      set: (o, v) => (o.tax!.description = v),
    },
    {
      name: 'shipping description',
      field: ['input', 'shipping', 'description'],
      max: MAX_CHARGE_DESCRIPTION,
      required: false,
      set: (o, v) => (o.shipping!.description = v),
    },
    {
      name: 'discount description',
      field: ['input', 'discount', 'description'],
      max: MAX_CHARGE_DESCRIPTION,
      required: false,
      set: (o, v) => (o.discount!.description = v),
    },
    {
      name: 'discount programName',
      field: ['input', 'discount', 'programName'],
      max: MAX_PROGRAM_NAME,
      required: false,
      set: (o, v) => (o.discount!.programName = v),
    },
    {
      name: 'expirationDescription',
      field: ['input', 'expirationDescription'],
      max: MAX_LONG_DESCRIPTION,
      required: false,
      set: (o, v) => (o.expirationDescription = v),
    },
  ];

  it('uses the documented limits', () => {
    expect([MAX_PAYMENT_CONFIGURATION, MAX_BODY, MAX_FOOTER, MAX_RETAILER_ID, MAX_ITEM_NAME]).toEqual([
      60, 1024, 60, 100, 60,
    ]);
    expect([MAX_CHARGE_DESCRIPTION, MAX_PROGRAM_NAME, MAX_LONG_DESCRIPTION]).toEqual([60, 60, 120]);
  });

  describe.each(cases)('$name', ({ field, max, required, set }) => {
    it(`accepts ${max} characters`, () => {
      expectOk(order((o) => set(o, 'x'.repeat(max))));
    });

    it(`rejects ${max + 1} characters`, () => {
      const error = expectOnly(order((o) => set(o, 'x'.repeat(max + 1))), 'INVALID_INPUT', field);
      expect(error.message).toContain(`${max} characters`);
      expect(error.message).toContain(`got ${max + 1} characters`);
    });

    it(`counts code points: ${max} emoji pass, ${max + 1} fail`, () => {
      expectOk(order((o) => set(o, EMOJI.repeat(max))));
      expectOnly(order((o) => set(o, EMOJI.repeat(max + 1))), 'INVALID_INPUT', field);
    });

    if (required) {
      it.each(['', '   '])('rejects %p', (blank) => {
        const error = expectOnly(order((o) => set(o, blank)), 'INVALID_INPUT', field);
        expect(error.message).toContain(`must be 1-${max} characters`);
      });
    }
  });

  it('names the field in the message', () => {
    const error = expectOnly(order((o) => (item0(o).name = 'x'.repeat(61))), 'INVALID_INPUT', [
      'input',
      'items',
      '0',
      'name',
    ]);
    expect(error.message).toBe('items[0].name must be 1-60 characters (got 61 characters)');
  });

  it.each([
    ['item retailerId (optional in WhatsApp)', (o: SendOrderDetailsInput) => (item0(o).retailerId = null)],
    ['item retailerId left out', (o: SendOrderDetailsInput) => delete item0(o).retailerId],
    ['footer', (o: SendOrderDetailsInput) => (o.footer = null)],
    ['tax description', (o: SendOrderDetailsInput) => (o.tax!.description = null)],
    ['discount programName', (o: SendOrderDetailsInput) => (o.discount!.programName = undefined)],
    ['expirationDescription', (o: SendOrderDetailsInput) => (o.expirationDescription = null)],
  ])('an absent %s is fine', (_name, change) => {
    expectOk(order(change));
  });
});

describe('phoneNumberId and catalogId', () => {
  it('accepts a one-character phoneNumberId', () => {
    expectOk(order((o) => (o.phoneNumberId = '1')));
  });

  it.each(['', '  '])('rejects phoneNumberId %p', (phoneNumberId) => {
    expectOnly(order((o) => (o.phoneNumberId = phoneNumberId)), 'INVALID_INPUT', ['input', 'phoneNumberId']);
  });

  it('accepts a catalogId', () => {
    expectOk(order((o) => (o.catalogId = 'cat-1')));
  });

  it('rejects an empty catalogId', () => {
    expectOnly(order((o) => (o.catalogId = '')), 'INVALID_INPUT', ['input', 'catalogId']);
  });
});

describe('to', () => {
  it.each(['12345678', '123456789012345', '919876543210'])('accepts %p', (to) => {
    expectOk(order((o) => (o.to = to)));
  });

  it.each([
    '1234567',
    '1234567890123456',
    '+919876543210',
    '91 9876543210',
    '91-98765-43210',
    '',
    '9198765432a0',
    '\u0669\u0661\u0669\u0668\u0667\u0666\u0665\u0664\u0663', // Arabic-Indic digits
  ])('rejects %p', (to) => {
    const error = expectOnly(order((o) => (o.to = to)), 'INVALID_INPUT', ['input', 'to']);
    expect(error.message).toContain('8-15 digits');
  });
});

describe('type', () => {
  it('accepts DIGITAL_GOODS', () => {
    expectOk(order((o) => (o.type = 'DIGITAL_GOODS')));
  });

  it('rejects an unknown goods type', () => {
    expectOnly(order((o) => ((o as { type: string }).type = 'SERVICES')), 'INVALID_INPUT', ['input', 'type']);
  });
});

describe('headerImageUrl', () => {
  it.each(['https://cdn.example.com/order.jpg', 'HTTPS://CDN.EXAMPLE.COM/A.JPG', 'https://10.0.0.1/a.png'])(
    'accepts %p (it is never fetched)',
    (url) => {
      expectOk(order((o) => (o.headerImageUrl = url)));
    },
  );

  it.each([
    'http://cdn.example.com/order.jpg',
    'ftp://cdn.example.com/order.jpg',
    'file:///etc/passwd',
    'javascript:alert(1)',
    '//cdn.example.com/order.jpg',
    '/order.jpg',
    'not a url',
    '',
  ])('rejects %p', (url) => {
    const error = expectOnly(order((o) => (o.headerImageUrl = url)), 'INVALID_INPUT', ['input', 'headerImageUrl']);
    expect(error.message).toContain('https://');
  });
});

describe('items', () => {
  const manyItems = (n: number) =>
    order((o) => {
      o.items = Array.from({ length: n }, () => ({ ...item0(sampleOrder()) }));
      o.total = null;
    });

  it('rejects an order without items', () => {
    const error = expectOnly(order((o) => (o.items = [])), 'INVALID_INPUT', ['input', 'items']);
    expect(error.message).toContain('at least 1');
  });

  it('accepts one item', () => {
    expect(expectOk(sampleOrder()).itemTotals).toHaveLength(1);
  });

  it(`accepts ${MAX_ITEMS} items`, () => {
    expect(MAX_ITEMS).toBe(999);
    const totals = expectOk(manyItems(999));
    expect(totals.itemTotals).toHaveLength(999);
    expect(totals.subtotal).toBe(999 * 45000);
  });

  it('rejects 1000 items with a single error, without checking each item', () => {
    const input = manyItems(1000);
    input.items.forEach((item) => (item.quantity = 0));
    const error = expectOnly(input, 'INVALID_INPUT', ['input', 'items']);
    expect(error.message).toContain('at most 999');
  });
});

describe('quantity', () => {
  const withQuantity = (quantity: number) =>
    order((o) => {
      item0(o).amount = { value: 1, offset: 100 };
      item0(o).saleAmount = null;
      item0(o).quantity = quantity;
      o.total = null;
    });

  it.each([1, MAX_QUANTITY])('accepts %p', (quantity) => {
    expect(MAX_QUANTITY).toBe(1_000_000);
    expect(expectOk(withQuantity(quantity)).itemTotals).toEqual([quantity]);
  });

  it.each([0, -1, 1.5, MAX_QUANTITY + 1, NaN])('rejects %p', (quantity) => {
    expectOnly(withQuantity(quantity), 'INVALID_INPUT', ['input', 'items', '0', 'quantity']);
  });

  it('says what is allowed', () => {
    const error = expectOnly(withQuantity(0), 'INVALID_INPUT', ['input', 'items', '0', 'quantity']);
    expect(error.message).toBe('items[0].quantity must be a whole number from 1 to 1000000 (got 0)');
  });
});

describe('amounts', () => {
  type AmountCase = { name: string; path: string[]; set: (o: SendOrderDetailsInput, m: MoneyAmount) => void };
  const cases: AmountCase[] = [
    { name: 'item amount', path: ['input', 'items', '0', 'amount'], set: (o, m) => (item0(o).amount = m) },
    { name: 'item saleAmount', path: ['input', 'items', '0', 'saleAmount'], set: (o, m) => (item0(o).saleAmount = m) },
    { name: 'tax', path: ['input', 'tax'], set: (o, m) => (o.tax = { ...o.tax, ...m }) },
    { name: 'shipping', path: ['input', 'shipping'], set: (o, m) => (o.shipping = { ...o.shipping, ...m }) },
    { name: 'discount', path: ['input', 'discount'], set: (o, m) => (o.discount = { ...o.discount, ...m }) },
    { name: 'total', path: ['input', 'total'], set: (o, m) => (o.total = m) },
  ];

  describe.each(cases)('$name', ({ path, set }) => {
    // One error only: the sums are not computed over an invalid amount.
    it.each([-1, 1.5, MAX_AMOUNT + 1, NaN])('rejects value %p', (value) => {
      const error = expectOnly(order((o) => set(o, { value, offset: 100 })), 'INVALID_INPUT', [...path, 'value']);
      expect(error.message).toContain(`0 to ${MAX_AMOUNT}`);
    });

    it.each([1000, 1, 10, 0])('rejects offset %p', (offset) => {
      const error = expectOnly(order((o) => set(o, { value: 100, offset })), 'INVALID_INPUT', [...path, 'offset']);
      expect(error.message).toContain('offset must be 100 (INR minor units: paise)');
    });

    it('reports a bad value and a bad offset together', () => {
      const errors = errorsOf(order((o) => set(o, { value: -1, offset: 1 })));
      expect(errors.map((e) => e.field)).toEqual([
        [...path, 'value'],
        [...path, 'offset'],
      ]);
    });
  });

  it('accepts 0 for every amount', () => {
    const totals = expectOk(
      order((o) => {
        item0(o).amount = { value: 0, offset: 100 };
        item0(o).saleAmount = null;
        o.tax = { value: 0, offset: 100 };
        o.shipping = { value: 0, offset: 100 };
        o.discount = { value: 0, offset: 100 };
        o.total = { value: 0, offset: 100 };
      }),
    );
    expect(totals).toMatchObject({ subtotal: 0, tax: 0, shipping: 0, discount: 0, total: 0 });
  });

  it('accepts a sale amount of 0', () => {
    const totals = expectOk(
      order((o) => {
        item0(o).saleAmount = { value: 0, offset: 100 };
        o.total = null;
      }),
    );
    expect(totals.itemTotals).toEqual([0]);
  });

  const onlyItem = (value: number, change: (o: SendOrderDetailsInput) => void = () => undefined) =>
    order((o) => {
      item0(o).amount = { value, offset: 100 };
      item0(o).saleAmount = null;
      item0(o).quantity = 1;
      o.tax = null;
      o.shipping = null;
      o.discount = null;
      o.total = null;
      change(o);
    });

  it('accepts MAX_AMOUNT as item amount and total', () => {
    const totals = expectOk(onlyItem(MAX_AMOUNT, (o) => (o.total = { value: MAX_AMOUNT, offset: 100 })));
    expect(totals.total).toBe(MAX_AMOUNT);
  });

  it.each(['tax', 'shipping'] as const)('accepts MAX_AMOUNT as %s', (key) => {
    const totals = expectOk(onlyItem(0, (o) => (o[key] = { value: MAX_AMOUNT, offset: 100 })));
    expect(totals.total).toBe(MAX_AMOUNT);
  });

  it('accepts MAX_AMOUNT as discount', () => {
    const totals = expectOk(onlyItem(MAX_AMOUNT, (o) => (o.discount = { value: MAX_AMOUNT, offset: 100 })));
    expect(totals.total).toBe(0);
  });
});

describe('saleAmount < amount', () => {
  it('accepts a sale amount one paisa below the amount', () => {
    const totals = expectOk(
      order((o) => {
        item0(o).saleAmount = { value: 24999, offset: 100 };
        o.total = null;
      }),
    );
    expect(totals.itemTotals).toEqual([49998]);
  });

  it.each([25000, 25001])('rejects a sale amount of %p with amount 25000', (value) => {
    const error = expectOnly(
      order((o) => (item0(o).saleAmount = { value, offset: 100 })),
      'INVALID_INPUT',
      ['input', 'items', '0', 'saleAmount', 'value'],
    );
    expect(error.message).toContain('must be less than amount (250.00)');
  });
});

describe('items without a catalog', () => {
  it.each(['countryOfOrigin', 'importerName', 'importerAddress'] as const)('need %s', (key) => {
    const error = expectOnly(
      order((o) => (item0(o)[key] = null)),
      'INVALID_INPUT',
      ['input', 'items', '0', key],
    );
    expect(error.message).toContain('catalogId');
  });

  it('report each missing origin field', () => {
    const errors = errorsOf(
      order((o) => {
        item0(o).countryOfOrigin = undefined;
        item0(o).importerName = undefined;
        item0(o).importerAddress = undefined;
      }),
    );
    expect(errors.map((e) => e.field)).toEqual([
      ['input', 'items', '0', 'countryOfOrigin'],
      ['input', 'items', '0', 'importerName'],
      ['input', 'items', '0', 'importerAddress'],
    ]);
  });

  it('are fine with a catalog', () => {
    expectOk(
      order((o) => {
        o.catalogId = 'cat-1';
        item0(o).countryOfOrigin = null;
        item0(o).importerName = null;
        item0(o).importerAddress = null;
      }),
    );
  });

  it.each(['countryOfOrigin', 'importerName'] as const)('reject a blank %s even with a catalog', (key) => {
    expectOnly(
      order((o) => {
        o.catalogId = 'cat-1';
        item0(o)[key] = ' ';
      }),
      'INVALID_INPUT',
      ['input', 'items', '0', key],
    );
  });

  it.each(['addressLine1', 'city', 'postalCode', 'countryCode'] as const)('need a non-empty address %s', (key) => {
    expectOnly(
      order((o) => (item0(o).importerAddress![key] = '')),
      'INVALID_INPUT',
      ['input', 'items', '0', 'importerAddress', key],
    );
  });

  it('name the item by its index', () => {
    expectOnly(
      order((o) => {
        const second = structuredClone(item0(o));
        second.importerAddress!.city = '';
        o.items.push(second);
        o.total = null;
      }),
      'INVALID_INPUT',
      ['input', 'items', '1', 'importerAddress', 'city'],
    );
  });

  it.each(['IN', 'in', 'US'])('accept country code %p', (countryCode) => {
    expectOk(order((o) => (item0(o).importerAddress!.countryCode = countryCode)));
  });

  it.each(['IND', 'I', '12', 'I1', ' IN'])('reject country code %p', (countryCode) => {
    const error = expectOnly(
      order((o) => (item0(o).importerAddress!.countryCode = countryCode)),
      'INVALID_INPUT',
      ['input', 'items', '0', 'importerAddress', 'countryCode'],
    );
    expect(error.message).toContain('2-letter');
  });

  it('do not need the optional address lines', () => {
    expectOk(
      order((o) => {
        item0(o).importerAddress!.addressLine2 = null;
        item0(o).importerAddress!.zoneCode = null;
      }),
    );
  });
});

describe('expiry', () => {
  const at = (ms: number) => new Date(NOW.getTime() + ms);

  it(`accepts expiresAt exactly ${MIN_EXPIRY_SECONDS} seconds ahead`, () => {
    expect(MIN_EXPIRY_SECONDS).toBe(300);
    expectOk(order((o) => (o.expiresAt = at(300_000))));
  });

  it.each([299_999, 299_000, 0, -3_600_000])('rejects expiresAt %p ms ahead', (ms) => {
    const error = expectOnly(order((o) => (o.expiresAt = at(ms))), 'INVALID_INPUT', ['input', 'expiresAt']);
    expect(error.message).toContain('at least 300 seconds');
  });

  it('rejects an invalid date', () => {
    expectOnly(order((o) => (o.expiresAt = new Date('nope'))), 'INVALID_INPUT', ['input', 'expiresAt']);
  });

  it('judges expiry against the given now, not the clock', () => {
    const farPast = new Date('2000-01-01T00:00:00Z');
    expectOk(order((o) => (o.expiresAt = new Date(farPast.getTime() + 300_000))), farPast);
  });

  it('accepts no expiry at all', () => {
    expectOk(
      order((o) => {
        o.expiresAt = null;
        o.expirationDescription = null;
      }),
    );
  });

  it('accepts expiresAt without a description', () => {
    expectOk(order((o) => (o.expirationDescription = undefined)));
  });

  it('rejects expirationDescription without expiresAt', () => {
    const error = expectOnly(order((o) => (o.expiresAt = null)), 'INVALID_INPUT', ['input', 'expirationDescription']);
    expect(error.message).toContain('expiresAt');
  });
});

describe('sums', () => {
  it('counts the sale amount, not the amount', () => {
    const totals = expectOk(sampleOrder());
    expect(totals.itemTotals).toEqual([22500 * 2]);
    expect(totals.subtotal).toBe(45000);
  });

  it('uses the amount when there is no sale', () => {
    const totals = expectOk(
      order((o) => {
        item0(o).saleAmount = null;
        o.total = null;
      }),
    );
    expect(totals).toMatchObject({ itemTotals: [50000], subtotal: 50000, total: 57000 });
  });

  it('adds several items, keeping their order', () => {
    const totals = expectOk(
      order((o) => {
        const second = structuredClone(item0(o));
        second.amount = { value: 1000, offset: 100 };
        second.saleAmount = null;
        second.quantity = 3;
        o.items.push(second);
        o.total = { value: 55000, offset: 100 };
      }),
    );
    expect(totals).toMatchObject({ itemTotals: [45000, 3000], subtotal: 48000, total: 55000 });
  });

  it('computes the total when none is given', () => {
    expect(expectOk(order((o) => (o.total = null))).total).toBe(52000);
  });

  it('leaves absent charges null and out of the total', () => {
    const totals = expectOk(
      order((o) => {
        o.tax = null;
        o.shipping = undefined;
        o.discount = null;
        o.total = null;
      }),
    );
    expect(totals).toMatchObject({ subtotal: 45000, tax: null, shipping: null, discount: null, total: 45000 });
  });

  it.each([51000, 52001, 51999, 0])('rejects a given total of %p that does not add up', (value) => {
    const error = expectOnly(order((o) => (o.total = { value, offset: 100 })), 'AMOUNT_MISMATCH', [
      'input',
      'total',
      'value',
    ]);
    expect(error.message).toContain('subtotal + tax + shipping - discount = 450.00 + 81.00 + 40.00 - 51.00 = 520.00');
    expect(error.message).toContain('52000');
  });

  it('accepts a discount that brings the total to exactly 0', () => {
    const totals = expectOk(
      order((o) => {
        o.discount = { value: 57100, offset: 100 };
        o.total = null;
      }),
    );
    expect(totals.total).toBe(0);
  });

  it('rejects a discount that makes the total negative, on the discount', () => {
    const error = expectOnly(
      order((o) => {
        o.discount = { value: 57101, offset: 100 };
        o.total = { value: 0, offset: 100 };
      }),
      'AMOUNT_MISMATCH',
      ['input', 'discount', 'value'],
    );
    expect(error.message).toContain('exceeds the subtotal plus tax and shipping (571.00)');
  });

  const bigOrder = (change: (o: SendOrderDetailsInput) => void) =>
    order((o) => {
      item0(o).amount = { value: MAX_AMOUNT, offset: 100 };
      item0(o).saleAmount = null;
      item0(o).quantity = 1;
      o.tax = null;
      o.shipping = null;
      o.discount = null;
      o.total = null;
      change(o);
    });

  it('rejects an item total above the largest amount', () => {
    const error = expectOnly(
      bigOrder((o) => (item0(o).quantity = 2)),
      'INVALID_INPUT',
      ['input', 'items', '0', 'quantity'],
    );
    expect(error.message).toContain('21474836.47');
  });

  it('rejects a subtotal above the largest amount', () => {
    expectOnly(
      bigOrder((o) => o.items.push(structuredClone(item0(o)))),
      'INVALID_INPUT',
      ['input', 'items'],
    );
  });

  it('rejects a total above the largest amount', () => {
    expectOnly(
      bigOrder((o) => (o.tax = { value: 1, offset: 100 })),
      'INVALID_INPUT',
      ['input', 'total', 'value'],
    );
  });

  it('accepts a total of exactly the largest amount', () => {
    const totals = expectOk(
      bigOrder((o) => {
        item0(o).amount = { value: MAX_AMOUNT - 1, offset: 100 };
        o.tax = { value: 1, offset: 100 };
      }),
    );
    expect(totals.total).toBe(MAX_AMOUNT);
  });

  it('accepts a large subtotal when the discount brings the total back under the largest amount', () => {
    const totals = expectOk(
      bigOrder((o) => {
        o.shipping = { value: 100, offset: 100 };
        o.discount = { value: 100, offset: 100 };
      }),
    );
    expect(totals.total).toBe(MAX_AMOUNT);
  });

  it('does not check sums while an amount or quantity is invalid', () => {
    expectOnly(
      order((o) => {
        item0(o).quantity = 0;
        o.total = { value: 1, offset: 100 };
      }),
      'INVALID_INPUT',
      ['input', 'items', '0', 'quantity'],
    );
  });
});

describe('several problems at once', () => {
  it('reports all of them, in field order', () => {
    const errors = errorsOf(
      order((o) => {
        o.referenceId = 'bad id';
        o.to = '+91';
        o.body = '';
        const second = structuredClone(item0(o));
        second.name = '';
        second.quantity = 0;
        o.items.push(second);
        o.tax = { value: 8100, offset: 10 };
        o.expiresAt = NOW;
      }),
    );
    expect(errors.map((e) => [e.code, e.field])).toEqual([
      ['INVALID_INPUT', ['input', 'referenceId']],
      ['INVALID_INPUT', ['input', 'to']],
      ['INVALID_INPUT', ['input', 'body']],
      ['INVALID_INPUT', ['input', 'items', '1', 'name']],
      ['INVALID_INPUT', ['input', 'items', '1', 'quantity']],
      ['INVALID_INPUT', ['input', 'tax', 'offset']],
      ['INVALID_INPUT', ['input', 'expiresAt']],
    ]);
  });

  it('reports input errors and a sum error together when the amounts are valid', () => {
    const errors = errorsOf(
      order((o) => {
        o.footer = 'x'.repeat(61);
        o.total = { value: 1, offset: 100 };
      }),
    );
    expect(errors.map((e) => [e.code, e.field])).toEqual([
      ['INVALID_INPUT', ['input', 'footer']],
      ['AMOUNT_MISMATCH', ['input', 'total', 'value']],
    ]);
  });
});

describe('validateStatusText', () => {
  it('accepts nothing at all', () => {
    expect(validateStatusText({})).toEqual([]);
    expect(validateStatusText({ description: null, body: null })).toEqual([]);
  });

  it('accepts a 120-character description and rejects 121', () => {
    expect(validateStatusText({ description: 'x'.repeat(120) })).toEqual([]);
    expect(validateStatusText({ description: EMOJI.repeat(120) })).toEqual([]);
    const errors = validateStatusText({ description: 'x'.repeat(121) });
    expect(errors).toEqual([
      {
        code: 'INVALID_INPUT',
        field: ['input', 'description'],
        message: 'description must be at most 120 characters (got 121 characters); shorten it',
      },
    ]);
  });

  it('accepts a 1024-character body and rejects 1025', () => {
    expect(validateStatusText({ body: 'x'.repeat(1024) })).toEqual([]);
    expect(validateStatusText({ body: 'x'.repeat(1025) })).toEqual([
      expect.objectContaining({ code: 'INVALID_INPUT', field: ['input', 'body'] }),
    ]);
  });

  it.each(['', ' \n'])('rejects an empty body %p', (body) => {
    expect(validateStatusText({ body })).toEqual([
      expect.objectContaining({ code: 'INVALID_INPUT', field: ['input', 'body'] }),
    ]);
  });

  it('reports both at once', () => {
    const errors = validateStatusText({ description: 'x'.repeat(121), body: '' });
    expect(errors.map((e) => e.field)).toEqual([
      ['input', 'description'],
      ['input', 'body'],
    ]);
  });
});

describe('beneficiaries', () => {
  const asha = () => ({ name: 'Asha Rao', addressLine1: '12 MG Road', addressLine2: 'Near the metro', city: 'Bengaluru', state: 'Karnataka', country: 'India', postalCode: '560001' });

  it('are optional, and accepted up to the limits', () => {
    expectOk(order((o) => (o.beneficiaries = null)));
    expectOk(order((o) => (o.beneficiaries = [asha(), { ...asha(), addressLine2: null, name: 'x'.repeat(200), addressLine1: 'y'.repeat(100) }])));
    expectOk(order((o) => (o.beneficiaries = Array.from({ length: 10 }, asha))));
  });

  it('refuse an empty list and more than 10', () => {
    expectOnly(order((o) => (o.beneficiaries = [])), 'INVALID_INPUT', ['input', 'beneficiaries']);
    expectOnly(order((o) => (o.beneficiaries = Array.from({ length: 11 }, asha))), 'INVALID_INPUT', ['input', 'beneficiaries']);
  });

  it.each<[string, Record<string, unknown>, string[]]>([
    ['a name over 200 characters', { name: 'x'.repeat(201) }, ['name']],
    ['a blank name', { name: '  ' }, ['name']],
    ['address line 1 over 100', { addressLine1: 'x'.repeat(101) }, ['addressLine1']],
    ['address line 2 over 100', { addressLine2: 'x'.repeat(101) }, ['addressLine2']],
    ['a missing city', { city: undefined }, ['city']],
    ['a blank state', { state: '' }, ['state']],
    ['a country other than India', { country: 'Nepal' }, ['country']],
    ['a 5-digit postal code', { postalCode: '56000' }, ['postalCode']],
    ['a postal code with letters', { postalCode: '56A001' }, ['postalCode']],
    ['a NUL in the name', { name: 'Asha\u0000' }, ['name']],
  ])('refuse %s, naming the field', (_name, change, field) => {
    const error = expectOnly(order((o) => (o.beneficiaries = [asha(), { ...asha(), ...change } as never])), 'INVALID_INPUT', ['input', 'beneficiaries', '1', ...field]);
    expect(error.message).toMatch(new RegExp(`^beneficiaries\\[1\\]\\.${field[0]} `));
  });

  it('report every bad field of every beneficiary at once', () => {
    const errors = errorsOf(order((o) => (o.beneficiaries = [{ ...asha(), postalCode: '1' }, { ...asha(), country: 'USA', city: '' }])));
    expect(errors.map((e) => e.field!.join('.'))).toEqual(['input.beneficiaries.0.postalCode', 'input.beneficiaries.1.city', 'input.beneficiaries.1.country']);
  });
});

describe('validateGatewayFields (checked against the payment configuration\'s gateway)', () => {
  const fieldsOf = (errors: ReturnType<typeof validateGatewayFields>) => errors.map((e) => e.field!.join('.'));

  it('accepts each gateway\'s own fields up to their limits, and nothing', () => {
    expect(validateGatewayFields(null, 'RAZORPAY')).toEqual([]);
    expect(validateGatewayFields({}, 'PAYU')).toEqual([]);
    expect(
      validateGatewayFields({ receipt: 'r'.repeat(40), notes: Array.from({ length: 15 }, (_, i) => ({ key: `k${i}`, value: 'v'.repeat(256) })) }, 'RAZORPAY'),
    ).toEqual([]);
    expect(validateGatewayFields({ udf: ['u'.repeat(255), '', 'c', 'd'] }, 'PAYU')).toEqual([]);
    expect(validateGatewayFields({ additionalInfo: Array(7).fill('i'.repeat(120)) }, 'BILLDESK')).toEqual([]);
    expect(validateGatewayFields({ extra: ['e'.repeat(180), 'f'] }, 'ZAAKPAY')).toEqual([]);
  });

  it('refuses a field of another gateway, saying which this gateway takes', () => {
    const [error] = validateGatewayFields({ udf: ['a'] }, 'RAZORPAY');
    expect(error).toMatchObject({ code: 'INVALID_INPUT', field: ['input', 'gatewayFields', 'udf'] });
    expect(error.message).toBe("gatewayFields.udf is a PAYU field, but the order's payment configuration uses RAZORPAY: leave it out (RAZORPAY takes notes and receipt)");
    expect(fieldsOf(validateGatewayFields({ receipt: 'r', notes: [], extra: ['x'], additionalInfo: ['y'] }, 'PAYU'))).toEqual([
      'input.gatewayFields.notes',
      'input.gatewayFields.receipt',
      'input.gatewayFields.additionalInfo',
      'input.gatewayFields.extra',
    ]);
  });

  it.each<[string, Parameters<typeof validateGatewayFields>[0], string, string[]]>([
    ['a receipt over 40', { receipt: 'r'.repeat(41) }, 'RAZORPAY', ['receipt']],
    ['an empty receipt', { receipt: '' }, 'RAZORPAY', ['receipt']],
    ['16 notes', { notes: Array.from({ length: 16 }, (_, i) => ({ key: `k${i}`, value: 'v' })) }, 'RAZORPAY', ['notes']],
    ['a note value over 256', { notes: [{ key: 'k', value: 'v'.repeat(257) }] }, 'RAZORPAY', ['notes', '0', 'value']],
    ['a blank note key', { notes: [{ key: ' ', value: 'v' }] }, 'RAZORPAY', ['notes', '0', 'key']],
    ['a repeated note key', { notes: [{ key: 'k', value: '1' }, { key: 'k', value: '2' }] }, 'RAZORPAY', ['notes', '1', 'key']],
    ['five udf', { udf: ['1', '2', '3', '4', '5'] }, 'PAYU', ['udf']],
    ['a udf over 255', { udf: ['u'.repeat(256)] }, 'PAYU', ['udf', '0']],
    ['eight additional infos', { additionalInfo: Array(8).fill('i') }, 'BILLDESK', ['additionalInfo']],
    ['an additional info over 120', { additionalInfo: ['', 'i'.repeat(121)] }, 'BILLDESK', ['additionalInfo', '1']],
    ['three extras', { extra: ['1', '2', '3'] }, 'ZAAKPAY', ['extra']],
    ['an extra over 180', { extra: ['e'.repeat(181)] }, 'ZAAKPAY', ['extra', '0']],
    ['a line break in a receipt', { receipt: 'r\n1' }, 'RAZORPAY', ['receipt']],
  ])('refuses %s, naming the field', (_name, fields, gateway, field) => {
    expect(fieldsOf(validateGatewayFields(fields, gateway as never))).toEqual([['input', 'gatewayFields', ...field].join('.')]);
  });
});

describe('the UPI limit (INR 5,00,000)', () => {
  it('is 5,00,00,000 paise; only totals above it are web-only', () => {
    expect(MAX_UPI_AMOUNT).toBe(50_000_000);
    expect(aboveUpiLimit(50_000_000, 100)).toBe(false);
    expect(aboveUpiLimit(50_000_001, 100)).toBe(true);
    expect(aboveUpiLimit(500_000_001, 1000)).toBe(true);
    expect(aboveUpiLimit(500_000, 1)).toBe(false);
  });
});
