// Translations between the gateway's enums (src/domain/types.ts, upper case like the GraphQL
// contract) and WhatsApp's wire values (lower case, with dashes or underscores). Inbound
// mappings never throw: an unknown wire value becomes null so the caller can keep the raw value
// and decide (a payment webhook with an unknown status is still a hint to look the payment up).

import type { WirePaymentStatus } from '../domain/payment-status';
import type { GoodsType, OrderStatus, PaymentGateway, TransactionStatus } from '../domain/types';
import type { WireGateway, WireGoodsType, WireOrderStatus } from './wire-types';

export type PartiallyShippedSpelling = 'partially_shipped' | 'partially-shipped';

export function toWireGoodsType(type: GoodsType): WireGoodsType {
  return type === 'DIGITAL_GOODS' ? 'digital-goods' : 'physical-goods';
}

export function toWireGateway(gateway: PaymentGateway): WireGateway {
  return gateway.toLowerCase() as WireGateway;
}

export function toWireOrderStatus(
  status: OrderStatus,
  partiallyShippedSpelling: PartiallyShippedSpelling = 'partially_shipped',
): WireOrderStatus {
  return status === 'PARTIALLY_SHIPPED' ? partiallyShippedSpelling : (status.toLowerCase() as WireOrderStatus);
}

function normalise(value: unknown): string | null {
  return typeof value === 'string' ? value.trim().toLowerCase().replace(/-/g, '_') : null;
}

const ORDER_STATUS_BY_WIRE: Record<string, OrderStatus> = {
  pending: 'PENDING',
  processing: 'PROCESSING',
  partially_shipped: 'PARTIALLY_SHIPPED',
  shipped: 'SHIPPED',
  completed: 'COMPLETED',
  canceled: 'CANCELED',
  cancelled: 'CANCELED',
};

/** Accepts both `partially_shipped` and `partially-shipped` (see wire/README.md). */
export function fromWireOrderStatus(value: unknown): OrderStatus | null {
  const key = normalise(value);
  return key !== null && Object.hasOwn(ORDER_STATUS_BY_WIRE, key) ? ORDER_STATUS_BY_WIRE[key] : null;
}

const PAYMENT_STATUS_BY_WIRE: Record<string, WirePaymentStatus> = {
  new: 'new',
  pending: 'pending',
  captured: 'captured',
  failed: 'failed',
  canceled: 'canceled',
  cancelled: 'canceled',
};

/**
 * The payment status word as WhatsApp's vocabulary knows it (lenient about case and spelling);
 * null for a word it does not. The gateway's PaymentStatus also needs the transactions: see
 * derivePaymentStatus.
 */
export function fromWirePaymentStatus(value: unknown): WirePaymentStatus | null {
  const key = normalise(value);
  return key !== null && Object.hasOwn(PAYMENT_STATUS_BY_WIRE, key) ? PAYMENT_STATUS_BY_WIRE[key] : null;
}

const TRANSACTION_STATUS_BY_WIRE: Record<string, TransactionStatus> = {
  pending: 'PENDING',
  success: 'SUCCESS',
  failed: 'FAILED',
};

export function fromWireTransactionStatus(value: unknown): TransactionStatus | null {
  const key = normalise(value);
  return key !== null && Object.hasOwn(TRANSACTION_STATUS_BY_WIRE, key) ? TRANSACTION_STATUS_BY_WIRE[key] : null;
}

const GATEWAY_BY_WIRE: Record<string, PaymentGateway> = {
  razorpay: 'RAZORPAY',
  payu: 'PAYU',
  billdesk: 'BILLDESK',
  zaakpay: 'ZAAKPAY',
};

export function fromWireGateway(value: unknown): PaymentGateway | null {
  const key = normalise(value);
  return key !== null && Object.hasOwn(GATEWAY_BY_WIRE, key) ? GATEWAY_BY_WIRE[key] : null;
}

/** Date → epoch seconds as a string, as order_details' expiration.timestamp wants it. */
export function toWireTimestamp(date: Date): string {
  return String(Math.floor(date.getTime() / 1000));
}

export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
