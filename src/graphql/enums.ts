import { registerEnumType } from 'type-graphql';
import {
  API_KEY_ROLES,
  ApiKeyRole,
  ERROR_CODES,
  ErrorCode,
  EVENT_SOURCES,
  EventSource,
  GOODS_TYPES,
  GoodsType,
  MESSAGE_KINDS,
  MESSAGE_STATUSES,
  MessageKind,
  MessageStatus,
  ORDER_EVENT_TYPES,
  ORDER_STATUSES,
  OrderEventType,
  OrderStatus,
  PAYMENT_GATEWAYS,
  PAYMENT_STATUSES,
  PaymentGateway,
  PaymentStatus,
  REFUND_SPEEDS,
  REFUND_STATUSES,
  RefundSpeed,
  RefundStatus,
  TRANSACTION_STATUSES,
  TransactionStatus,
  UPSTREAM_PROVIDERS,
  UpstreamProvider,
} from '../domain/types';

// GraphQL enums whose values are the domain's own string literals, so resolvers pass domain
// values through untouched.
function enumObject<T extends string>(values: readonly T[]): Record<T, T> {
  return Object.fromEntries(values.map((v) => [v, v])) as Record<T, T>;
}

export const OrderStatusEnum = enumObject<OrderStatus>(ORDER_STATUSES);
export const PaymentStatusEnum = enumObject<PaymentStatus>(PAYMENT_STATUSES);
export const TransactionStatusEnum = enumObject<TransactionStatus>(TRANSACTION_STATUSES);
export const GoodsTypeEnum = enumObject<GoodsType>(GOODS_TYPES);
export const PaymentGatewayEnum = enumObject<PaymentGateway>(PAYMENT_GATEWAYS);
export const MessageStatusEnum = enumObject<MessageStatus>(MESSAGE_STATUSES);
export const MessageKindEnum = enumObject<MessageKind>(MESSAGE_KINDS);
export const UpstreamProviderEnum = enumObject<UpstreamProvider>(UPSTREAM_PROVIDERS);
export const ApiKeyRoleEnum = enumObject<ApiKeyRole>(API_KEY_ROLES);
export const EventSourceEnum = enumObject<EventSource>(EVENT_SOURCES);
export const OrderEventTypeEnum = enumObject<OrderEventType>(ORDER_EVENT_TYPES);
export const ErrorCodeEnum = enumObject<ErrorCode>(ERROR_CODES);
export const RefundStatusEnum = enumObject<RefundStatus>(REFUND_STATUSES);
export const RefundSpeedEnum = enumObject<RefundSpeed>(REFUND_SPEEDS);

registerEnumType(RefundStatusEnum, {
  name: 'RefundStatus',
  valuesConfig: {
    REQUESTED: { description: 'stored; not yet accepted by WhatsApp (will be retried while the outcome is unknown)' },
    PENDING: { description: 'accepted by WhatsApp, not yet settled by the payment gateway' },
  },
});
registerEnumType(RefundSpeedEnum, { name: 'RefundSpeed' });

