import { matchAttempts } from '../../src/domain/payment-attempts';
import {
  blocksCancel,
  canAdvancePayment,
  derivePaymentStatus,
  isFinalPayment,
} from '../../src/domain/payment-status';
import { fromWirePaymentStatus, fromWireTransactionStatus } from '../../src/whatsapp/wire-mapping';
import { PAYMENT_STATUSES, type PaymentStatus } from '../../src/domain/types';

// Written out by hand from the design (NEW -> PENDING -> CAPTURED | FAILED | CANCELED,
// FAILED -> PENDING, forward jumps allowed, never backwards), not derived from the code.
const T = true;
const F = false;
const ADVANCE: Record<PaymentStatus, Record<PaymentStatus, boolean>> = {
  //        to:  NEW  PENDING  CAPTURED  CANCELED  FAILED
  NEW:      { NEW: F, PENDING: T, CAPTURED: T, CANCELED: T, FAILED: T },
  PENDING:  { NEW: F, PENDING: F, CAPTURED: T, CANCELED: T, FAILED: T },
  CAPTURED: { NEW: F, PENDING: F, CAPTURED: F, CANCELED: F, FAILED: F },
  CANCELED: { NEW: F, PENDING: F, CAPTURED: F, CANCELED: F, FAILED: F },
  FAILED:   { NEW: F, PENDING: T, CAPTURED: T, CANCELED: T, FAILED: F },
};

const pairs = PAYMENT_STATUSES.flatMap((from) =>
  PAYMENT_STATUSES.map((to) => [from, to, ADVANCE[from][to]] as const),
);

describe('canAdvancePayment', () => {
  it('covers all 25 pairs', () => {
    expect(pairs).toHaveLength(25);
  });

  it.each(pairs)('%s -> %s is %p', (from, to, expected) => {
    expect(canAdvancePayment(from, to)).toBe(expected);
  });

  it('never lets a late PENDING overwrite a CAPTURED', () => {
    expect(canAdvancePayment('CAPTURED', 'PENDING')).toBe(false);
  });
});

describe('isFinalPayment', () => {
  it.each([
    ['NEW', false],
    ['PENDING', false],
    ['CAPTURED', true],
    ['CANCELED', true],
    ['FAILED', false],
  ] as const)('%s final: %p', (status, expected) => {
    expect(isFinalPayment(status)).toBe(expected);
  });
});

describe('blocksCancel', () => {
  it.each([
    ['NEW', false],
    ['PENDING', true],
    ['CAPTURED', true],
    ['CANCELED', false],
    ['FAILED', false],
  ] as const)('%s blocks cancel: %p', (status, expected) => {
    expect(blocksCancel(status)).toBe(expected);
  });
});

describe('fromWirePaymentStatus (the wire word; the status also needs the transactions)', () => {
  it.each([
    ['new', 'new'],
    ['pending', 'pending'],
    ['captured', 'captured'],
    ['failed', 'failed'],
    ['canceled', 'canceled'],
    ['CAPTURED', 'captured'],
    ['Pending', 'pending'],
  ])('%p -> %p', (wire, expected) => {
    expect(fromWirePaymentStatus(wire)).toBe(expected);
  });

  it('is lenient where senders differ: British spelling, letter case, stray spaces', () => {
    expect(fromWirePaymentStatus('cancelled')).toBe('canceled');
    expect(fromWirePaymentStatus(' Captured ')).toBe('captured');
  });

  it.each(['', 'refunded', 'success', 'toString', 'constructor'])(
    'unknown %p -> null (a hint to look the payment up, not an error)',
    (wire) => {
      expect(fromWirePaymentStatus(wire)).toBeNull();
    },
  );
});

