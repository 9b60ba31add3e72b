import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type {
  BusinessEntity,
  OrderEntity,
  OrderEventEntity,
  OutboundMessageEntity,
  PaymentEntity,
  TransactionEntity,
} from '../../db/entities';
import { allowedTransitions } from '../../domain/order-status';
import type { OrderStatus } from '../../domain/types';
import { OrderPage } from '../../services/order-queries';
import { OrderResult } from '../../services/orders';
import { PaymentResult } from '../../services/verification';
import { GraphQLContext, serviceContext } from '../context';
import { localId, toGlobalId } from '../global-id';
import { money, moneyOrNull } from '../money';
import { OrderStatusEnum } from '../enums';
import { Money } from '../types/common';
import {
  CancelOrderInput,
  OrderFilter,
  SendOrderDetailsInput,
  UpdateOrderStatusInput,
} from '../types/inputs';
import {
  Beneficiary,
  GatewayFields,
  Order,
  OrderConnection,
  OrderEvent,
  OrderItem,
  OrderPayload,
  OutboundMessage,
  Payment,
  PaymentPayload,
  Transaction,
} from '../types/orders';
import { Business } from '../types/tenancy';
import { LIST_CAPS } from '../limits';
import { withQueryArguments } from '../query-arguments';

const businessArg = (id: string | null | undefined) => (id ? localId(id, 'Business') : null);

/** The last `cap` of a list kept oldest first: the cost estimate counts these lists at their cap. */
const latest = <T>(list: T[], cap: number): T[] => (list.length > cap ? list.slice(-cap) : list);

