// The order status graph on its own, so that both the rules (order-status.ts) and the error
// texts (errors.ts) can read it without importing each other.
import type { OrderStatus } from './types';

/**
 * Where an order may go next, as WhatsApp enforces it (it answers 2046 otherwise), listed in
 * ORDER_STATUSES order. PROCESSING, PARTIALLY_SHIPPED and SHIPPED are interchangeable because
 * real fulfilment moves back and forth between them (a returned parcel is processing again).
 * Same-status is deliberately absent: callers treat it as a no-op, not as a transition.
 */
export const ORDER_TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  PENDING: ['PROCESSING', 'PARTIALLY_SHIPPED', 'SHIPPED', 'COMPLETED', 'CANCELED'],
  PROCESSING: ['PARTIALLY_SHIPPED', 'SHIPPED', 'COMPLETED', 'CANCELED'],
  PARTIALLY_SHIPPED: ['PROCESSING', 'SHIPPED', 'COMPLETED', 'CANCELED'],
  SHIPPED: ['PROCESSING', 'PARTIALLY_SHIPPED', 'COMPLETED', 'CANCELED'],
  COMPLETED: [],
  CANCELED: [],
};
