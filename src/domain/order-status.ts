// The order status machine. WhatsApp enforces the same rules and answers a refused
// order_status message with an error webhook later; checking here first means the caller
// learns at once and nothing is sent that WhatsApp would only refuse.
import { cancelNotAllowed, invalidTransition } from './errors';
import { ORDER_TRANSITIONS } from './order-transitions';
import { blocksCancel } from './payment-status';
import { ORDER_STATUSES, type OrderStatus, type PaymentStatus, type UserError } from './types';

export type StatusChange =
  | { kind: 'noop' }
  | { kind: 'ok' }
  | { kind: 'refused'; error: UserError };

/** Both spellings exist in Meta's docs; which one WhatsApp accepts is configurable upstream. */

/** The status machine alone, ignoring payments. Same status is not a transition. */
export function isTransitionAllowed(from: OrderStatus, to: OrderStatus): boolean {
  return ORDER_TRANSITIONS[from].includes(to);
}

export function isTerminal(status: OrderStatus): boolean {
  return ORDER_TRANSITIONS[status].length === 0;
}

/**
 * Decides a requested status change. The machine is checked before the payment so that a
 * terminal order reports 2046 (nothing can change) rather than a payment-specific 2047.
 */
export function checkStatusChange(
  from: OrderStatus,
  to: OrderStatus,
  paymentStatus: PaymentStatus,
): StatusChange {
  if (from === to) return { kind: 'noop' };
  if (!isTransitionAllowed(from, to)) {
    return { kind: 'refused', error: invalidTransition(from, to) };
  }
  if (to === 'CANCELED' && blocksCancel(paymentStatus)) {
    return { kind: 'refused', error: cancelNotAllowed(paymentStatus) };
  }
  return { kind: 'ok' };
}

/** What a dashboard may offer next: exactly the changes checkStatusChange accepts. */
export function allowedTransitions(from: OrderStatus, paymentStatus: PaymentStatus): OrderStatus[] {
  return ORDER_STATUSES.filter((to) => checkStatusChange(from, to, paymentStatus).kind === 'ok');
}
