import { Arg, Ctx, FieldResolver, ID, Resolver, Root, Subscription, SubscribeResolverData } from 'type-graphql';
import type { OrderEntity, PaymentEntity } from '../../db/entities';
import type { PaymentStatus } from '../../domain/types';
import type { PublishedEvent } from '../../services/events';
import { GraphQLContext } from '../context';
import { OrderEvent, OrderStatusChange, PaymentStatusChange, Order, Payment } from '../types/orders';
import { toGlobalId } from '../global-id';
import { OrderStatusEnum, PaymentStatusEnum } from '../enums';
import { subscribe } from '../subscribe';

interface FilterArgs {
  referenceId?: string | null;
  afterEventId?: string | null;
}
type Data = SubscribeResolverData<unknown, FilterArgs, GraphQLContext>;

@Resolver()
export class SubscriptionResolver {
  @Subscription(() => OrderStatusChange, {
    description: "Every order status change of the subscriber's business (or of one order).",
    subscribe: ({ args, context }: Data) => subscribe(context, { referenceId: args.referenceId, types: ['ORDER_STATUS_CHANGED'] }),
  })
  orderStatusChanged(
    @Root() event: PublishedEvent,
    @Arg('referenceId', () => String, { nullable: true }) _referenceId?: string,
  ): PublishedEvent {
    return event;
  }

  @Subscription(() => PaymentStatusChange, {
    description: "Every payment status change of the subscriber's business (or of one order).",
    subscribe: ({ args, context }: Data) => subscribe(context, { referenceId: args.referenceId, types: ['PAYMENT_STATUS_CHANGED'] }),
  })
  paymentStatusChanged(
    @Root() event: PublishedEvent,
    @Arg('referenceId', () => String, { nullable: true }) _referenceId?: string,
  ): PublishedEvent {
    return event;
  }

  @Subscription(() => OrderEvent, {
    description:
      'Every order event; with afterEventId, first replays the events after that one, so a reconnecting dashboard misses nothing.',
    subscribe: ({ args, context }: Data) => subscribe(context, { referenceId: args.referenceId, afterEventId: args.afterEventId }),
  })
  orderEvents(
    @Root() event: PublishedEvent,
    @Arg('referenceId', () => String, { nullable: true }) _referenceId?: string,
    @Arg('afterEventId', () => ID, { nullable: true }) _afterEventId?: string,
  ): PublishedEvent {
    return event;
  }
}

@Resolver(() => OrderStatusChange)
export class OrderStatusChangeResolver {
  @FieldResolver(() => ID)
  eventId(@Root() e: PublishedEvent): string {
    return toGlobalId('OrderEvent', e.id);
  }
  @FieldResolver(() => OrderStatusEnum, { nullable: true })
  from(@Root() e: PublishedEvent): string | null {
    return e.fromStatus;
  }
  @FieldResolver(() => OrderStatusEnum)
  to(@Root() e: PublishedEvent): string | null {
    return e.toStatus;
  }
  @FieldResolver(() => Order)
  async order(@Root() e: PublishedEvent, @Ctx() ctx: GraphQLContext): Promise<OrderEntity> {
    return (await ctx.loaders.order.load(e.orderId))!;
  }
}

@Resolver(() => PaymentStatusChange)
export class PaymentStatusChangeResolver {
  @FieldResolver(() => ID)
  eventId(@Root() e: PublishedEvent): string {
    return toGlobalId('OrderEvent', e.id);
  }
  @FieldResolver(() => PaymentStatusEnum, { nullable: true })
  from(@Root() e: PublishedEvent): PaymentStatus | null {
    return e.fromStatus as PaymentStatus | null;
  }
  @FieldResolver(() => PaymentStatusEnum)
  to(@Root() e: PublishedEvent): PaymentStatus {
    return e.toStatus as PaymentStatus;
  }
  @FieldResolver(() => Boolean)
  async verified(@Root() e: PublishedEvent, @Ctx() ctx: GraphQLContext): Promise<boolean> {
    return (await ctx.loaders.paymentOfOrder.load(e.orderId))?.verified ?? false;
  }
  @FieldResolver(() => Payment)
  async payment(@Root() e: PublishedEvent, @Ctx() ctx: GraphQLContext): Promise<PaymentEntity> {
    return (await ctx.loaders.paymentOfOrder.load(e.orderId))!;
  }
}