registerEnumType(OrderStatusEnum, {
  name: 'OrderStatus',
  description: 'Order status as shown to the customer in WhatsApp (order_details / order_status messages).',
});
registerEnumType(PaymentStatusEnum, {
  name: 'PaymentStatus',
  description: 'Payment status as reported by WhatsApp (webhook hint, confirmed by the payment lookup API).',
});
registerEnumType(TransactionStatusEnum, { name: 'TransactionStatus' });
registerEnumType(GoodsTypeEnum, { name: 'GoodsType' });
registerEnumType(PaymentGatewayEnum, { name: 'PaymentGateway' });
registerEnumType(MessageStatusEnum, {
  name: 'MessageStatus',
  description: 'Delivery state of a message the gateway sends to the customer through WhatsApp.',
  valuesConfig: {
    QUEUED: { description: 'stored, not yet accepted by the WhatsApp API (will be retried)' },
    ACCEPTED: { description: 'accepted by the WhatsApp API, which returned a message id (wamid)' },
  },
});
registerEnumType(MessageKindEnum, { name: 'MessageKind' });
registerEnumType(UpstreamProviderEnum, {
  name: 'UpstreamProvider',
  description: 'Which WhatsApp API a business phone number is reached through.',
  valuesConfig: {
    CLOUD_API: {
      description:
        "Meta's WhatsApp Cloud API: POST {apiUrl}/{version}/{phoneNumberId}/messages, GET {apiUrl}/{version}/{phoneNumberId}/payments/{configuration}/{referenceId}, Authorization: Bearer",
    },
    DIALOG360: {
      description:
        '360dialog: POST {apiUrl}/messages, GET {apiUrl}/v1/payments/{configuration}/{referenceId}, header D360-API-KEY',
    },
  },
});
registerEnumType(ApiKeyRoleEnum, {
  name: 'ApiKeyRole',
  valuesConfig: {
    ADMIN: { description: 'the gateway operator: manages businesses, sees everything' },
    STOREFRONT: {
      description: "a storefront backend: sends order details, updates and cancels its business's orders, reads them",
    },
    MOBILE: { description: "a mobile app: reads its business's orders and payments, subscribes to one order at a time" },
    OPS: {
      description: 'an ops dashboard: reads, subscribes to everything of its business, updates status, cancels, verifies payments, reconciles',
    },
  },
});
registerEnumType(EventSourceEnum, { name: 'EventSource', description: 'Where a change came from.' });
registerEnumType(OrderEventTypeEnum, {
  name: 'OrderEventType',
  valuesConfig: {
    UPSTREAM_ERROR: { description: 'WhatsApp reported an error for this order (for example 2046 or 2047 in an error webhook)' },
    PAYMENT_DISCREPANCY: {
      description: 'a webhook disagreed with the payment lookup, or the paid amount/currency differs from the order',
    },
    ORDER_EXPIRED: { description: 'expiresAt passed and the payment lookup confirmed no captured or pending payment' },
    REFUND_STATUS_CHANGED: {
      description:
        'a refund was requested, accepted, succeeded or failed (fromStatus/toStatus are RefundStatus values; detail names the refund)',
    },
  },
});
registerEnumType(ErrorCodeEnum, {
  name: 'ErrorCode',
  valuesConfig: {
    INVALID_INPUT: { description: 'an input field breaks a documented limit (length, charset, range, required-together)' },
    AMOUNT_MISMATCH: { description: 'items, subtotal, tax, shipping, discount and total do not add up' },
    DUPLICATE_REFERENCE_ID: {
      description: 'this business already sent an order_details message with this referenceId, with other content',
    },
    PAYMENT_CONFIGURATION_NOT_IN_BUSINESS: {
      description: 'the payment configuration belongs to another business than the sending phone number',
    },
    INVALID_STATUS_TRANSITION: {
      description: 'the order status cannot move from its current status to the requested one (WhatsApp error 2046)',
    },
    CANCEL_NOT_ALLOWED: {
      description: 'the order cannot be canceled because a payment is pending or captured (WhatsApp error 2047)',
    },
    UPSTREAM_REJECTED: { description: 'the WhatsApp API refused the request for good; retrying the same request will not help' },
    UPSTREAM_UNAVAILABLE: {
      description: 'the WhatsApp API could not be reached or answered with a temporary failure; nothing was changed',
    },
    IDEMPOTENCY_KEY_REUSED: { description: 'the idempotency key was already used with a different input' },
    ALREADY_EXISTS: { description: 'a record with this identity already exists' },
    WEBHOOK_URL_NOT_ALLOWED: {
      description: 'the URL is not https, does not parse, or points at an address the gateway refuses to call',
    },
    NOT_FOUND: { description: 'no webhook endpoint or delivery with this id is visible to the caller' },
    REFUND_NOT_ALLOWED: {
      description: 'the payment is not CAPTURED, or the amount is zero, not INR, or larger than what is left to refund',
    },
  },
});
