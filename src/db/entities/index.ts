import { ApiKeyEntity, BusinessEntity, PaymentConfigurationEntity, PhoneNumberEntity } from './tenancy';
import {
  OrderEntity,
  OrderEventEntity,
  OrderItemEntity,
  OutboundMessageEntity,
  PaymentEntity,
  RefundEntity,
  TransactionEntity,
} from './orders';
import { IdempotencyRecordEntity, ReceivedWebhookEntity } from './records';
import { OutboxEntity } from './outbox';
import { SandboxSecretsEntity } from './sandbox';
import { WebhookDeliveryAttemptEntity, WebhookDeliveryEntity, WebhookEndpointEntity } from './webhooks';

export * from './tenancy';
export * from './orders';
export * from './records';
export * from './outbox';
export * from './sandbox';
export * from './webhooks';

export const ENTITIES = [
  BusinessEntity,
  PhoneNumberEntity,
  PaymentConfigurationEntity,
  ApiKeyEntity,
  OrderEntity,
  OrderItemEntity,
  PaymentEntity,
  TransactionEntity,
  OutboundMessageEntity,
  OrderEventEntity,
  RefundEntity,
  ReceivedWebhookEntity,
  IdempotencyRecordEntity,
  OutboxEntity,
  SandboxSecretsEntity,
  WebhookEndpointEntity,
  WebhookDeliveryEntity,
  WebhookDeliveryAttemptEntity,
];
