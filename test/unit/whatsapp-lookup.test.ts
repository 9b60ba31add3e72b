import { parseLookupResponse } from '../../src/whatsapp/lookup';
import {
  fromWireOrderStatus,
  fromWireTimestamp,
  toWireOrderStatus,
} from '../../src/whatsapp/wire-mapping';
import { wire } from '../fixtures/load-wire';

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
          currency: 'INR',
          errorCode: null,
          errorReason: null,
          createdAt: new Date(1746500000 * 1000),
          updatedAt: new Date(1746500005 * 1000),
        },
      ],
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
    expect(parseLookupResponse(body, 'R')?.status).toBe('PENDING');
  });

  it('refuses an answer about another reference id instead of applying it', () => {
    expect(() => parseLookupResponse({ payments: [{ reference_id: 'OTHER', status: 'captured' }] }, 'R')).toThrow(/OTHER, not R/);
  });

  it('fills a missing reference id with the requested one', () => {
    expect(parseLookupResponse({ payments: [{ status: 'new' }] }, 'R')?.referenceId).toBe('R');
  });

  it('throws on bodies that are neither shape', () => {
    expect(() => parseLookupResponse('ok', 'R')).toThrow(/not a JSON object/);
    expect(() => parseLookupResponse({ data: [] }, 'R')).toThrow(/neither/);
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

  it('reads epoch seconds as numbers or strings and refuses anything else', () => {
    expect(fromWireTimestamp(1746500000)).toEqual(new Date(1746500000000));
    expect(fromWireTimestamp('1746500000')).toEqual(new Date(1746500000000));
    expect(fromWireTimestamp('2025-05-06')).toBeNull();
    expect(fromWireTimestamp(undefined)).toBeNull();
    expect(fromWireTimestamp(-5)).toBeNull();
  });
});
