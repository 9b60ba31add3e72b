import { readdirSync } from 'node:fs';
import { parseLookupResponse, type LookupPayment } from '../../src/whatsapp/lookup';
import { fromWireOrderStatus, toWireOrderStatus } from '../../src/whatsapp/wire-mapping';
import { WireProblems, wireTimestamp } from '../../src/whatsapp/wire-values';
import { WIRE_DIR, wire } from '../fixtures/load-wire';

const at = (seconds: number) => new Date(seconds * 1000);

describe('parseLookupResponse', () => {
  it('parses wire/lookup.response.captured.json completely', () => {
    expect(parseLookupResponse(wire('lookup.response.captured.json'), 'A1001-1')).toEqual({
      referenceId: 'A1001-1',
      status: 'CAPTURED',
      rawStatus: 'captured',
      currency: 'INR',
      amount: { value: 52000, offset: 100 },
      transactions: [
        {
          id: 'order_SdrcSSqobZ7voR',
          pgTransactionId: 'pay_SdrcU2qLk8Xy1a',
          gateway: 'RAZORPAY',
          status: 'SUCCESS',
          method: 'upi',
          amount: { value: 52000, offset: 100 },
          orderAmount: null,
          currency: 'INR',
          errorCode: null,
          errorReason: null,
          createdAt: new Date(1746500000 * 1000),
          updatedAt: new Date(1746500005 * 1000),
          refunds: [],
        },
      ],
      problems: [],
    });
  });

  it('parses a new payment without transactions', () => {
    const p = parseLookupResponse(wire('lookup.response.new.json'), 'A1001-1');
    expect(p).toMatchObject({ status: 'NEW', rawStatus: 'new', transactions: [] });
  });

  it('parses a pending transaction without pg_transaction_id, method and amount', () => {
    const p = parseLookupResponse(wire('lookup.response.pending.json'), 'A1001-1');
    expect(p?.status).toBe('PENDING');
    expect(p?.transactions).toEqual([
      expect.objectContaining({ id: 'order_SdrcSSqobZ7voR', status: 'PENDING', pgTransactionId: null, method: null, amount: null, currency: null }),
    ]);
  });

  it('accepts a bare payment object instead of { payments: [...] }', () => {
    const bare = wire('lookup.response.captured.json').payments[0];
    expect(parseLookupResponse(bare, 'A1001-1')?.status).toBe('CAPTURED');
  });

  it('answers null for an empty list (no payment yet)', () => {
    expect(parseLookupResponse({ payments: [] }, 'A1001-1')).toBeNull();
    expect(parseLookupResponse({ payments: null }, 'A1001-1')).toBeNull();
  });

  it('accepts timestamps as strings and a method given as a plain string', () => {
    const body = wire('lookup.response.captured.json');
    Object.assign(body.payments[0].transactions[0], { created_timestamp: '1746500000', updated_timestamp: '1746500005', method: 'card' });
    const t = parseLookupResponse(body, 'A1001-1')!.transactions[0];
    expect(t.createdAt).toEqual(new Date(1746500000 * 1000));
    expect(t.updatedAt).toEqual(new Date(1746500005 * 1000));
    expect(t.method).toBe('card');
  });

  it('keeps an unknown status as raw text and maps it to null, never throws', () => {
    const body = wire('lookup.response.captured.json');
    body.payments[0].status = 'refunded';
    Object.assign(body.payments[0].transactions[0], { status: 'reversed', type: 'stripe', created_timestamp: 'yesterday' });
    const p = parseLookupResponse(body, 'A1001-1')!;
    expect(p.status).toBeNull();
    expect(p.rawStatus).toBe('refunded');
    expect(p.transactions[0]).toMatchObject({ status: null, gateway: null, createdAt: null });
  });

  it('reads the error code and reason of a failed transaction', () => {
    const tx = wire('webhook.payment.failed.json').entry[0].changes[0].value.statuses[0].payment.transaction;
    const p = parseLookupResponse({ payments: [{ reference_id: 'R', status: 'failed', transactions: [tx] }] }, 'R')!;
    expect(p.status).toBe('FAILED');
    expect(p.transactions[0]).toMatchObject({ status: 'FAILED', errorCode: 'BAD_REQUEST_ERROR', errorReason: 'Payment declined by the bank' });
  });

  it('skips transactions without an id rather than inventing one', () => {
    const p = parseLookupResponse({ payments: [{ reference_id: 'R', status: 'pending', transactions: [{ status: 'pending' }] }] }, 'R')!;
    expect(p.transactions).toEqual([]);
  });

  it('picks the payment of the requested reference id out of several', () => {
    const body = { payments: [{ reference_id: 'OTHER', status: 'captured' }, { reference_id: 'R', status: 'pending' }] };
    expect(parseLookupResponse(body, 'R')?.status).toBe('NEW');
  });

  it('refuses an answer about another reference id instead of applying it', () => {
    expect(() => parseLookupResponse({ payments: [{ reference_id: 'OTHER', status: 'captured' }] }, 'R')).toThrow(/"OTHER", not R/);
  });

  it('fills a missing reference id with the requested one', () => {
    expect(parseLookupResponse({ payments: [{ status: 'new' }] }, 'R')?.referenceId).toBe('R');
  });

  it('throws on bodies that are neither shape', () => {
    expect(() => parseLookupResponse('ok', 'R')).toThrow(/not a JSON object/);
    expect(() => parseLookupResponse({ data: [] }, 'R')).toThrow(/neither/);
  });
});

