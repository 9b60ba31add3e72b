import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createPubSub, PubSub } from '@graphql-yoga/subscription';
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import Redis from 'ioredis';
import type { DataSource, EntityManager } from 'typeorm';
import { OrderEventEntity } from '../db/entities';
import { insertReturningId } from '../db/writes';
import type { EventSource, OrderEventType } from '../domain/types';
import type { Logger } from '../logger';
import { orderChanged, type OrderChange } from './order-changes';

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
  const event = newEvent(order, e);
  event.id = await insertReturningId(m, OrderEventEntity, event);
  await eventStored(m, event);
  return event;
}

/** An event not stored yet (no id): for a caller that stores it with other rows, then calls eventStored. */
export function newEvent(order: { id: string; businessId: string; referenceId: string }, e: NewEvent): OrderEventEntity {
  return Object.assign(new OrderEventEntity(), {
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
}

/** What storing an event entails in its transaction (recordEvent does it): the hook of whenEventRecorded. */
export async function eventStored(m: EntityManager, event: OrderEventEntity): Promise<void> {
  orderChanged(m, event.businessId, event.orderId);
  await recordedHooks.get(m.connection)?.(m, event);
}

/** Work that must be done in the transaction of every stored event (business webhooks: its deliveries). */
export type EventRecordedHook = (m: EntityManager, event: OrderEventEntity) => Promise<void>;
const recordedHooks = new WeakMap<DataSource, EventRecordedHook>();

/** Runs `hook` in the transaction of every event stored in `dataSource` from now on. */
export function whenEventRecorded(dataSource: DataSource, hook: EventRecordedHook): void {
  recordedHooks.set(dataSource, hook);
}

/** An event as it travels between instances: plain JSON values only (no entities, no Dates). */
export interface WireEvent {
  id: number;
  orderId: string;
  businessId: string;
  referenceId: string;
  type: OrderEventType;
  source: EventSource;
  fromStatus: string | null;
  toStatus: string | null;
  detail: string | null;
  at: string;
}

/** An event as subscribers see it. */
export type PublishedEvent = Omit<WireEvent, 'at'> & { at: Date };

type Topics = {
  'order-events': [WireEvent];
  'api-key-revoked': [{ keyId: string }];
  'order-changes': [{ from: string; changes: OrderChange[] }];
};

/**
 * Committed events go out to subscribers. The transport is in-process, or Redis pub/sub when
 * REDIS_URL is set so that a change on one instance reaches dashboards on every other. Each
 * instance holds ONE transport subscription and fans out to its own subscribers locally. Events
 * are already stored when published, so a transport outage delays or drops only the live copy:
 * a subscriber that reconnects with afterEventId replays what it missed from the database.
 */
export class EventBus {
  private readonly local = new EventEmitter();
  private readonly listeners = new Set<(event: PublishedEvent) => void>();
  private readonly changeListeners = new Set<(changes: OrderChange[]) => void>();
  private readonly lostListeners = new Set<() => void>();
  /** this instance on the transport: its own order changes come back to it and are skipped */
  private readonly instance = randomUUID();
  private readonly pubSub: PubSub<Topics>;
  private readonly redis: Redis[] = [];
  private readonly loops: Promise<void>[] = [];
  private closed = false;

  constructor(
    private readonly logger: Logger,
    redisUrl: string | null = null,
    redisPrefix = 'wpg',
  ) {
    this.local.setMaxListeners(0);
    if (redisUrl) {
      // two connections: a connection in subscriber mode cannot publish
      const options = { maxRetriesPerRequest: null, lazyConnect: false } as const;
      const publishClient = new Redis(redisUrl, options);
      const subscribeClient = new Redis(redisUrl, options);
      // Redis pub/sub delivers at most once: while the subscriber was away, changes may have gone by
      subscribeClient.on('ready', () => this.notify(this.lostListeners, undefined));
      for (const client of [publishClient, subscribeClient]) {
        client.on('error', (err) => this.logger.warn({ err: err.message }, 'redis connection problem; events will resume when it is back'));
        this.redis.push(client);
      }
      const target = createRedisEventTarget({ publishClient, subscribeClient });
      this.pubSub = createPubSub<Topics>({ eventTarget: prefixed(target, `${redisPrefix}:`) as typeof target });
    } else {
      this.pubSub = createPubSub<Topics>();
    }
    this.pump('order-events', (e) => this.deliver(hydrate(e)));
    this.pump('api-key-revoked', (e) => this.local.emit('revoked', e.keyId));
    this.pump('order-changes', (e) => {
      if (e.from !== this.instance) this.notify(this.changeListeners, e.changes);
    });
  }

  private pump<K extends keyof Topics>(topic: K, deliver: (value: Topics[K][0]) => void): void {
    const source = this.pubSub.subscribe(topic as never) as AsyncIterable<Topics[K][0]> & { return?: () => unknown };
    this.loops.push(
      (async () => {
        for await (const value of source) {
          if (this.closed) break;
          try {
            deliver(value);
          } catch (err) {
            this.logger.error({ err }, 'a subscriber failed while receiving an event');
          }
        }
      })(),
    );
    this.closers.push(() => source.return?.());
  }
  private readonly closers: Array<() => unknown> = [];

  publish(events: OrderEventEntity[]): void {
    for (const event of events) {
      try {
        this.pubSub.publish('order-events', dehydrate(event));
      } catch (err) {
        // the event is stored; subscribers catch up with afterEventId
        this.logger.warn({ err, eventId: event.id }, 'could not publish an event; it stays replayable');
      }
    }
  }

  /**
   * Tells every instance that an API key was revoked, so its open subscriptions end and cached
   * copies of the key are dropped now. This instance hears it at once, before the transport
   * carries it (listeners may hear it twice: forgetting and closing are idempotent).
   */
  publishKeyRevoked(keyId: string): void {
    this.local.emit('revoked', keyId);
    this.pubSub.publish('api-key-revoked', { keyId });
  }

  /**
   * Tells every instance that orders changed (src/services/order-changes.ts), after the commit:
   * this instance's listeners at once, before this call returns, so that a read made after a
   * write on this instance never sees a copy older than the write; the others through the transport.
   */
  publishOrderChanges(changes: OrderChange[]): void {
    this.notify(this.changeListeners, changes);
    try {
      this.pubSub.publish('order-changes', { from: this.instance, changes });
    } catch (err) {
      this.logger.warn({ err }, 'could not tell the other instances that orders changed; their copies age out');
    }
  }

  onOrderChanges(listener: (changes: OrderChange[]) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** `listener` runs whenever notices from other instances may have been lost (the transport reconnected). */
  onNoticesLost(listener: () => void): () => void {
    this.lostListeners.add(listener);
    return () => this.lostListeners.delete(listener);
  }

  private notify<T>(listeners: Set<(value: T) => void>, value: T): void {
    for (const listener of listeners) {
      try {
        listener(value);
      } catch (err) {
        this.logger.error({ err }, 'a listener failed while receiving a notice');
      }
    }
  }

  /**
   * Hands one event to every subscriber of this instance, each on its own: a subscriber that
   * throws is logged and the others still get the event (an EventEmitter would stop at the first
   * that throws).
   */
  private deliver(event: PublishedEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.logger.error({ err, eventId: event.id }, 'a subscriber failed while receiving an event');
      }
    }
  }

  onEvent(listener: (event: PublishedEvent) => void): () => void {
    // a wrapper per registration, so one function registered twice is two subscribers
    const registration = (event: PublishedEvent) => listener(event);
    this.listeners.add(registration);
    return () => this.listeners.delete(registration);
  }

  onKeyRevoked(listener: (keyId: string) => void): () => void {
    this.local.on('revoked', listener);
    return () => this.local.off('revoked', listener);
  }

  get subscriberCount(): number {
    return this.listeners.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const close of this.closers) await close();
    await Promise.all(this.redis.map((r) => r.quit().catch(() => r.disconnect())));
  }
}

