import { ApiKeyEntity, BusinessEntity, PaymentConfigurationEntity, PhoneNumberEntity } from './tenancy';
import {
  OrderEntity,
  OrderEventEntity,
  OrderItemEntity,
  OutboundMessageEntity,
  PaymentEntity,
  TransactionEntity,
} from './orders';
import { IdempotencyRecordEntity, ReceivedWebhookEntity } from './records';
import { SandboxSecretsEntity } from './sandbox';

export * from './tenancy';
export * from './orders';
export * from './records';
export * from './sandbox';

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
  ReceivedWebhookEntity,
  IdempotencyRecordEntity,
  SandboxSecretsEntity,
];
