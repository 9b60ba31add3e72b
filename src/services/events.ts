import { EventEmitter } from 'node:events';
import type { EntityManager } from 'typeorm';
import { OrderEventEntity } from '../db/entities';
import type { EventSource, OrderEventType } from '../domain/types';

export interface NewEvent {
  type: OrderEventType;
  source: EventSource;
  fromStatus?: string | null;
  toStatus?: string | null;
  detail?: string | null;
}

/**
 * Stores an order event inside the caller's transaction: the event commits or rolls back with the
 * change it describes. Publishing happens after commit (EventBus.publish).
 */
export async function recordEvent(
  m: EntityManager,
  order: { id: string; businessId: string; referenceId: string },
  e: NewEvent,
): Promise<OrderEventEntity> {
  const event = m.create(OrderEventEntity, {
    orderId: order.id,
    businessId: order.businessId,
    referenceId: order.referenceId,
    type: e.type,
    source: e.source,
    fromStatus: e.fromStatus ?? null,
    toStatus: e.toStatus ?? null,
    detail: e.detail ?? null,
    at: new Date(),
  });
  return m.save(event);
}

/** Committed events go out to subscribers; in-process here, other transports plug in behind it. */
export class EventBus {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  publish(events: OrderEventEntity[]): void {
    for (const event of events) this.emitter.emit('event', event);
  }

  onEvent(listener: (event: OrderEventEntity) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }
}
