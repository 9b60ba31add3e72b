import {
  blocksCancel,
  canAdvancePayment,
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

describe('fromWirePaymentStatus', () => {
  it.each([
    ['new', 'NEW'],
    ['pending', 'PENDING'],
    ['captured', 'CAPTURED'],
    ['failed', 'FAILED'],
    ['canceled', 'CANCELED'],
    ['CAPTURED', 'CAPTURED'],
    ['Pending', 'PENDING'],
  ])('%p -> %p', (wire, expected) => {
    expect(fromWirePaymentStatus(wire)).toBe(expected);
  });

  it('is lenient where senders differ: British spelling, letter case, stray spaces', () => {
    expect(fromWirePaymentStatus('cancelled')).toBe('CANCELED');
    expect(fromWirePaymentStatus(' Captured ')).toBe('CAPTURED');
  });

  it.each(['', 'refunded', 'success', 'toString', 'constructor'])(
    'unknown %p -> null (a hint to look the payment up, not an error)',
    (wire) => {
      expect(fromWirePaymentStatus(wire)).toBeNull();
    },
  );
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
