import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_WEBHOOK_UPDATES, parseWebhook, type WebhookUpdate } from '../../src/whatsapp/webhook-parser';
import { WIRE_DIR, wire } from '../fixtures/load-wire';

const PHONE_NUMBER_ID = '106540352242922';
const WABA_ID = '102290129340398';
const ORDER_DETAILS_WAMID = 'wamid.HBgLMTY1MDUwNzY1MjAVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA';
const ORDER_STATUS_WAMID = 'wamid.HBgLMTY1MDUwNzY1MjAVAgARGBJBQkNERUYxMjM0NTY3ODkwAA';
const at = (seconds: number) => new Date(seconds * 1000);

/** A whatsapp_business_account body with one change. */
function envelope(field: unknown, value: unknown, entryExtra: Record<string, unknown> = {}) {
  return { object: 'whatsapp_business_account', entry: [{ id: WABA_ID, ...entryExtra, changes: [{ field, value }] }] };
}

function messages(value: Record<string, unknown>) {
  return envelope('messages', {
    messaging_product: 'whatsapp',
    metadata: { display_phone_number: '15550783881', phone_number_id: PHONE_NUMBER_ID },
    ...value,
  });
}

/** Every wire/webhook.*.json sample with the exact update it must give. */
const EXPECTED: Record<string, WebhookUpdate[]> = {
  'webhook.payment.captured.json': [
    {
      kind: 'payment',
      phoneNumberId: PHONE_NUMBER_ID,
      notificationId: ORDER_DETAILS_WAMID,
      referenceId: 'A1001-1',
      status: 'CAPTURED',
      rawStatus: 'captured',
      amount: { value: 52000, offset: 100 },
      currency: 'INR',
      transaction: {
        id: 'order_SdrcSSqobZ7voR',
        pgTransactionId: 'pay_SdrcU2qLk8Xy1a',
        gateway: 'RAZORPAY',
        status: 'SUCCESS',
        method: 'upi',
        amount: null,
        orderAmount: null,
        currency: null,
        errorCode: null,
        errorReason: null,
        createdAt: at(1746500000),
        updatedAt: at(1746500005),
        refunds: [],
      },
      refunds: [],
      timestamp: at(1746500005),
    },
  ],
  'webhook.payment.failed.json': [
    {
      kind: 'payment',
      phoneNumberId: PHONE_NUMBER_ID,
      notificationId: ORDER_DETAILS_WAMID,
      referenceId: 'A1001-1',
      status: 'FAILED',
      rawStatus: 'failed',
      amount: { value: 52000, offset: 100 },
      currency: 'INR',
      transaction: {
        id: 'order_SdrcSSqobZ7voR',
        pgTransactionId: null,
        gateway: 'RAZORPAY',
        status: 'FAILED',
        method: 'upi',
        amount: null,
        orderAmount: null,
        currency: null,
        errorCode: 'BAD_REQUEST_ERROR',
        errorReason: 'Payment declined by the bank',
        createdAt: at(1746500000),
        updatedAt: at(1746500005),
        refunds: [],
      },
      refunds: [],
      timestamp: at(1746500005),
    },
  ],
  // Meta's documented payment webhook: statuses[].id is a notification id (never matched as a wamid);
  // timestamps as strings; PG fields echoed (not read); refunds[] at payment level, parsed
  'webhook.payment.meta-captured-with-refund.json': [
    {
      kind: 'payment',
      phoneNumberId: PHONE_NUMBER_ID,
      notificationId: 'gBGGFlB5YjhvAgnhuF1qIUvCo7A',
      referenceId: 'A1001-1',
      status: 'CAPTURED',
      rawStatus: 'captured',
      amount: { value: 52000, offset: 100 },
      currency: 'INR',
      transaction: {
        id: 'order_SdrcSSqobZ7voR',
        pgTransactionId: 'pay_SdrcZ81bq2Ld0K',
        gateway: 'RAZORPAY',
        status: 'SUCCESS',
        method: 'upi',
        amount: null,
        orderAmount: null,
        currency: null,
        errorCode: null,
        errorReason: null,
        createdAt: at(1772129415),
        updatedAt: at(1772129417),
        refunds: [],
      },
      refunds: [
        {
          id: 'rfnd_Sdrd41xQ8mT2aZ',
          amount: { value: 20000, offset: 100 },
          speedProcessed: 'normal',
          status: 'PENDING',
          rawStatus: 'pending',
          createdAt: at(1772215815),
          updatedAt: at(1772215815),
        },
      ],
      timestamp: at(1772215816),
    },
  ],
  'webhook.payment.pending.json': [
    {
      kind: 'payment',
      phoneNumberId: PHONE_NUMBER_ID,
      notificationId: ORDER_DETAILS_WAMID,
      referenceId: 'A1001-1',
      status: 'PENDING',
      rawStatus: 'pending',
      amount: { value: 52000, offset: 100 },
      currency: 'INR',
      transaction: {
        id: 'order_SdrcSSqobZ7voR',
        pgTransactionId: null,
        gateway: 'RAZORPAY',
        status: 'PENDING',
        method: null,
        amount: null,
        orderAmount: null,
        currency: null,
        errorCode: null,
        errorReason: null,
        createdAt: at(1746500000),
        updatedAt: at(1746500000),
        refunds: [],
      },
      refunds: [],
      timestamp: at(1746500000),
    },
  ],
  'webhook.message-status.delivered.json': [
    {
      kind: 'message_status',
      phoneNumberId: PHONE_NUMBER_ID,
      wamid: ORDER_DETAILS_WAMID,
      status: 'DELIVERED',
      rawStatus: 'delivered',
      errors: [],
      timestamp: at(1746500100),
      recipientId: '919876543210',
    },
  ],
  'webhook.message-status.failed.json': [
    {
      kind: 'message_status',
      phoneNumberId: PHONE_NUMBER_ID,
      wamid: ORDER_DETAILS_WAMID,
      status: 'FAILED',
      rawStatus: 'failed',
      errors: [
        {
          code: 131026,
          title: 'Message undeliverable',
          message: 'Message undeliverable',
          details: 'Recipient is not a valid WhatsApp user',
        },
      ],
      timestamp: at(1746500100),
      recipientId: '919876543210',
    },
  ],
  'webhook.order-status-error.2046.json': [
    {
      kind: 'message_status',
      phoneNumberId: PHONE_NUMBER_ID,
      wamid: ORDER_STATUS_WAMID,
      status: 'FAILED',
      rawStatus: 'failed',
      errors: [
        {
          code: 2046,
          title: 'New order status was not correctly transitioned.',
          message: 'New order status was not correctly transitioned.',
          details: 'Order A1001-1 cannot move from completed to processing',
        },
      ],
      timestamp: at(1746500100),
      recipientId: '919876543210',
    },
  ],
  'webhook.order-status-error.2047.json': [
    {
      kind: 'message_status',
      phoneNumberId: PHONE_NUMBER_ID,
      wamid: ORDER_STATUS_WAMID,
      status: 'FAILED',
      rawStatus: 'failed',
      errors: [
        {
          code: 2047,
          title: "Could not change order status to 'canceled'",
          message: "Could not change order status to 'canceled'",
          details: 'A payment for order A1001-1 is captured',
        },
      ],
      timestamp: at(1746500100),
      recipientId: '919876543210',
    },
  ],
  'webhook.payment-configuration-update.json': [
    {
      kind: 'payment_configuration',
      configurationName: 'prod-razorpay',
      status: 'Needs Connecting',
      providerName: 'razorpay',
      providerMid: 'acc_Example123',
      wabaId: WABA_ID,
      timestamp: at(1749320300),
    },
  ],
};