describe('derivePaymentStatus: the table of the payment model', () => {
  it.each<[string, Parameters<typeof derivePaymentStatus>[1], string]>([
    // Meta's vocabulary: pending / captured, the transactions tell the rest
    ['pending', [], 'NEW'],
    ['pending', ['PENDING'], 'PENDING'],
    ['pending', ['FAILED'], 'FAILED'],
    ['pending', ['FAILED', 'FAILED', 'FAILED'], 'FAILED'],
    ['pending', ['FAILED', 'PENDING'], 'PENDING'],
    ['captured', ['SUCCESS'], 'CAPTURED'],
    ['captured', ['FAILED', 'SUCCESS'], 'CAPTURED'],
    // not in the table: money may be moving, so it blocks a cancel like an attempt in progress
    ['pending', ['SUCCESS'], 'PENDING'],
    ['pending', [null], 'PENDING'],
    ['pending', ['FAILED', null], 'PENDING'],
    // the older vocabulary is taken as it is
    ['new', [], 'NEW'],
    ['failed', ['FAILED'], 'FAILED'],
    ['canceled', [], 'CANCELED'],
    ['captured', [], 'CAPTURED'],
  ])('%s with %j -> %s', (reported, attempts, expected) => {
    expect(derivePaymentStatus(reported as Parameters<typeof derivePaymentStatus>[0], attempts)).toBe(expected);
  });

  it('cancel: allowed for NEW and FAILED, refused (2047) for PENDING and CAPTURED', () => {
    expect(blocksCancel(derivePaymentStatus('pending', []))).toBe(false);
    expect(blocksCancel(derivePaymentStatus('pending', ['PENDING']))).toBe(true);
    expect(blocksCancel(derivePaymentStatus('pending', ['FAILED']))).toBe(false);
    expect(blocksCancel(derivePaymentStatus('captured', ['SUCCESS']))).toBe(true);
  });
});

describe('matchAttempts: which stored transaction each listed attempt is', () => {
  const row = (transactionId: string, pgTransactionId: string | null, name: string) => ({ transactionId, pgTransactionId, name });
  const names = (rows: Array<{ name: string } | undefined>) => rows.map((r) => r?.name ?? 'new');

  it("Meta's retry: two attempts under one order id are two transactions, told apart by pg_transaction_id", () => {
    const stored = [row('order_1', 'pay_A', 'failed')];
    const listed = [
      { id: 'order_1', pgTransactionId: 'pay_A' },
      { id: 'order_1', pgTransactionId: 'pay_B' },
    ];
    expect(names(matchAttempts(stored, listed))).toEqual(['failed', 'new']);
  });

  it('an attempt seen without a pg_transaction_id is the same attempt once it has one', () => {
    const stored = [row('order_1', 'pay_A', 'failed'), row('order_1', null, 'retry')];
    const listed = [
      { id: 'order_1', pgTransactionId: 'pay_A' },
      { id: 'order_1', pgTransactionId: 'pay_B' },
    ];
    expect(names(matchAttempts(stored, listed))).toEqual(['failed', 'retry']);
  });

  it('a pending attempt that failed and a new one in progress, none with ids yet, match in order', () => {
    const stored = [row('order_1', null, 'first')];
    const listed = [
      { id: 'order_1', pgTransactionId: null },
      { id: 'order_1', pgTransactionId: null },
    ];
    expect(names(matchAttempts(stored, listed))).toEqual(['first', 'new']);
  });

  it('the older vocabulary: a retry under a new order id is a new attempt; a repeat of the same list matches all', () => {
    const stored = [row('order_1', null, 'a'), row('order_2', 'pay_2', 'b')];
    expect(names(matchAttempts(stored, [{ id: 'order_1', pgTransactionId: null }, { id: 'order_2', pgTransactionId: 'pay_2' }, { id: 'order_3', pgTransactionId: null }]))).toEqual(['a', 'b', 'new']);
    // a row is never matched twice, nor across order ids
    expect(names(matchAttempts(stored, [{ id: 'order_2', pgTransactionId: 'pay_X' }, { id: 'order_2', pgTransactionId: 'pay_2' }]))).toEqual(['new', 'b']);
  });
});

describe('fromWireTransactionStatus', () => {
  it.each([
    ['pending', 'PENDING'],
    ['success', 'SUCCESS'],
    ['failed', 'FAILED'],
    ['SUCCESS', 'SUCCESS'],
  ])('%p -> %p', (wire, expected) => {
    expect(fromWireTransactionStatus(wire)).toBe(expected);
  });

  it.each(['', 'captured', 'new', 'succeeded'])('unknown %p -> null', (wire) => {
    expect(fromWireTransactionStatus(wire)).toBeNull();
  });
});