describe("parseLookupResponse: Meta's documented lookup answers (lookup.response.meta-*.json)", () => {
  const EXPECTED: Record<string, LookupPayment> = {
    // pending without transactions: nobody has tried to pay yet
    'lookup.response.meta-no-attempt.json': {
      referenceId: 'A1001-1',
      status: 'NEW',
      rawStatus: 'pending',
      currency: 'INR',
      amount: { value: 52000, offset: 100 },
      transactions: [],
      problems: [],
    },
    // pending whose only transaction failed: the customer may retry
    'lookup.response.meta-failed-attempt.json': {
      referenceId: 'A1001-1',
      status: 'FAILED',
      rawStatus: 'pending',
      currency: 'INR',
      amount: { value: 52000, offset: 100 },
      transactions: [
        {
          id: 'order_SdrcSSqobZ7voR',
          pgTransactionId: 'pay_SdrcVx1kH0T3aB',
          gateway: 'RAZORPAY',
          status: 'FAILED',
          method: 'upi',
          amount: { value: 52000, offset: 100 },
          orderAmount: { value: 52000, offset: 100 },
          currency: 'INR',
          errorCode: 'BAD_REQUEST_ERROR',
          errorReason: 'incorrect_pin',
          createdAt: at(1772129329),
          updatedAt: at(1772129329),
          refunds: [],
        },
      ],
      problems: [],
    },
    // captured after a retry: both attempts kept, under the same PG order id, told apart by
    // pg_transaction_id; timestamps as strings; the refund inside the transaction
    'lookup.response.meta-captured-after-retry.json': {
      referenceId: 'A1001-1',
      status: 'CAPTURED',
      rawStatus: 'captured',
      currency: 'INR',
      amount: { value: 52000, offset: 100 },
      transactions: [
        {
          id: 'order_SdrcSSqobZ7voR',
          pgTransactionId: 'pay_SdrcVx1kH0T3aB',
          gateway: 'RAZORPAY',
          status: 'FAILED',
          method: 'upi',
          amount: { value: 52000, offset: 100 },
          orderAmount: { value: 52000, offset: 100 },
          currency: 'INR',
          errorCode: 'BAD_REQUEST_ERROR',
          errorReason: 'incorrect_pin',
          createdAt: at(1772129329),
          updatedAt: at(1772129329),
          refunds: [],
        },
        {
          id: 'order_SdrcSSqobZ7voR',
          pgTransactionId: 'pay_SdrcZ81bq2Ld0K',
          gateway: 'RAZORPAY',
          status: 'SUCCESS',
          method: 'upi',
          amount: { value: 52000, offset: 100 },
          orderAmount: { value: 52000, offset: 100 },
          currency: 'INR',
          errorCode: null,
          errorReason: null,
          createdAt: at(1772129415),
          updatedAt: at(1772129417),
          refunds: [
            {
              id: 'rfnd_Sdrd41xQ8mT2aZ',
              amount: { value: 20000, offset: 100 },
              speedProcessed: 'normal',
              status: 'SUCCESS',
              rawStatus: 'success',
              createdAt: at(1772215815),
              updatedAt: at(1772302215),
            },
          ],
        },
      ],
      problems: [],
    },
  };

  it('has an expectation for every meta lookup answer (the error body is the client\'s: whatsapp-client.test.ts)', () => {
    const samples = readdirSync(WIRE_DIR).filter((f) => /^lookup\.response\.meta-.*\.json$/.test(f) && f !== 'lookup.response.meta-error.json');
    expect(samples.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.keys(EXPECTED))('parses %s exactly', (name) => {
    expect(parseLookupResponse(wire(name), 'A1001-1')).toEqual(EXPECTED[name]);
  });

  it('derives the four rows of the payment table, and keeps the older vocabulary', () => {
    const payment = (status: string, statuses: string[]) =>
      parseLookupResponse({ payments: [{ reference_id: 'R', status, transactions: statuses.map((s, i) => ({ id: `order_${i}`, status: s })) }] }, 'R')!.status;
    expect(payment('pending', [])).toBe('NEW');
    expect(payment('pending', ['pending'])).toBe('PENDING');
    expect(payment('pending', ['failed', 'failed'])).toBe('FAILED');
    expect(payment('pending', ['failed', 'pending'])).toBe('PENDING');
    expect(payment('captured', ['failed', 'success'])).toBe('CAPTURED');
    expect(payment('new', [])).toBe('NEW');
    expect(payment('failed', ['failed'])).toBe('FAILED');
    expect(payment('canceled', [])).toBe('CANCELED');
    // an attempt without an id is not kept, but it still counts
    expect(parseLookupResponse({ payments: [{ reference_id: 'R', status: 'pending', transactions: [{ status: 'pending' }] }] }, 'R')).toMatchObject({
      status: 'PENDING',
      transactions: [],
    });
  });
});

describe('parseLookupResponse: values out of range are left out and listed as problems', () => {
  it('an amount of 1e12, an offset of 1e15, a timestamp of 1e20, an over-long id and method, a NUL in an error code', () => {
    const body = wire('lookup.response.meta-captured-after-retry.json');
    const p = body.payments[0];
    p.amount = { value: 1e12, offset: 100 };
    p.transactions[0].order_amount = { value: 52000, offset: 1e15 };
    p.transactions[0].created_timestamp = 1e20;
    p.transactions[0].error.code = 'BAD\u0000REQUEST';
    p.transactions[1].method = { type: 'm'.repeat(65) };
    p.transactions.push({ id: 'o'.repeat(129), status: 'pending' });
    const parsed = parseLookupResponse(body, 'A1001-1')!;
    expect(parsed.status).toBe('CAPTURED');
    expect(parsed.amount).toBeNull();
    expect(parsed.transactions).toHaveLength(2);
    expect(parsed.transactions[0]).toMatchObject({ orderAmount: null, createdAt: null, errorCode: null, amount: { value: 52000, offset: 100 } });
    expect(parsed.transactions[1]).toMatchObject({ method: null, status: 'SUCCESS' });
    expect(parsed.problems).toEqual([
      'payment.transactions[0].order_amount.offset is "1000000000000000", out of range (1 to 1000000000)',
      'payment.transactions[0].error.code contains control characters ("BAD\\u0000REQUEST")',
      'payment.transactions[0].created_timestamp is "100000000000000000000", out of range (0 to 253402300799)',
      'payment.transactions[1].method is 65 characters long (at most 64 allowed)',
      'payment.transactions[2].id is 129 characters long (at most 128 allowed)',
      'payment.amount.value is "1000000000000", out of range (0 to 2147483647)',
    ]);
  });

  it('reads at most 100 attempts, and says so', () => {
    const transactions = Array.from({ length: 150 }, (_, i) => ({ id: `order_${i}`, status: 'failed' }));
    const parsed = parseLookupResponse({ payments: [{ reference_id: 'R', status: 'pending', transactions }] }, 'R')!;
    expect(parsed.transactions).toHaveLength(100);
    expect(parsed.problems).toEqual(['payment.transactions lists 150 attempts; only the first 100 were read']);
  });
});

describe('wire mapping', () => {
  it('accepts both spellings of partially shipped on input', () => {
    expect(fromWireOrderStatus('partially_shipped')).toBe('PARTIALLY_SHIPPED');
    expect(fromWireOrderStatus('partially-shipped')).toBe('PARTIALLY_SHIPPED');
    expect(fromWireOrderStatus('exploded')).toBeNull();
    expect(fromWireOrderStatus('__proto__')).toBeNull();
  });

  it('round-trips order statuses', () => {
    for (const s of ['PENDING', 'PROCESSING', 'PARTIALLY_SHIPPED', 'SHIPPED', 'COMPLETED', 'CANCELED'] as const) {
      expect(fromWireOrderStatus(toWireOrderStatus(s))).toBe(s);
      expect(fromWireOrderStatus(toWireOrderStatus(s, 'partially-shipped'))).toBe(s);
    }
  });

  it('reads epoch seconds as numbers or strings and refuses anything else, noting why', () => {
    const problems = new WireProblems();
    expect(wireTimestamp(1746500000, 't', problems)).toEqual(new Date(1746500000000));
    expect(wireTimestamp('1746500000', 't', problems)).toEqual(new Date(1746500000000));
    expect(wireTimestamp(undefined, 't', problems)).toBeNull();
    expect(problems.empty).toBe(true);
    expect(wireTimestamp('2025-05-06', 't', problems)).toBeNull();
    expect(wireTimestamp(-5, 't', problems)).toBeNull();
    expect(wireTimestamp(1e20, 't', problems)).toBeNull();
    expect(wireTimestamp(1746500000.5, 't', problems)).toBeNull();
    expect(problems.list()).toEqual([
      't is "2025-05-06", not an integer',
      't is "-5", out of range (0 to 253402300799)',
      't is "100000000000000000000", out of range (0 to 253402300799)',
      't is "1746500000.5", out of range (0 to 253402300799)',
    ]);
  });
});
