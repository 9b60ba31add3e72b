// Translations between the gateway's enums (src/domain/types.ts, upper case like the GraphQL
// contract) and WhatsApp's wire values (lower case, with dashes or underscores). Inbound
// mappings never throw: an unknown wire value becomes null so the caller can keep the raw value
// and decide (a payment webhook with an unknown status is still a hint to look the payment up).

import type {
  GoodsType,
  OrderStatus,
  PaymentGateway,
  PaymentStatus,
  TransactionStatus,
} from '../domain/types';
import type { WireGateway, WireGoodsType, WireMoney, WireOrderStatus } from './wire-types';

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

const PAYMENT_STATUS_BY_WIRE: Record<string, PaymentStatus> = {
  new: 'NEW',
  pending: 'PENDING',
  captured: 'CAPTURED',
  failed: 'FAILED',
  canceled: 'CANCELED',
  cancelled: 'CANCELED',
};

export function fromWirePaymentStatus(value: unknown): PaymentStatus | null {
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

/** Epoch seconds as a string or a number (both occur) → Date; anything else → null. */
export function fromWireTimestamp(value: unknown): Date | null {
  const seconds =
    typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  return Number.isFinite(seconds) && seconds >= 0 ? new Date(seconds * 1000) : null;
}

/** Date → epoch seconds as a string, as order_details' expiration.timestamp wants it. */
export function toWireTimestamp(date: Date): string {
  return String(Math.floor(date.getTime() / 1000));
}

function toInteger(value: unknown): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : null;
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : null;
  }
  return null;
}

/** { value, offset } with integer values (numeric strings tolerated) → WireMoney; else null. */
export function fromWireMoney(value: unknown): WireMoney | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = toInteger((value as Record<string, unknown>).value);
  const o = toInteger((value as Record<string, unknown>).offset);
  return v === null || o === null || o <= 0 ? null : { value: v, offset: o };
}

export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A non-empty string, or a finite number as text (ids arrive either way); else null. */
export function text(value: unknown): string | null {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}
