import {
  CANCEL_NOT_ALLOWED_TEXT,
  INVALID_TRANSITION_TEXT,
  WHATSAPP_CANCEL_NOT_ALLOWED,
  WHATSAPP_INVALID_TRANSITION,
  cancelNotAllowed,
  invalidTransition,
  userError,
} from '../../src/domain/errors';
import {
  allowedTransitions,
  checkStatusChange,
  isTerminal,
  isTransitionAllowed,
} from '../../src/domain/order-status';
import { fromWireOrderStatus, toWireOrderStatus } from '../../src/whatsapp/wire-mapping';
import { ORDER_STATUSES, type OrderStatus, type PaymentStatus } from '../../src/domain/types';

// Written out by hand from DESIGN.md, not derived from the code.
const T = true;
const F = false;
const MACHINE: Record<OrderStatus, Record<OrderStatus, boolean>> = {
  //                 PENDING  PROCESSING  PARTIALLY_SHIPPED  SHIPPED  COMPLETED  CANCELED
  PENDING:           { PENDING: F, PROCESSING: T, PARTIALLY_SHIPPED: T, SHIPPED: T, COMPLETED: T, CANCELED: T },
  PROCESSING:        { PENDING: F, PROCESSING: F, PARTIALLY_SHIPPED: T, SHIPPED: T, COMPLETED: T, CANCELED: T },
  PARTIALLY_SHIPPED: { PENDING: F, PROCESSING: T, PARTIALLY_SHIPPED: F, SHIPPED: T, COMPLETED: T, CANCELED: T },
  SHIPPED:           { PENDING: F, PROCESSING: T, PARTIALLY_SHIPPED: T, SHIPPED: F, COMPLETED: T, CANCELED: T },
  COMPLETED:         { PENDING: F, PROCESSING: F, PARTIALLY_SHIPPED: F, SHIPPED: F, COMPLETED: F, CANCELED: F },
  CANCELED:          { PENDING: F, PROCESSING: F, PARTIALLY_SHIPPED: F, SHIPPED: F, COMPLETED: F, CANCELED: F },
};

const pairs = ORDER_STATUSES.flatMap((from) => ORDER_STATUSES.map((to) => [from, to, MACHINE[from][to]] as const));

describe('isTransitionAllowed', () => {
  it('covers all 36 pairs', () => {
    expect(pairs).toHaveLength(36);
  });

  it.each(pairs)('%s -> %s is %p', (from, to, expected) => {
    expect(isTransitionAllowed(from, to)).toBe(expected);
  });
});

describe('checkStatusChange', () => {
  // With a payment that never blocks cancel, the outcome is the machine alone.
  it.each(pairs)('%s -> %s with payment NEW', (from, to, allowed) => {
    const result = checkStatusChange(from, to, 'NEW');
    if (from === to) {
      expect(result).toEqual({ kind: 'noop' });
    } else if (allowed) {
      expect(result).toEqual({ kind: 'ok' });
    } else {
      expect(result).toEqual({ kind: 'refused', error: invalidTransition(from, to) });
    }
  });

  it('refuses a forbidden move with WhatsApp code 2046 on input.status', () => {
    const result = checkStatusChange('COMPLETED', 'PROCESSING', 'CAPTURED');
    expect(result.kind).toBe('refused');
    if (result.kind !== 'refused') return;
    expect(result.error.code).toBe('INVALID_STATUS_TRANSITION');
    expect(result.error.whatsappCode).toBe(2046);
    expect(result.error.field).toEqual(['input', 'status']);
    expect(result.error.message.startsWith('New order status was not correctly transitioned.')).toBe(true);
  });

  it('is a no-op for the current status even when it is terminal or the payment is captured', () => {
    expect(checkStatusChange('CANCELED', 'CANCELED', 'CAPTURED')).toEqual({ kind: 'noop' });
    expect(checkStatusChange('COMPLETED', 'COMPLETED', 'PENDING')).toEqual({ kind: 'noop' });
  });

  // The cancel rule for each payment status, from PENDING and from an in-progress status.
  it.each([
    ['NEW', 'ok'],
    ['PENDING', 'refused'],
    ['CAPTURED', 'refused'],
    ['CANCELED', 'ok'],
    ['FAILED', 'ok'],
  ] as const)('cancel with payment %s is %s', (payment, kind) => {
    for (const from of ['PENDING', 'PROCESSING', 'PARTIALLY_SHIPPED', 'SHIPPED'] as const) {
      const result = checkStatusChange(from, 'CANCELED', payment);
      expect(result.kind).toBe(kind);
      if (result.kind === 'refused') {
        expect(result.error).toEqual({
          code: 'CANCEL_NOT_ALLOWED',
          message: expect.stringMatching(/^Could not change order status to 'canceled'/),
          whatsappCode: 2047,
        });
      }
    }
  });

  it('reports 2046, not 2047, when a terminal order is canceled with a blocking payment', () => {
    const result = checkStatusChange('COMPLETED', 'CANCELED', 'CAPTURED');
    expect(result).toEqual({ kind: 'refused', error: expect.objectContaining({ whatsappCode: 2046 }) });
  });

  it('lets a blocking payment move the order anywhere else', () => {
    expect(checkStatusChange('PENDING', 'PROCESSING', 'PENDING')).toEqual({ kind: 'ok' });
    expect(checkStatusChange('SHIPPED', 'COMPLETED', 'CAPTURED')).toEqual({ kind: 'ok' });
  });
});