/** Namespaces the Redis channels (topic "order-events" travels as "<prefix>:order-events"). */
function prefixed<T extends { addEventListener: Function; removeEventListener: Function; dispatchEvent: Function }>(target: T, prefix: string) {
  const listeners = new Map<unknown, (event: CustomEvent) => void>();
  return {
    addEventListener(topic: string, listener: (event: CustomEvent) => void) {
      const unprefixing = (event: CustomEvent) => listener(new CustomEvent(topic, { detail: event.detail }));
      listeners.set(listener, unprefixing);
      target.addEventListener(prefix + topic, unprefixing);
    },
    removeEventListener(topic: string, listener: (event: CustomEvent) => void) {
      target.removeEventListener(prefix + topic, listeners.get(listener));
      listeners.delete(listener);
    },
    dispatchEvent(event: CustomEvent) {
      return target.dispatchEvent(new CustomEvent(prefix + event.type, { detail: event.detail }));
    },
  };
}

function dehydrate(e: OrderEventEntity): WireEvent {
  return {
    id: Number(e.id),
    orderId: e.orderId,
    businessId: e.businessId,
    referenceId: e.referenceId,
    type: e.type,
    source: e.source,
    fromStatus: e.fromStatus,
    toStatus: e.toStatus,
    detail: e.detail,
    at: e.at.toISOString(),
  };
}

function hydrate(e: WireEvent): PublishedEvent {
  return { ...e, at: new Date(e.at) };
}

/** Stored events (replay) in the same shape as live ones. */
export function toPublished(e: OrderEventEntity): PublishedEvent {
  return hydrate(dehydrate(e));
}
