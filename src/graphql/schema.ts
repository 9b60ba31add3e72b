import 'reflect-metadata';
import { GraphQLDateTime } from 'graphql-scalars';
import { GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { createPubSub } from '@graphql-yoga/subscription';
import { buildSchemaSync, getMetadataStorage, UseMiddleware } from 'type-graphql';
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
  if (built) return built;
  checkTextOfEveryOperation();
  built = buildSchemaSync({
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
    // the subscriptions bring their own event source; this one only satisfies the builder
    pubSub: createPubSub(),
    validate: false,
  });
  return built;
}

/**
 * The arguments of every query and mutation are checked for forbidden text (refuseForbiddenText),
 * after the key's role as before. It is put on each operation rather than made a global
 * middleware: type-graphql runs a global middleware on every field of every answer, which makes
 * each field a chain of promises (a page of 50 orders has some 4,000 fields), whereas a field
 * without middleware resolves synchronously. Subscriptions check their arguments when they
 * subscribe (checkSubscriptionText).
 */
function checkTextOfEveryOperation(): void {
  const storage = getMetadataStorage();
  for (const op of [...storage.queries, ...storage.mutations]) {
    UseMiddleware(refuseForbiddenText)(op.target.prototype as object, op.methodName, {});
  }
}

/** The SDL committed as schema.graphql (sorted, so the file only changes when the API does). */
export function printGatewaySchema(): string {
  return printSchema(lexicographicSortSchema(buildGatewaySchema())) + '\n';
}