describe('allowedTransitions', () => {
  const ALL_NEXT = {
    PENDING: ['PROCESSING', 'PARTIALLY_SHIPPED', 'SHIPPED', 'COMPLETED', 'CANCELED'],
    PROCESSING: ['PARTIALLY_SHIPPED', 'SHIPPED', 'COMPLETED', 'CANCELED'],
    PARTIALLY_SHIPPED: ['PROCESSING', 'SHIPPED', 'COMPLETED', 'CANCELED'],
    SHIPPED: ['PROCESSING', 'PARTIALLY_SHIPPED', 'COMPLETED', 'CANCELED'],
    COMPLETED: [],
    CANCELED: [],
  };
  const NO_CANCEL = {
    PENDING: ['PROCESSING', 'PARTIALLY_SHIPPED', 'SHIPPED', 'COMPLETED'],
    PROCESSING: ['PARTIALLY_SHIPPED', 'SHIPPED', 'COMPLETED'],
    PARTIALLY_SHIPPED: ['PROCESSING', 'SHIPPED', 'COMPLETED'],
    SHIPPED: ['PROCESSING', 'PARTIALLY_SHIPPED', 'COMPLETED'],
    COMPLETED: [],
    CANCELED: [],
  };
  const EXPECTED: Record<PaymentStatus, Record<OrderStatus, string[]>> = {
    NEW: ALL_NEXT,
    PENDING: NO_CANCEL,
    CAPTURED: NO_CANCEL,
    CANCELED: ALL_NEXT,
    FAILED: ALL_NEXT,
  };
  const cases = (['NEW', 'PENDING', 'CAPTURED', 'CANCELED', 'FAILED'] as const).flatMap((payment) =>
    ORDER_STATUSES.map((from) => [from, payment, EXPECTED[payment][from]] as const),
  );

  it('covers all 30 combinations', () => {
    expect(cases).toHaveLength(30);
  });

  it.each(cases)('from %s with payment %s: %p', (from, payment, expected) => {
    expect(allowedTransitions(from, payment)).toEqual(expected);
  });
});

describe('isTerminal', () => {
  it.each([
    ['PENDING', false],
    ['PROCESSING', false],
    ['PARTIALLY_SHIPPED', false],
    ['SHIPPED', false],
    ['COMPLETED', true],
    ['CANCELED', true],
  ] as const)('%s terminal: %p', (status, expected) => {
    expect(isTerminal(status)).toBe(expected);
  });
});