@Resolver(() => Order)
export class OrderResolver {
  @Authorized()
  @Query(() => Order, { nullable: true })
  order(
    @Arg('referenceId') referenceId: string,
    @Arg('businessId', () => ID, { nullable: true, description: 'businessId is for ADMIN keys; other keys always read their own business' })
    businessId: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<OrderEntity | null> {
    return ctx.services.orderQueries.order(serviceContext(ctx), referenceId, businessArg(businessId));
  }

  @Authorized()
  @Query(() => OrderConnection)
  orders(
    @Arg('first', () => Int, { nullable: true, defaultValue: 20 }) first: number,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Arg('filter', () => OrderFilter, { nullable: true }) filter: OrderFilter | null,
    @Arg('newestFirst', () => Boolean, {
      nullable: true,
      defaultValue: false,
      description: 'newest first (a dashboard); cursors then page towards older orders',
    })
    newestFirst: boolean | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<OrderPage> {
    return withQueryArguments(() => ctx.services.orderQueries.orders(serviceContext(ctx), first, after, filter ?? {}, newestFirst ?? false));
  }

  @Authorized('ADMIN', 'STOREFRONT')
  @Mutation(() => OrderPayload, {
    description: 'Stores the order and sends the WhatsApp order_details message (action review_and_pay).',
  })
  sendOrderDetails(@Arg('input') input: SendOrderDetailsInput, @Ctx() ctx: GraphQLContext): Promise<OrderResult> {
    return ctx.services.orders.sendOrderDetails(serviceContext(ctx), input);
  }

  @Authorized('ADMIN', 'STOREFRONT', 'OPS')
  @Mutation(() => OrderPayload, {
    description: 'Moves the order to a new status and sends the WhatsApp order_status message (action review_order).',
  })
  updateOrderStatus(@Arg('input') input: UpdateOrderStatusInput, @Ctx() ctx: GraphQLContext): Promise<OrderResult> {
    return ctx.services.orders.updateOrderStatus(serviceContext(ctx), input);
  }

  @Authorized('ADMIN', 'STOREFRONT', 'OPS')
  @Mutation(() => OrderPayload, {
    description: 'Cancels an order that has no pending or captured payment, confirmed through the payment lookup API.',
  })
  cancelOrder(@Arg('input') input: CancelOrderInput, @Ctx() ctx: GraphQLContext): Promise<OrderResult> {
    return ctx.services.orders.cancelOrder(serviceContext(ctx), input);
  }

  @FieldResolver(() => ID)
  id(@Root() order: OrderEntity): string {
    return toGlobalId('Order', order.id);
  }

  @FieldResolver(() => Business)
  async business(@Root() order: OrderEntity, @Ctx() ctx: GraphQLContext): Promise<BusinessEntity> {
    return (await ctx.loaders.business.load(order.businessId))!;
  }

  @FieldResolver(() => [OrderStatusEnum])
  async allowedTransitions(@Root() order: OrderEntity, @Ctx() ctx: GraphQLContext): Promise<OrderStatus[]> {
    const payment = await ctx.loaders.paymentOfOrder.load(order.id);
    return allowedTransitions(order.status, payment?.status ?? 'NEW');
  }

  @FieldResolver(() => [OrderItem])
  async items(@Root() order: OrderEntity, @Ctx() ctx: GraphQLContext): Promise<OrderItem[]> {
    const items = await ctx.loaders.itemsOfOrder.load(order.id);
    // up to 999 an order: the amounts are made only when the query asks for them
    return items.map((i) => ({
      retailerId: i.retailerId ?? '',
      name: i.name,
      quantity: i.quantity,
      get amount() {
        return money(i.amount, order.offset, order.currency);
      },
      get saleAmount() {
        return moneyOrNull(i.saleAmount, order.offset, order.currency);
      },
      get total() {
        return money((i.saleAmount ?? i.amount) * i.quantity, order.offset, order.currency);
      },
    }));
  }

  @FieldResolver(() => [Beneficiary])
  beneficiaries(@Root() order: OrderEntity): Beneficiary[] {
    return (order.beneficiaries ?? []).map((b) => ({ ...b, addressLine2: b.addressLine2 ?? null }));
  }

  @FieldResolver(() => GatewayFields, { nullable: true })
  gatewayFields(@Root() order: OrderEntity): GatewayFields | null {
    const f = order.gatewayFields;
    if (!f) return null;
    return { notes: f.notes ?? [], receipt: f.receipt ?? null, udf: f.udf ?? [], additionalInfo: f.additionalInfo ?? [], extra: f.extra ?? [] };
  }

  @FieldResolver(() => Money)
  subtotal(@Root() order: OrderEntity): Money {
    return money(order.subtotal, order.offset, order.currency);
  }
  @FieldResolver(() => Money, { nullable: true })
  tax(@Root() order: OrderEntity): Money | null {
    return moneyOrNull(order.tax, order.offset, order.currency);
  }
  @FieldResolver(() => Money, { nullable: true })
  shipping(@Root() order: OrderEntity): Money | null {
    return moneyOrNull(order.shipping, order.offset, order.currency);
  }
  @FieldResolver(() => Money, { nullable: true })
  discount(@Root() order: OrderEntity): Money | null {
    return moneyOrNull(order.discount, order.offset, order.currency);
  }
  @FieldResolver(() => Money)
  total(@Root() order: OrderEntity): Money {
    return money(order.total, order.offset, order.currency);
  }

  @FieldResolver(() => OutboundMessage)
  async message(@Root() order: OrderEntity, @Ctx() ctx: GraphQLContext): Promise<OutboundMessageEntity> {
    const messages = await ctx.loaders.messagesOfOrder.load(order.id);
    return messages.find((m) => m.kind === 'ORDER_DETAILS')!;
  }

  @FieldResolver(() => [OutboundMessage])
  async messages(@Root() order: OrderEntity, @Ctx() ctx: GraphQLContext): Promise<OutboundMessageEntity[]> {
    return latest(await ctx.loaders.messagesOfOrder.load(order.id), LIST_CAPS.messages);
  }

  @FieldResolver(() => Payment)
  async payment(@Root() order: OrderEntity, @Ctx() ctx: GraphQLContext): Promise<PaymentEntity> {
    return (await ctx.loaders.paymentDetailsOfOrder.load(order.id))!;
  }

  @FieldResolver(() => [OrderEvent])
  async events(@Root() order: OrderEntity, @Ctx() ctx: GraphQLContext): Promise<OrderEventEntity[]> {
    return latest(await ctx.loaders.eventsOfOrder.load(order.id), LIST_CAPS.events);
  }
}

@Resolver(() => Payment)
export class PaymentResolver {
  @Authorized()
  @Query(() => Payment, { nullable: true })
  payment(
    @Arg('referenceId') referenceId: string,
    @Arg('businessId', () => ID, { nullable: true }) businessId: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<PaymentEntity | null> {
    return ctx.services.orderQueries.payment(serviceContext(ctx), referenceId, businessArg(businessId));
  }

  @Authorized('ADMIN', 'STOREFRONT', 'OPS')
  @Mutation(() => PaymentPayload, {
    description: "Asks the WhatsApp payment lookup API for the payment's status now, and records it.",
  })
  verifyPayment(
    @Arg('referenceId') referenceId: string,
    @Arg('businessId', () => ID, { nullable: true }) businessId: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<PaymentResult> {
    return ctx.services.verifier.verifyNow(serviceContext(ctx), referenceId, businessArg(businessId));
  }

  @FieldResolver(() => Money, { nullable: true })
  amount(@Root() payment: PaymentEntity): Money | null {
    return moneyOrNull(payment.amount, payment.amountOffset, payment.currency);
  }

  @FieldResolver(() => [Transaction])
  async transactions(@Root() payment: PaymentEntity, @Ctx() ctx: GraphQLContext): Promise<TransactionEntity[]> {
    return latest(await ctx.loaders.transactionsOfPayment.load(payment.id), LIST_CAPS.transactions);
  }
}

@Resolver(() => Transaction)
export class TransactionResolver {
  @FieldResolver(() => ID)
  id(@Root() t: TransactionEntity): string {
    return t.transactionId;
  }
  @FieldResolver(() => Money, { nullable: true })
  amount(@Root() t: TransactionEntity): Money | null {
    return moneyOrNull(t.amount, t.amountOffset, t.currency);
  }
  @FieldResolver(() => Money, { nullable: true })
  orderAmount(@Root() t: TransactionEntity): Money | null {
    return moneyOrNull(t.orderAmount, t.orderAmountOffset, t.currency);
  }
  @FieldResolver(() => Date, { nullable: true })
  createdAt(@Root() t: TransactionEntity): Date | null {
    return t.upstreamCreatedAt;
  }
  @FieldResolver(() => Date, { nullable: true })
  updatedAt(@Root() t: TransactionEntity): Date | null {
    return t.upstreamUpdatedAt;
  }
}

@Resolver(() => OutboundMessage)
export class OutboundMessageResolver {
  @FieldResolver(() => ID)
  id(@Root() m: OutboundMessageEntity): string {
    return toGlobalId('OutboundMessage', m.id);
  }
}

@Resolver(() => OrderEvent)
export class OrderEventResolver {
  @FieldResolver(() => ID)
  id(@Root() e: OrderEventEntity): string {
    return toGlobalId('OrderEvent', e.id);
  }
}
