import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { BusinessEntity, WebhookDeliveryAttemptEntity, WebhookDeliveryEntity, WebhookDeliveryStatus, WebhookEndpointEntity } from '../../db/entities';
import type { OrderEventType } from '../../domain/types';
import { webhookId } from '../../business-webhooks/payload';
import type { DeliveryPage } from '../../services/webhook-endpoints';
import { eventTypesOf } from '../../services/webhook-deliveries';
import { GraphQLContext, serviceContext } from '../context';
import { localId, toGlobalId } from '../global-id';
import { LIST_CAPS } from '../limits';
import { withQueryArguments } from '../query-arguments';
import { Business } from '../types/tenancy';
import {
  CreateWebhookEndpointInput,
  UpdateWebhookEndpointInput,
  WebhookDelivery,
  WebhookDeliveryAttempt,
  WebhookDeliveryConnection,
  WebhookDeliveryPayload,
  WebhookDeliveryStatusEnum,
  WebhookEndpoint,
  WebhookEndpointPayload,
  WebhookEndpointSecretPayload,
} from '../types/webhooks';
import { OrderEventTypeEnum } from '../enums';

@Resolver(() => WebhookEndpoint)
export class WebhookEndpointResolver {
  @Authorized('ADMIN', 'OPS')
  @Query(() => [WebhookEndpoint], { description: "OPS sees its business's endpoints; ADMIN every business's" })
  webhookEndpoints(@Ctx() ctx: GraphQLContext): Promise<WebhookEndpointEntity[]> {
    return ctx.services.webhookEndpoints.list(serviceContext(ctx));
  }

  @Authorized('ADMIN', 'OPS')
  @Mutation(() => WebhookEndpointSecretPayload, { description: 'OPS and ADMIN. The secret is shown once.' })
  createWebhookEndpoint(@Arg('input') input: CreateWebhookEndpointInput, @Ctx() ctx: GraphQLContext) {
    const businessId = input.businessId ? localId(input.businessId, 'Business') : null;
    return ctx.services.webhookEndpoints.create(serviceContext(ctx), { ...input, businessId });
  }

  @Authorized('ADMIN', 'OPS')
  @Mutation(() => WebhookEndpointPayload)
  updateWebhookEndpoint(@Arg('input') input: UpdateWebhookEndpointInput, @Ctx() ctx: GraphQLContext) {
    return ctx.services.webhookEndpoints.update(serviceContext(ctx), { ...input, id: localId(input.id, 'WebhookEndpoint') });
  }

  @Authorized('ADMIN', 'OPS')
  @Mutation(() => WebhookEndpointPayload)
  deleteWebhookEndpoint(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext) {
    return ctx.services.webhookEndpoints.delete(serviceContext(ctx), localId(id, 'WebhookEndpoint'));
  }

  @Authorized('ADMIN', 'OPS')
  @Mutation(() => WebhookEndpointSecretPayload, {
    description: 'A new secret, shown once; the old one keeps signing too for overlapSeconds (at most 7 days).',
  })
  rotateWebhookEndpointSecret(
    @Arg('id', () => ID) id: string,
    @Arg('overlapSeconds', () => Int, { nullable: true, defaultValue: 86400 }) overlapSeconds: number | null,
    @Ctx() ctx: GraphQLContext,
  ) {
    return ctx.services.webhookEndpoints.rotateSecret(serviceContext(ctx), localId(id, 'WebhookEndpoint'), overlapSeconds ?? 86400);
  }

  @FieldResolver(() => ID)
  id(@Root() endpoint: WebhookEndpointEntity): string {
    return toGlobalId('WebhookEndpoint', endpoint.id);
  }

  @FieldResolver(() => Business)
  async business(@Root() endpoint: WebhookEndpointEntity, @Ctx() ctx: GraphQLContext): Promise<BusinessEntity> {
    return (await ctx.loaders.business.load(endpoint.businessId))!;
  }

  @FieldResolver(() => [OrderEventTypeEnum])
  eventTypes(@Root() endpoint: WebhookEndpointEntity): OrderEventType[] {
    return eventTypesOf(endpoint);
  }

  @FieldResolver(() => WebhookDeliveryConnection)
  deliveries(
    @Root() endpoint: WebhookEndpointEntity,
    @Arg('first', () => Int, { nullable: true, defaultValue: 20 }) first: number,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Arg('status', () => [WebhookDeliveryStatusEnum], { nullable: true }) status: WebhookDeliveryStatus[] | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<DeliveryPage> {
    return withQueryArguments(() => ctx.services.webhookEndpoints.deliveries(endpoint, first, after, status));
  }
}

@Resolver(() => WebhookDelivery)
export class WebhookDeliveryResolver {
  @Authorized('ADMIN', 'OPS')
  @Mutation(() => WebhookDeliveryPayload, { description: "Sends the delivery's event again now, as a new delivery with the same event id." })
  redeliverWebhook(@Arg('deliveryId', () => ID) deliveryId: string, @Ctx() ctx: GraphQLContext) {
    return ctx.services.webhookEndpoints.redeliver(serviceContext(ctx), localId(deliveryId, 'WebhookDelivery'));
  }

  @FieldResolver(() => ID)
  id(@Root() delivery: WebhookDeliveryEntity): string {
    return toGlobalId('WebhookDelivery', delivery.id);
  }

  @FieldResolver(() => ID)
  eventId(@Root() delivery: WebhookDeliveryEntity): string {
    return webhookId(delivery.eventId);
  }

  @FieldResolver(() => [WebhookDeliveryAttempt])
  async attemptLog(@Root() delivery: WebhookDeliveryEntity, @Ctx() ctx: GraphQLContext): Promise<WebhookDeliveryAttemptEntity[]> {
    return (await ctx.loaders.attemptsOfDelivery.load(delivery.id)).slice(-LIST_CAPS.webhookAttempts);
  }
}
