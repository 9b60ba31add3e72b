import 'reflect-metadata';
import { GraphQLDateTime } from 'graphql-scalars';
import { GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { createPubSub } from '@graphql-yoga/subscription';
import { buildSchemaSync } from 'type-graphql';
import { authChecker } from './auth-checker';
import { refuseForbiddenText } from './text-arguments';
import { NodeResolver } from './resolvers/node.resolver';
import { ReconciliationResolver } from './resolvers/reconciliation.resolver';
import { PaymentRefundsResolver, RefundResolver } from './resolvers/refunds.resolver';
import {
  OrderStatusChangeResolver,
  PaymentStatusChangeResolver,
  SubscriptionResolver,
} from './resolvers/subscriptions.resolver';
import {
  OrderEventResolver,
  OrderResolver,
  OutboundMessageResolver,
  PaymentResolver,
  TransactionResolver,
} from './resolvers/orders.resolver';
import {
  ApiKeyResolver,
  BusinessResolver,
  PaymentConfigurationResolver,
  PhoneNumberResolver,
  ViewerResolver,
} from './resolvers/tenancy.resolver';
import { WebhookDeliveryResolver, WebhookEndpointResolver } from './resolvers/webhooks.resolver';
import { exposeAs } from './types/common';
import {
  ApiKeyEntity,
  BusinessEntity,
  OrderEntity,
  OrderEventEntity,
  OutboundMessageEntity,
  PaymentConfigurationEntity,
  PhoneNumberEntity,
  WebhookDeliveryEntity,
  WebhookEndpointEntity,
  RefundEntity,
} from '../db/entities';

exposeAs(BusinessEntity, 'Business');
exposeAs(PhoneNumberEntity, 'PhoneNumber');
exposeAs(PaymentConfigurationEntity, 'PaymentConfiguration');
exposeAs(ApiKeyEntity, 'ApiKey');
exposeAs(OrderEntity, 'Order');
exposeAs(OutboundMessageEntity, 'OutboundMessage');
exposeAs(OrderEventEntity, 'OrderEvent');
exposeAs(WebhookEndpointEntity, 'WebhookEndpoint');
exposeAs(WebhookDeliveryEntity, 'WebhookDelivery');
exposeAs(RefundEntity, 'Refund');

let built: GraphQLSchema | null = null;

/** The executable schema, built once from the decorated classes. */
export function buildGatewaySchema(): GraphQLSchema {
  built ??= buildSchemaSync({
    resolvers: [
      NodeResolver,
      BusinessResolver,
      ViewerResolver,
      PhoneNumberResolver,
      PaymentConfigurationResolver,
      ApiKeyResolver,
      OrderResolver,
      PaymentResolver,
      TransactionResolver,
      OutboundMessageResolver,
      OrderEventResolver,
      ReconciliationResolver,
      RefundResolver,
      PaymentRefundsResolver,
      SubscriptionResolver,
      OrderStatusChangeResolver,
      PaymentStatusChangeResolver,
      WebhookEndpointResolver,
      WebhookDeliveryResolver,
    ],
    scalarsMap: [{ type: Date, scalar: GraphQLDateTime }],
    authChecker,
    authMode: 'error',
    globalMiddlewares: [refuseForbiddenText],
    // the subscriptions bring their own event source; this one only satisfies the builder
    pubSub: createPubSub(),
    validate: false,
  });
  return built;
}

/** The SDL committed as schema.graphql (sorted, so the file only changes when the API does). */
export function printGatewaySchema(): string {
  return printSchema(lexicographicSortSchema(buildGatewaySchema())) + '\n';
}