describe('wire spelling', () => {
  it.each([
    ['PENDING', 'pending'],
    ['PROCESSING', 'processing'],
    ['PARTIALLY_SHIPPED', 'partially_shipped'],
    ['SHIPPED', 'shipped'],
    ['COMPLETED', 'completed'],
    ['CANCELED', 'canceled'],
  ] as const)('%s is sent as %p by default', (status, wire) => {
    expect(toWireOrderStatus(status)).toBe(wire);
    expect(fromWireOrderStatus(wire)).toBe(status);
  });

  it('can send the hyphenated spelling, and only changes that status', () => {
    expect(toWireOrderStatus('PARTIALLY_SHIPPED', 'partially-shipped')).toBe('partially-shipped');
    expect(toWireOrderStatus('PARTIALLY_SHIPPED', 'partially_shipped')).toBe('partially_shipped');
    expect(toWireOrderStatus('SHIPPED', 'partially-shipped')).toBe('shipped');
  });

  it.each([
    ['partially-shipped', 'PARTIALLY_SHIPPED'],
    ['PARTIALLY-SHIPPED', 'PARTIALLY_SHIPPED'],
    ['Partially_Shipped', 'PARTIALLY_SHIPPED'],
    ['CANCELED', 'CANCELED'],
    ['Processing', 'PROCESSING'],
  ])('accepts %p as %s', (wire, status) => {
    expect(fromWireOrderStatus(wire)).toBe(status);
  });

  it('is lenient where senders differ: British spelling, letter case, stray spaces', () => {
    expect(fromWireOrderStatus('cancelled')).toBe('CANCELED');
    expect(fromWireOrderStatus(' Pending ')).toBe('PENDING');
  });

  it.each(['', 'partially shipped', 'partiallyshipped', 'delivered', 'toString'])(
    'rejects %p',
    (wire) => {
      expect(fromWireOrderStatus(wire)).toBeNull();
    },
  );
});

describe('error builders', () => {
  it('userError omits keys that were not given', () => {
    const error = userError('ORDER_NOT_FOUND', 'no such order');
    expect(error).toEqual({ code: 'ORDER_NOT_FOUND', message: 'no such order' });
    expect(Object.keys(error)).toEqual(['code', 'message']);
    expect(userError('INVALID_INPUT', 'm', ['input', 'x'], 131009)).toEqual({
      code: 'INVALID_INPUT',
      message: 'm',
      field: ['input', 'x'],
      whatsappCode: 131009,
    });
  });

  it('uses WhatsApp codes and texts', () => {
    expect(WHATSAPP_INVALID_TRANSITION).toBe(2046);
    expect(WHATSAPP_CANCEL_NOT_ALLOWED).toBe(2047);
    expect(INVALID_TRANSITION_TEXT).toBe('New order status was not correctly transitioned.');
    expect(CANCEL_NOT_ALLOWED_TEXT).toBe("Could not change order status to 'canceled'");
  });

  it('invalidTransition names both statuses and what is allowed instead', () => {
    const error = invalidTransition('PROCESSING', 'PENDING');
    expect(error.code).toBe('INVALID_STATUS_TRANSITION');
    expect(error.message).toBe(
      'New order status was not correctly transitioned. An order cannot move from PROCESSING to PENDING. ' +
        'From PROCESSING the order can move to PARTIALLY_SHIPPED, SHIPPED, COMPLETED, CANCELED.',
    );
  });

  it('invalidTransition says a terminal status is final', () => {
    const error = invalidTransition('CANCELED', 'SHIPPED');
    expect(error.message).toMatch(/^New order status was not correctly transitioned\./);
    expect(error.message).toContain('from CANCELED to SHIPPED');
    expect(error.message).toContain('CANCELED is final');
  });

  it('cancelNotAllowed tells a captured payment to refund', () => {
    const error = cancelNotAllowed('CAPTURED');
    expect(error.code).toBe('CANCEL_NOT_ALLOWED');
    expect(error.whatsappCode).toBe(2047);
    expect(error.message).toMatch(/^Could not change order status to 'canceled': the payment is CAPTURED/);
    expect(error.message).toMatch(/refund/i);
    expect(error.message).toMatch(/refundPayment/);
  });

  it('cancelNotAllowed says a pending payment is an attempt in progress, and what ends it', () => {
    const error = cancelNotAllowed('PENDING');
    expect(error.message).toMatch(/^Could not change order status to 'canceled': the payment is PENDING/);
    expect(error.message).toMatch(/paying right now/);
    expect(error.message).toMatch(/once the attempt has failed/);
    expect(error.message).toMatch(/refund/);
    // never a wait for a status WhatsApp's current vocabulary never sends
    expect(error.message).not.toMatch(/cancel(l)?ed, then/i);
  });
});
