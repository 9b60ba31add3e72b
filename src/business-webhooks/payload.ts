import type { OrderEventEntity } from '../db/entities';
import { toGlobalId } from '../domain/global-id';
import type { OrderStatus, PaymentStatus } from '../domain/types';

/** The event a delivery carries. */
export type EventFacts = Pick<OrderEventEntity, 'id' | 'businessId' | 'referenceId' | 'type' | 'source' | 'fromStatus' | 'toStatus' | 'detail' | 'at'>;

/** The order and its payment as they were once the change that made the event was written. */
export interface OrderFacts {
  referenceId: string;
  status: OrderStatus;
  total: number;
  offset: number;
  currency: string;
  payment: {
    status: PaymentStatus;
    verified: boolean;
    /** what WhatsApp reports as paid, where known */
    amount: { value: number; offset: number; currency: string } | null;
    /** the sum of refunds that succeeded (minor units of the order's offset) */
    refundedAmount: number;
  } | null;
}

/** The id of an event as the API gives it (OrderEvent.id): the webhook-id header and `data.eventId`. */
export function webhookId(eventId: number): string {
  return toGlobalId('OrderEvent', eventId);
}

/**
 * The JSON body of a delivery, as the contract (business-webhooks.graphql) lays it out. Ids are the
 * API's global ids, so a receiver can ask `node(id:)` about what it got.
 */
export function webhookBody(event: EventFacts, order: OrderFacts): string {
  const money = (value: number) => ({ value, offset: order.offset, currency: order.currency });
  return JSON.stringify({
    type: event.type,
    timestamp: event.at.toISOString(),
    data: {
      eventId: webhookId(event.id),
      businessId: toGlobalId('Business', event.businessId),
      referenceId: event.referenceId,
      type: event.type,
      source: event.source,
      fromStatus: event.fromStatus,
      toStatus: event.toStatus,
      detail: event.detail,
      order: {
        referenceId: order.referenceId,
        status: order.status,
        total: money(order.total),
        payment: order.payment && {
          status: order.payment.status,
          verified: order.payment.verified,
          amount: order.payment.amount,
          refundedAmount: money(order.payment.refundedAmount),
        },
      },
    },
  });
}
