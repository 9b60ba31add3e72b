// Payment status only moves forward. Webhooks arrive late, twice and out of order, so a stale
// PENDING must never overwrite a CAPTURED: every update is checked with canAdvancePayment.
import {
  PAYMENT_STATUSES,
  TRANSACTION_STATUSES,
  type PaymentStatus,
  type TransactionStatus,
} from './types';

/**
 * Every status reachable from each status in NEW -> PENDING -> CAPTURED | FAILED | CANCELED,
 * FAILED -> PENDING (the customer retries). Jumps over missed steps are allowed because a
 * webhook can be lost: NEW -> CAPTURED, and FAILED -> CAPTURED / CANCELED when the retry's
 * PENDING never reached us.
 */
const PAYMENT_ADVANCES: Readonly<Record<PaymentStatus, readonly PaymentStatus[]>> = {
  NEW: ['PENDING', 'CAPTURED', 'CANCELED', 'FAILED'],
  PENDING: ['CAPTURED', 'CANCELED', 'FAILED'],
  FAILED: ['PENDING', 'CAPTURED', 'CANCELED'],
  CAPTURED: [],
  CANCELED: [],
};

/** Whether `to` is news after `from`. Same status is not an advance (a duplicate webhook). */
export function canAdvancePayment(from: PaymentStatus, to: PaymentStatus): boolean {
  return PAYMENT_ADVANCES[from].includes(to);
}

export function isFinalPayment(status: PaymentStatus): boolean {
  return PAYMENT_ADVANCES[status].length === 0;
}

/**
 * WhatsApp refuses to cancel an order while money is in flight or taken (2047): a pending
 * payment may still be charged and a captured one needs a refund.
 */
export function blocksCancel(status: PaymentStatus): boolean {
  return status === 'PENDING' || status === 'CAPTURED';
}

/** Unknown values give null so the caller can look the payment up instead of failing. */
export function fromWirePaymentStatus(s: string): PaymentStatus | null {
  const upper = s.toUpperCase();
  return PAYMENT_STATUSES.find((status) => status === upper) ?? null;
}

export function fromWireTransactionStatus(s: string): TransactionStatus | null {
  const upper = s.toUpperCase();
  return TRANSACTION_STATUSES.find((status) => status === upper) ?? null;
}
