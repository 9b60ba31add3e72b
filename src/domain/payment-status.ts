// Payment status only moves forward. Webhooks arrive late, twice and out of order, so a stale
// PENDING must never overwrite a CAPTURED: every update is checked with canAdvancePayment.
import type { PaymentStatus, TransactionStatus } from './types';

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

/**
 * The payment status words WhatsApp uses: `pending` and `captured` on Meta's current page;
 * `new`, `failed` and `canceled` too in the older vocabulary (the seed's 360dialog page).
 */
export const WIRE_PAYMENT_STATUSES = ['new', 'pending', 'captured', 'failed', 'canceled'] as const;
export type WirePaymentStatus = (typeof WIRE_PAYMENT_STATUSES)[number];

/**
 * The gateway's payment status from what WhatsApp reports: the payment's own status and the
 * status of each of its transactions (one per attempt, oldest first). Meta's lookup and payment
 * webhook say only `pending` or `captured`; the transactions tell the rest:
 *
 *   pending, no transactions          -> NEW      nobody has tried to pay yet
 *   pending, a transaction pending    -> PENDING  an attempt is in progress
 *   pending, every transaction failed -> FAILED   attempted and failed; the customer may retry
 *   captured                          -> CAPTURED
 *
 * `pending` with anything else (a successful transaction not yet reported as captured, or a
 * transaction status this gateway does not know) is PENDING: money may be moving, so the order
 * must not be canceled on it. The older words are taken as they are.
 */
export function derivePaymentStatus(
  reported: WirePaymentStatus,
  attempts: ReadonlyArray<TransactionStatus | null>,
): PaymentStatus {
  switch (reported) {
    case 'captured':
      return 'CAPTURED';
    case 'new':
      return 'NEW';
    case 'failed':
      return 'FAILED';
    case 'canceled':
      return 'CANCELED';
    case 'pending':
      if (attempts.length === 0) return 'NEW';
      if (attempts.every((s) => s === 'FAILED')) return 'FAILED';
      return 'PENDING';
  }
}