describe('parseWebhook: the wire samples', () => {
  it('has an expectation for every webhook sample (a new sample must get one)', () => {
    // the directory test/fixtures/load-wire.ts reads from
    const samples = readdirSync(WIRE_DIR).filter((f) => /^webhook\..*\.json$/.test(f));
    expect(samples.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.keys(EXPECTED))('parses %s to the exact update', (name) => {
    expect(parseWebhook(wire(name))).toEqual({ updates: EXPECTED[name], malformed: null, problems: [] });
  });
});

describe('parseWebhook: leniency', () => {
  it('reads 2046 given in value.errors[] instead of statuses[].errors[]', () => {
    const body = messages({
      errors: [
        {
          code: 2046,
          title: 'New order status was not correctly transitioned.',
          message: 'New order status was not correctly transitioned.',
          error_data: { details: 'Order A1001-1 cannot move from completed to processing' },
        },
      ],
    });
    expect(parseWebhook(body)).toEqual({
      updates: [
        {
          kind: 'error',
          phoneNumberId: PHONE_NUMBER_ID,
          wamid: null,
          errors: [
            {
              code: 2046,
              title: 'New order status was not correctly transitioned.',
              message: 'New order status was not correctly transitioned.',
              details: 'Order A1001-1 cannot move from completed to processing',
            },
          ],
        },
      ],
      malformed: null,
      problems: [],
    });
  });

  it('keeps a payment webhook with an unknown status as a payment hint (status null, raw kept)', () => {
    const body = wire('webhook.payment.captured.json');
    body.entry[0].changes[0].value.statuses[0].status = 'refunded';
    const { updates, malformed } = parseWebhook(body);
    expect(malformed).toBeNull();
    expect(updates).toEqual([
      { ...EXPECTED['webhook.payment.captured.json'][0], status: null, rawStatus: 'refunded' },
    ]);
  });

  it('treats a status with a payment object but no type as a payment, with numeric timestamps and a string method', () => {
    const body = messages({
      statuses: [
        {
          id: 'wamid.X',
          status: 'captured',
          timestamp: 1746500005,
          payment: {
            reference_id: 'R-2',
            amount: { value: '100', offset: '100' },
            transaction: { id: 'order_1', type: 'PayU', status: 'success', method: 'card', created_timestamp: '1746500000' },
          },
        },
      ],
    });
    expect(parseWebhook(body).updates).toEqual([
      {
        kind: 'payment',
        phoneNumberId: PHONE_NUMBER_ID,
        notificationId: 'wamid.X',
        referenceId: 'R-2',
        status: 'CAPTURED',
        rawStatus: 'captured',
        amount: { value: 100, offset: 100 },
        currency: null,
        transaction: {
          id: 'order_1',
          pgTransactionId: null,
          gateway: 'PAYU',
          status: 'SUCCESS',
          method: 'card',
          amount: null,
          orderAmount: null,
          currency: null,
          errorCode: null,
          errorReason: null,
          createdAt: at(1746500000),
          updatedAt: null,
          refunds: [],
        },
        refunds: [],
        timestamp: at(1746500005),
      },
    ]);
  });

  it('gives a payment without transaction, amount or id nulls, and skips a transaction without id (the attempt still counts)', () => {
    const body = messages({
      statuses: [
        { type: 'payment', status: 'pending', payment: { reference_id: 'R-3' } },
        { type: 'payment', status: 'pending', payment: { reference_id: 'R-4', transaction: { status: 'pending' } } },
      ],
    });
    const base = {
      kind: 'payment',
      phoneNumberId: PHONE_NUMBER_ID,
      notificationId: null,
      status: 'PENDING',
      rawStatus: 'pending',
      amount: null,
      currency: null,
      transaction: null,
      refunds: [],
      timestamp: null,
    };
    expect(parseWebhook(body).updates).toEqual([
      // "pending" without an attempt: nobody has tried to pay yet
      { ...base, referenceId: 'R-3', status: 'NEW' },
      { ...base, referenceId: 'R-4' },
    ]);
  });

  it('makes a payment status without a reference_id an unknown update (nothing to look up)', () => {
    const body = messages({ statuses: [{ id: 'wamid.X', type: 'payment', status: 'captured' }] });
    expect(parseWebhook(body).updates).toEqual([
      { kind: 'unknown', field: 'messages', description: 'payment status without payment.reference_id' },
    ]);
  });

  it('maps sent and read, and makes an unknown message status, or one without id, an unknown update', () => {
    const body = messages({
      statuses: [
        { id: 'wamid.A', status: 'sent', timestamp: '1746500001', recipient_id: '91' },
        { id: 'wamid.A', status: 'READ', timestamp: 'soon' },
        { id: 'wamid.A', status: 'deleted' },
        { id: 'wamid.A' },
        { status: 'delivered' },
      ],
    });
    expect(parseWebhook(body).updates).toEqual([
      {
        kind: 'message_status',
        phoneNumberId: PHONE_NUMBER_ID,
        wamid: 'wamid.A',
        status: 'SENT',
        rawStatus: 'sent',
        errors: [],
        timestamp: at(1746500001),
        recipientId: '91',
      },
      {
        kind: 'message_status',
        phoneNumberId: PHONE_NUMBER_ID,
        wamid: 'wamid.A',
        status: 'READ',
        rawStatus: 'READ',
        errors: [],
        timestamp: null,
        recipientId: null,
      },
      { kind: 'unknown', field: 'messages', description: 'message status "deleted" is not handled' },
      { kind: 'unknown', field: 'messages', description: 'status without a status value' },
      { kind: 'unknown', field: 'messages', description: 'message status "delivered" without id' },
    ]);
  });

  it('reads odd error entries leniently (string code, missing parts, non-objects skipped)', () => {
    const body = messages({
      statuses: [{ id: 'wamid.A', status: 'failed', errors: [{ code: '131047' }, 'oops', { title: 'T', error_data: 5 }] }],
    });
    const [update] = parseWebhook(body).updates;
    expect(update).toMatchObject({
      kind: 'message_status',
      errors: [
        { code: 131047, title: null, message: null, details: null },
        { code: null, title: 'T', message: null, details: null },
      ],
    });
  });

  it('makes an unknown field an unknown update and still reads the other changes', () => {
    const body = {
      object: 'whatsapp_business_account',
      entry: [
        {
          id: WABA_ID,
          changes: [
            { field: 'account_update', value: { event: 'VERIFIED_ACCOUNT' } },
            ...wire('webhook.message-status.delivered.json').entry[0].changes,
          ],
        },
      ],
    };
    expect(parseWebhook(body)).toEqual({
      updates: [
        { kind: 'unknown', field: 'account_update', description: 'field "account_update" is not handled' },
        ...EXPECTED['webhook.message-status.delivered.json'],
      ],
      malformed: null,
      problems: [],
    });
  });

  it('makes each inbound customer message an unknown update', () => {
    const body = messages({
      contacts: [{ profile: { name: 'Asha' }, wa_id: '919876543210' }],
      messages: [
        { from: '919876543210', id: 'wamid.IN1', timestamp: '1746500200', type: 'text', text: { body: 'hi' } },
        { from: '919876543210', id: 'wamid.IN2', timestamp: '1746500201', type: 'image', image: { id: '1' } },
      ],
    });
    expect(parseWebhook(body)).toEqual({
      updates: [
        { kind: 'unknown', field: 'messages', description: 'inbound message' },
        { kind: 'unknown', field: 'messages', description: 'inbound message' },
      ],
      malformed: null,
      problems: [],
    });
  });

  it('reads statuses, value.errors and messages of one value, in that order', () => {
    const body = messages({
      statuses: [{ id: 'wamid.A', status: 'sent' }],
      errors: [{ code: 2047 }],
      messages: [{ type: 'text' }],
    });
    expect(parseWebhook(body).updates.map((u) => u.kind)).toEqual(['message_status', 'error', 'unknown']);
  });

  it('flattens several entries and changes in body order', () => {
    const a = wire('webhook.payment.pending.json');
    const b = wire('webhook.payment.captured.json');
    const c = wire('webhook.payment-configuration-update.json');
    const body = { object: 'whatsapp_business_account', entry: [...a.entry, { ...b.entry[0], changes: [...b.entry[0].changes, ...c.entry[0].changes] }] };
    expect(parseWebhook(body).updates).toEqual([
      ...EXPECTED['webhook.payment.pending.json'],
      ...EXPECTED['webhook.payment.captured.json'],
      // entry.time absent here: timestamp still comes from updated_timestamp
      ...EXPECTED['webhook.payment-configuration-update.json'],
    ]);
  });

  it('falls back to entry.time for a payment_configuration_update without timestamps, and refuses one without a name', () => {
    const ok = envelope('payment_configuration_update', { configuration_name: 'c1', status: 'Active' }, { time: 1749320000 });
    expect(parseWebhook(ok).updates).toEqual([
      {
        kind: 'payment_configuration',
        configurationName: 'c1',
        status: 'Active',
        providerName: null,
        providerMid: null,
        wabaId: WABA_ID,
        timestamp: at(1749320000),
      },
    ]);
    const nameless = envelope('payment_configuration_update', { status: 'Active' });
    expect(parseWebhook(nameless).updates).toEqual([
      {
        kind: 'unknown',
        field: 'payment_configuration_update',
        description: 'payment_configuration_update without configuration_name or status',
      },
    ]);
  });

  it('accepts a body without "object" but skips another Graph object entirely', () => {
    const body = wire('webhook.message-status.delivered.json');
    delete body.object;
    expect(parseWebhook(body).updates).toEqual(EXPECTED['webhook.message-status.delivered.json']);
    const page = { ...wire('webhook.message-status.delivered.json'), object: 'page' };
    expect(parseWebhook(page)).toEqual({
      updates: [{ kind: 'unknown', field: null, description: 'object "page" is not whatsapp_business_account' }],
      malformed: null,
      problems: [],
    });
  });
});

describe('parseWebhook: malformed bodies never throw', () => {
  it.each<[string, unknown, string]>([
    ['null', null, 'body is null, not a JSON object'],
    ['an array', [], 'body is an array, not a JSON object'],
    ['a string', 'entry', 'body is a string, not a JSON object'],
    ['a number', 5, 'body is a number, not a JSON object'],
    ['undefined', undefined, 'body is a undefined, not a JSON object'],
    ['{}', {}, 'body has no entry array'],
    ['{ entry: 5 }', { entry: 5 }, 'body has no entry array'],
    ['{ entry: {} }', { entry: {} }, 'body has no entry array'],
  ])('%s -> malformed', (_name, body, reason) => {
    expect(parseWebhook(body)).toEqual({ updates: [], malformed: reason, problems: [] });
  });

  it('gives no updates for an empty entry list', () => {
    expect(parseWebhook({ object: 'whatsapp_business_account', entry: [] })).toEqual({ updates: [], malformed: null, problems: [] });
  });

  it('turns entries and changes of the wrong shape into unknown updates and reads the rest', () => {
    const body = {
      object: 'whatsapp_business_account',
      entry: [
        7,
        null,
        { id: WABA_ID, changes: 'messages' },
        { id: WABA_ID },
        { id: WABA_ID, changes: [null, 'x', { value: {} }, { field: 42, value: {} }, { field: 'messages', value: [] }, { field: 'messages' }] },
        ...wire('webhook.payment.captured.json').entry,
      ],
    };
    expect(parseWebhook(body)).toEqual({
      updates: [
        { kind: 'unknown', field: null, description: 'entry is not an object' },
        { kind: 'unknown', field: null, description: 'entry is not an object' },
        { kind: 'unknown', field: null, description: 'entry has no changes array' },
        { kind: 'unknown', field: null, description: 'entry has no changes array' },
        { kind: 'unknown', field: null, description: 'change is not an object' },
        { kind: 'unknown', field: null, description: 'change is not an object' },
        { kind: 'unknown', field: null, description: 'change without a field' },
        { kind: 'unknown', field: null, description: 'change without a field' },
        { kind: 'unknown', field: 'messages', description: 'value is not an object' },
        { kind: 'unknown', field: 'messages', description: 'value is not an object' },
        ...EXPECTED['webhook.payment.captured.json'],
      ],
      malformed: null,
      problems: [],
    });
  });

  it('turns statuses that are not objects, and non-array lists, into unknown updates', () => {
    expect(parseWebhook(messages({ statuses: [5, 'delivered', null, ['x']] })).updates).toEqual(
      Array(4).fill({ kind: 'unknown', field: 'messages', description: 'status is not an object' }),
    );
    expect(parseWebhook(messages({ statuses: { id: 'wamid.A' }, errors: 'bad', messages: 3 })).updates).toEqual([
      { kind: 'unknown', field: 'messages', description: 'statuses is not an array' },
      { kind: 'unknown', field: 'messages', description: 'errors is not an array' },
      { kind: 'unknown', field: 'messages', description: 'messages is not an array' },
    ]);
    expect(parseWebhook(messages({ errors: [1, 'x'] })).updates).toEqual([
      { kind: 'unknown', field: 'messages', description: 'errors holds no error objects' },
    ]);
    expect(parseWebhook(messages({})).updates).toEqual([
      { kind: 'unknown', field: 'messages', description: 'messages change without statuses, errors or messages' },
    ]);
  });

  it('keeps quoted wire values in descriptions short', () => {
    const long = 'x'.repeat(500);
    const [u] = parseWebhook(envelope(long, {})).updates;
    expect(u.kind).toBe('unknown');
    if (u.kind !== 'unknown') return;
    expect(u.field).toHaveLength(100);
    expect(u.description).toBe(`field "${'x'.repeat(40)}…" is not handled`);
  });

  it('does not throw on input JSON.parse cannot produce (a throwing getter)', () => {
    const entry = {
      id: WABA_ID,
      get changes(): unknown {
        throw new Error('boom');
      },
    };
    const body = { object: 'whatsapp_business_account', entry: [...wire('webhook.payment.pending.json').entry, entry] };
    expect(parseWebhook(body)).toEqual({
      updates: EXPECTED['webhook.payment.pending.json'],
      malformed: 'body could not be read: boom',
      problems: [],
    });
  });
});

describe('parseWebhook: update cap', () => {
  const status = (i: number) => ({ id: `wamid.${i}`, status: 'delivered' });

  it(`reads exactly ${MAX_WEBHOOK_UPDATES} updates without an overflow note`, () => {
    const { updates } = parseWebhook(messages({ statuses: Array.from({ length: MAX_WEBHOOK_UPDATES }, (_, i) => status(i)) }));
    expect(updates).toHaveLength(MAX_WEBHOOK_UPDATES);
    expect(updates.every((u) => u.kind === 'message_status')).toBe(true);
  });

  it('reads the first 1000 and turns the rest into one unknown "too many updates" entry', () => {
    const statuses = Array.from({ length: 5000 }, (_, i) => status(i));
    // spread over several changes and entries, plus inbound messages, to cross every loop
    const body = {
      object: 'whatsapp_business_account',
      entry: [
        { id: WABA_ID, changes: [{ field: 'messages', value: { statuses: statuses.slice(0, 999) } }] },
        { id: WABA_ID, changes: [{ field: 'messages', value: { messages: [{}, {}, {}] } }, { field: 'messages', value: { statuses: statuses.slice(999) } }] },
      ],
    };
    const { updates, malformed } = parseWebhook(body);
    expect(malformed).toBeNull();
    expect(updates).toHaveLength(MAX_WEBHOOK_UPDATES + 1);
    expect(updates[998]).toMatchObject({ kind: 'message_status', wamid: 'wamid.998' });
    expect(updates[999]).toEqual({ kind: 'unknown', field: 'messages', description: 'inbound message' });
    expect(updates[MAX_WEBHOOK_UPDATES]).toEqual({
      kind: 'unknown',
      field: null,
      description: 'too many updates: only the first 1000 were read',
    });
  });

  it('caps unknown updates too (a body of garbage entries)', () => {
    const { updates } = parseWebhook({ entry: Array(100_000).fill(0) });
    expect(updates).toHaveLength(MAX_WEBHOOK_UPDATES + 1);
    expect(updates[MAX_WEBHOOK_UPDATES]).toMatchObject({ description: 'too many updates: only the first 1000 were read' });
  });
});

describe("parseWebhook: Meta's payment vocabulary (pending/captured, the transaction tells the rest)", () => {
  const payment = (status: string, transaction?: Record<string, unknown>) =>
    messages({ statuses: [{ id: 'gBGGFlB5YjhvAgnhuF1qIUvCo7A', type: 'payment', status, payment: { reference_id: 'R-1', ...(transaction ? { transaction } : {}) } }] });
  const claim = (body: unknown) => (parseWebhook(body).updates[0] as { status: string | null }).status;

  it.each<[string, string, Record<string, unknown> | undefined, string | null]>([
    ['pending without an attempt', 'pending', undefined, 'NEW'],
    ['pending with an attempt in progress', 'pending', { id: 'order_1', status: 'pending' }, 'PENDING'],
    ['pending with a failed attempt (Meta sends no "failed" payment status)', 'pending', { id: 'order_1', status: 'failed' }, 'FAILED'],
    ['captured', 'captured', { id: 'order_1', status: 'success' }, 'CAPTURED'],
    ['the older vocabulary: failed', 'failed', { id: 'order_1', status: 'failed' }, 'FAILED'],
    ['the older vocabulary: new', 'new', undefined, 'NEW'],
    ['the older vocabulary: canceled', 'canceled', undefined, 'CANCELED'],
    ['an unknown word', 'authorized', { id: 'order_1', status: 'pending' }, null],
  ])('%s → %s', (_name, status, transaction, expected) => {
    expect(claim(payment(status, transaction))).toBe(expected);
  });

  it("keeps statuses[].id of a payment as notificationId: it is not a wamid and is never matched as one", () => {
    const [update] = parseWebhook(wire('webhook.payment.meta-captured-with-refund.json')).updates;
    expect(update).toMatchObject({ kind: 'payment', notificationId: 'gBGGFlB5YjhvAgnhuF1qIUvCo7A' });
    expect(update).not.toHaveProperty('wamid');
  });
});

describe('parseWebhook: values out of range are left out and reported, never passed on', () => {
  const failedStatus = (overrides: Record<string, unknown>) =>
    messages({ statuses: [{ id: 'wamid.A', status: 'failed', timestamp: '1746500100', errors: [{ code: 131026, title: 'Message undeliverable' }], ...overrides }] });

  it('an error code of 99999999999: the status still applies, without the code', () => {
    const parsed = parseWebhook(failedStatus({ errors: [{ code: 99999999999, title: 'Message undeliverable' }] }));
    expect(parsed.updates).toEqual([expect.objectContaining({ kind: 'message_status', status: 'FAILED', errors: [{ code: null, title: 'Message undeliverable', message: null, details: null }] })]);
    expect(parsed.problems).toEqual(['entry[0].changes[0].value.statuses[0].errors[0].code is "99999999999", out of range (0 to 2147483647)']);
  });

  it('a timestamp of 1e20, and a negative one, are left out', () => {
    expect(parseWebhook(failedStatus({ timestamp: 1e20 })).problems).toEqual([
      'entry[0].changes[0].value.statuses[0].timestamp is "100000000000000000000", out of range (0 to 253402300799)',
    ]);
    const negative = parseWebhook(failedStatus({ timestamp: '-5' }));
    expect(negative.updates[0]).toMatchObject({ timestamp: null });
    expect(negative.problems).toHaveLength(1);
  });

  it('a payment amount of 1e12, an offset of 1e15 or 7, a currency of "RUPEES": left out of the hint', () => {
    const body = wire('webhook.payment.meta-captured-with-refund.json');
    const s = body.entry[0].changes[0].value.statuses[0];
    s.payment.amount = { value: 1e12, offset: 100 };
    s.payment.currency = 'RUPEES';
    s.payment.transaction.amount = { value: 52000, offset: 1e15 };
    s.payment.refunds[0].amount = { value: 20000, offset: 7 };
    const parsed = parseWebhook(body);
    expect(parsed.updates[0]).toMatchObject({ kind: 'payment', status: 'CAPTURED', amount: null, currency: null, transaction: { amount: null }, refunds: [{ amount: null }] });
    const at = 'entry[0].changes[0].value.statuses[0].payment';
    expect(parsed.problems).toEqual([
      `${at}.transaction.amount.offset is "1000000000000000", out of range (1 to 1000000000)`,
      `${at}.amount.value is "1000000000000", out of range (0 to 2147483647)`,
      `${at}.currency is 6 characters long (at most 3 allowed)`,
      `${at}.refunds[0].amount.offset is 7, not a power of ten`,
    ]);
  });

  it('identifiers too long for their columns, or with control characters, are not matched on', () => {
    const longWamid = messages({ statuses: [{ id: `wamid.${'x'.repeat(300)}`, status: 'delivered' }] });
    expect(parseWebhook(longWamid)).toEqual({
      updates: [{ kind: 'unknown', field: 'messages', description: 'message status "delivered" without id' }],
      malformed: null,
      problems: ['entry[0].changes[0].value.statuses[0].id is 306 characters long (at most 255 allowed)'],
    });
    const nul = envelope('messages', { metadata: { phone_number_id: '1065\u00004035' }, statuses: [{ id: 'wamid.A', status: 'read' }] });
    const parsed = parseWebhook(nul);
    expect(parsed.updates).toEqual([expect.objectContaining({ kind: 'message_status', phoneNumberId: null })]);
    expect(parsed.problems).toEqual(['entry[0].changes[0].value.metadata.phone_number_id contains control characters ("1065\\u00004035")']);
  });

  it('a payment reference id that is not one the gateway sends is an unknown update, reported', () => {
    const body = messages({ statuses: [{ id: 'n1', type: 'payment', status: 'captured', payment: { reference_id: 'R\u0000-1' } }] });
    expect(parseWebhook(body)).toEqual({
      updates: [{ kind: 'unknown', field: 'messages', description: 'payment status with an invalid payment.reference_id' }],
      malformed: null,
      problems: ['entry[0].changes[0].value.statuses[0].payment.reference_id is "R\\u0000-1", not a reference id (1-35 of A-Z a-z 0-9 _ . -)'],
    });
  });

  it('descriptive texts are made storable: control characters dropped, cut to 1000 characters', () => {
    const parsed = parseWebhook(failedStatus({ errors: [{ code: 131026, title: 'a\u0000b', error_data: { details: 'd'.repeat(5000) } }] }));
    const [update] = parsed.updates as Array<{ errors: Array<{ title: string; details: string }> }>;
    expect(update.errors[0].title).toBe('ab');
    expect(update.errors[0].details).toHaveLength(1000);
    expect(parsed.problems).toEqual([]);
  });

  it('a payment configuration status longer than its column is not applied', () => {
    const body = envelope('payment_configuration_update', { configuration_name: 'c1', status: 'x'.repeat(65) });
    const parsed = parseWebhook(body);
    expect(parsed.updates).toEqual([
      { kind: 'unknown', field: 'payment_configuration_update', description: 'payment_configuration_update without configuration_name or status' },
    ]);
    expect(parsed.problems).toEqual(['entry[0].changes[0].value.status is 65 characters long (at most 64 allowed)']);
  });
});
