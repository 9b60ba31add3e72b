// Builders for the userErrors the domain returns. Expected outcomes are values, not exceptions,
// so a resolver can hand several of them back in one payload.
import { ORDER_TRANSITIONS } from './order-transitions';
import type { ErrorCode, OrderStatus, PaymentStatus, UserError } from './types';

/** WhatsApp's code for an order_status message whose status change it refuses. */
export const WHATSAPP_INVALID_TRANSITION = 2046;
/** WhatsApp's code for canceling an order whose payment is pending or captured. */
export const WHATSAPP_CANCEL_NOT_ALLOWED = 2047;

/** WhatsApp's own wording, kept verbatim so logs and dashboards match what Meta documents. */
export const INVALID_TRANSITION_TEXT = 'New order status was not correctly transitioned.';
export const CANCEL_NOT_ALLOWED_TEXT = "Could not change order status to 'canceled'";

/**
 * A UserError without undefined keys: GraphQL and JSON comparisons (idempotent replays) treat
 * a present-but-undefined key differently from an absent one.
 */
export function userError(
  code: ErrorCode,
  message: string,
  field?: string[],
  whatsappCode?: number,
): UserError {
  const error: UserError = { code, message };
  if (field !== undefined) error.field = field;
  if (whatsappCode !== undefined) error.whatsappCode = whatsappCode;
  return error;
}

export function invalidTransition(from: OrderStatus, to: OrderStatus): UserError {
  const allowed = ORDER_TRANSITIONS[from];
  const next =
    allowed.length === 0
      ? `${from} is final: no further status change is possible.`
      : `From ${from} the order can move to ${allowed.join(', ')}.`;
  const message = `${INVALID_TRANSITION_TEXT} An order cannot move from ${from} to ${to}. ${next}`;
  return userError(
    'INVALID_STATUS_TRANSITION',
    message,
    ['input', 'status'],
    WHATSAPP_INVALID_TRANSITION,
  );
}

export function cancelNotAllowed(paymentStatus: PaymentStatus): UserError {
  let reason: string;
  switch (paymentStatus) {
    case 'CAPTURED':
      reason =
        'the payment is CAPTURED, so the customer has already paid. ' +
        'Refund it with refundPayment (wholly or in part); ' +
        'WhatsApp never allows canceling a paid order.';
      break;
    case 'PENDING':
      // PENDING means an attempt is in progress (an order nobody tried to pay is NEW and can be
      // canceled), and an attempt ends as captured or failed at the payment gateway
      reason =
        'the payment is PENDING: the customer is paying right now and may still be charged. ' +
        'cancelOrder asks WhatsApp again every time, so try again once the attempt has failed ' +
        '(verifyPayment shows where it stands); if it is captured instead, refund it with refundPayment.';
      break;
    default:
      reason = `the payment is ${paymentStatus}.`;
  }
  return userError(
    'CANCEL_NOT_ALLOWED',
    `${CANCEL_NOT_ALLOWED_TEXT}: ${reason}`,
    undefined,
    WHATSAPP_CANCEL_NOT_ALLOWED,
  );
}
