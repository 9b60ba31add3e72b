// Payment status only moves forward. Webhooks arrive late, twice and out of order, so a stale
// PENDING must never overwrite a CAPTURED: every update is checked with canAdvancePayment.
import type { PaymentStatus } from './types';

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
