// Shapes shared by the domain rules, the services and the WhatsApp message builders.
// They mirror the GraphQL contract but carry no framework types, so the domain stays pure.

export const ORDER_STATUSES = [
  'PENDING',
  'PROCESSING',
  'PARTIALLY_SHIPPED',
  'SHIPPED',
  'COMPLETED',
  'CANCELED',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const PAYMENT_STATUSES = ['NEW', 'PENDING', 'CAPTURED', 'CANCELED', 'FAILED'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

export const TRANSACTION_STATUSES = ['PENDING', 'SUCCESS', 'FAILED'] as const;
export type TransactionStatus = (typeof TRANSACTION_STATUSES)[number];

/** REQUESTED → PENDING → SUCCEEDED | FAILED (a refund may skip PENDING; nothing moves back). */
export const REFUND_STATUSES = ['REQUESTED', 'PENDING', 'SUCCEEDED', 'FAILED'] as const;
export type RefundStatus = (typeof REFUND_STATUSES)[number];

export const REFUND_SPEEDS = ['NORMAL', 'INSTANT'] as const;
export type RefundSpeed = (typeof REFUND_SPEEDS)[number];

export const GOODS_TYPES = ['DIGITAL_GOODS', 'PHYSICAL_GOODS'] as const;
export type GoodsType = (typeof GOODS_TYPES)[number];

export const PAYMENT_GATEWAYS = ['RAZORPAY', 'PAYU', 'BILLDESK', 'ZAAKPAY'] as const;
export type PaymentGateway = (typeof PAYMENT_GATEWAYS)[number];

export const MESSAGE_STATUSES = ['QUEUED', 'ACCEPTED', 'SENT', 'DELIVERED', 'READ', 'FAILED'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

export const MESSAGE_KINDS = ['ORDER_DETAILS', 'ORDER_STATUS'] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

export const UPSTREAM_PROVIDERS = ['CLOUD_API', 'DIALOG360'] as const;
export type UpstreamProvider = (typeof UPSTREAM_PROVIDERS)[number];

export const API_KEY_ROLES = ['ADMIN', 'STOREFRONT', 'MOBILE', 'OPS'] as const;
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];

/** How a received webhook was shown to come from WhatsApp (or 360dialog). */
export type WebhookAuthMechanism = 'SIGNATURE' | 'DIALOG360_SIGNATURE' | 'TOKEN';

export const EVENT_SOURCES = ['API', 'WEBHOOK', 'LOOKUP', 'SYSTEM'] as const;
export type EventSource = (typeof EVENT_SOURCES)[number];

export const ORDER_EVENT_TYPES = [
  'ORDER_CREATED',
  'MESSAGE_STATUS_CHANGED',
  'ORDER_STATUS_CHANGED',
  'PAYMENT_STATUS_CHANGED',
  'UPSTREAM_ERROR',
  'PAYMENT_DISCREPANCY',
  'ORDER_EXPIRED',
  'REFUND_STATUS_CHANGED',
] as const;
export type OrderEventType = (typeof ORDER_EVENT_TYPES)[number];

export const ERROR_CODES = [
  'INVALID_INPUT',
  'AMOUNT_MISMATCH',
  'DUPLICATE_REFERENCE_ID',
  'ORDER_NOT_FOUND',
  'UNKNOWN_PHONE_NUMBER',
  'UNKNOWN_PAYMENT_CONFIGURATION',
  'PAYMENT_CONFIGURATION_NOT_IN_BUSINESS',
  'INVALID_STATUS_TRANSITION',
  'CANCEL_NOT_ALLOWED',
  'UPSTREAM_REJECTED',
  'UPSTREAM_UNAVAILABLE',
  'IDEMPOTENCY_KEY_REUSED',
  'ALREADY_EXISTS',
  'WEBHOOK_URL_NOT_ALLOWED',
  'NOT_FOUND',
  'REFUND_NOT_ALLOWED',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** An expected, business-level outcome returned to the caller in `userErrors`. */
export interface UserError {
  code: ErrorCode;
  message: string;
  /** path to the offending input field, e.g. ['input', 'items', '0', 'quantity'] */
  field?: string[];
  /** the WhatsApp error code this corresponds to (2046, 2047, 131009 ...) */
  whatsappCode?: number;
}

/** Money in integer minor units with WhatsApp's offset: INR 520.00 is { value: 52000, offset: 100 }. */
export interface MoneyAmount {
  value: number;
  offset: number;
}

export interface ChargeInput extends MoneyAmount {
  description?: string | null;
}

export interface DiscountInput extends ChargeInput {
  programName?: string | null;
}

export interface AddressInput {
  addressLine1: string;
  addressLine2?: string | null;
  city: string;
  zoneCode?: string | null;
  postalCode: string;
  countryCode: string;
}

export interface OrderItemInput {
  /** optional in WhatsApp's items */
  retailerId?: string | null;
  name: string;
  amount: MoneyAmount;
  saleAmount?: MoneyAmount | null;
  quantity: number;
  countryOfOrigin?: string | null;
  importerName?: string | null;
  importerAddress?: AddressInput | null;
}

/** A recipient of shipped physical goods (WhatsApp's `beneficiaries`); never shown to the customer. */
export interface BeneficiaryInput {
  name: string;
  addressLine1: string;
  addressLine2?: string | null;
  city: string;
  state: string;
  country: string;
  postalCode: string;
}

export interface KeyValue {
  key: string;
  value: string;
}

/**
 * Fields WhatsApp passes to the payment gateway with the order and echoes in payment webhooks and
 * lookups; each only for its own gateway.
 */
export interface GatewayFieldsInput {
  /** Razorpay */
  notes?: KeyValue[] | null;
  /** Razorpay */
  receipt?: string | null;
  /** PayU: udf1..udf4 in order */
  udf?: string[] | null;
  /** BillDesk: additional_info1..7 in order */
  additionalInfo?: string[] | null;
  /** Zaakpay: extra1..2 in order */
  extra?: string[] | null;
}

/** What a storefront asks for in sendOrderDetails (same field names as the GraphQL input). */
export interface SendOrderDetailsInput {
  referenceId: string;
  phoneNumberId: string;
  to: string;
  type: GoodsType;
  paymentConfiguration: string;
  body: string;
  footer?: string | null;
  headerImageUrl?: string | null;
  catalogId?: string | null;
  items: OrderItemInput[];
  tax?: ChargeInput | null;
  shipping?: ChargeInput | null;
  discount?: DiscountInput | null;
  total?: MoneyAmount | null;
  expiresAt?: Date | null;
  expirationDescription?: string | null;
  beneficiaries?: BeneficiaryInput[] | null;
  gatewayFields?: GatewayFieldsInput | null;
  idempotencyKey?: string | null;
}

/** The amounts of a validated order, all in minor units of `offset`. */
export interface OrderTotals {
  offset: number;
  currency: 'INR';
  subtotal: number;
  tax: number | null;
  shipping: number | null;
  discount: number | null;
  total: number;
  /** per item, (saleAmount ?? amount) × quantity, in input order */
  itemTotals: number[];
}
