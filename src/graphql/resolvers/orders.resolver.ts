import { Arg, Authorized, ID, Int, Mutation, Query, Resolver, Subscription } from 'type-graphql';
import { notImplemented } from '../errors';
import {
  CancelOrderInput,
  OrderFilter,
  ReconciliationFilter,
  SendOrderDetailsInput,
  UpdateOrderStatusInput,
} from '../types/inputs';
import {
  Order,
  OrderConnection,
  OrderEvent,
  OrderPayload,
  OrderStatusChange,
  Payment,
  PaymentPayload,
  PaymentStatusChange,
  ReconciliationConnection,
} from '../types/orders';

const pending = (operation: string) => async (): Promise<never> => {
  throw notImplemented(operation);
};

@Resolver(() => Order)
export class OrderResolver {
  @Authorized()
  @Query(() => Order, { nullable: true })
  order(
    @Arg('referenceId') _referenceId: string,
    @Arg('businessId', () => ID, { nullable: true, description: 'businessId is for ADMIN keys; other keys always read their own business' })
    _businessId?: string,
  ): Promise<never> {
    return pending('order')();
  }

  @Authorized()
  @Query(() => OrderConnection)
  orders(
    @Arg('first', () => Int, { nullable: true, defaultValue: 20 }) _first: number,
    @Arg('after', () => String, { nullable: true }) _after?: string,
    @Arg('filter', () => OrderFilter, { nullable: true }) _filter?: OrderFilter,
  ): Promise<never> {
    return pending('orders')();
  }

  @Authorized()
  @Query(() => Payment, { nullable: true })
  payment(
    @Arg('referenceId') _referenceId: string,
    @Arg('businessId', () => ID, { nullable: true }) _businessId?: string,
  ): Promise<never> {
    return pending('payment')();
  }

  @Authorized('ADMIN', 'OPS')
  @Query(() => ReconciliationConnection)
  reconciliation(
    @Arg('filter', () => ReconciliationFilter) _filter: ReconciliationFilter,
    @Arg('first', () => Int, { nullable: true, defaultValue: 100 }) _first: number,
    @Arg('after', () => String, { nullable: true }) _after?: string,
  ): Promise<never> {
    return pending('reconciliation')();
  }

  @Authorized('ADMIN', 'STOREFRONT')
  @Mutation(() => OrderPayload, {
    description: 'Stores the order and sends the WhatsApp order_details message (action review_and_pay).',
  })
  sendOrderDetails(@Arg('input') _input: SendOrderDetailsInput): Promise<never> {
    return pending('sendOrderDetails')();
  }

  @Authorized('ADMIN', 'STOREFRONT', 'OPS')
  @Mutation(() => OrderPayload, {
    description: 'Moves the order to a new status and sends the WhatsApp order_status message (action review_order).',
  })
  updateOrderStatus(@Arg('input') _input: UpdateOrderStatusInput): Promise<never> {
    return pending('updateOrderStatus')();
  }

  @Authorized('ADMIN', 'STOREFRONT', 'OPS')
  @Mutation(() => OrderPayload, {
    description: 'Cancels an order that has no pending or captured payment, confirmed through the payment lookup API.',
  })
  cancelOrder(@Arg('input') _input: CancelOrderInput): Promise<never> {
    return pending('cancelOrder')();
  }

  @Authorized('ADMIN', 'STOREFRONT', 'OPS')
  @Mutation(() => PaymentPayload, {
    description: "Asks the WhatsApp payment lookup API for the payment's status now, and records it.",
  })
  verifyPayment(
    @Arg('referenceId') _referenceId: string,
    @Arg('businessId', () => ID, { nullable: true }) _businessId?: string,
  ): Promise<never> {
    return pending('verifyPayment')();
  }

  @Subscription(() => OrderStatusChange, {
    description: "Every order status change of the subscriber's business (or of one order).",
    subscribe: pending('orderStatusChanged subscription'),
  })
  orderStatusChanged(@Arg('referenceId', () => String, { nullable: true }) _referenceId?: string): never {
    throw notImplemented('orderStatusChanged');
  }

  @Subscription(() => PaymentStatusChange, {
    description: "Every payment status change of the subscriber's business (or of one order).",
    subscribe: pending('paymentStatusChanged subscription'),
  })
  paymentStatusChanged(@Arg('referenceId', () => String, { nullable: true }) _referenceId?: string): never {
    throw notImplemented('paymentStatusChanged');
  }

  @Subscription(() => OrderEvent, {
    description:
      'Every order event; with afterEventId, first replays the events after that one, so a reconnecting dashboard misses nothing.',
    subscribe: pending('orderEvents subscription'),
  })
  orderEvents(
    @Arg('referenceId', () => String, { nullable: true }) _referenceId?: string,
    @Arg('afterEventId', () => ID, { nullable: true }) _afterEventId?: string,
  ): never {
    throw notImplemented('orderEvents');
  }
}
