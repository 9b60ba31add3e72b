import type { Database } from '../db/database';
import { OrderEventEntity } from '../db/entities';
import type { OrderEventType } from '../domain/types';
import type { ServiceContext } from './context';
import { EventBus, PublishedEvent, toPublished } from './events';
import { Refusal } from './refusals';

export interface EventStreamFilter {
  referenceId?: string | null;
  types?: OrderEventType[];
  /** replay stored events after this sequence number first */
  afterEventId?: number | null;
}

export interface EventStreamOptions {
  /** the most events one subscriber may have waiting; past it the stream ends (SubscriberBehind) */
  maxBacklog: number;
  /** told at once when the stream ends for being behind (the transport closes the connection) */
  onBehind?: (error: SubscriberBehind) => void;
}

const REPLAY_PAGE = 500;

/** The subscriber stopped taking events (a client that does not read its socket). */
export class SubscriberBehind extends Refusal {
  constructor(readonly maxBacklog: number) {
    super(
      'SUBSCRIBER_TOO_SLOW',
      `This subscription fell more than ${maxBacklog} events behind and was ended; subscribe again with afterEventId ` +
        'set to the id of the last event you received.',
    );
  }
}

/**
 * The events one subscriber may see, as an async stream: scoped to its business (ADMIN: all),
 * optionally to one order and some types. With afterEventId the stored events after it come
 * first; live events are held from the start, so nothing falls in the seam, and an event both
 * replayed and live is delivered once.
 *
 * Every subscriber has its own bounded backlog. Live events are handed over without waiting (one
 * subscriber can never hold up the bus or the others); one whose backlog passes maxBacklog, because
 * it stopped taking events, is ended with SubscriberBehind and told through onBehind at once, and
 * its backlog is dropped. Replay waits for room instead: it is read at the subscriber's pace.
 */
export function eventStream(
  db: Database,
  bus: EventBus,
  ctx: ServiceContext,
  filter: EventStreamFilter,
  options: EventStreamOptions,
): AsyncIterableIterator<PublishedEvent> {
  const businessId = ctx.principal.role === 'ADMIN' ? null : ctx.principal.businessId;
  const wanted = (e: PublishedEvent) =>
    (businessId === null || e.businessId === businessId) &&
    (!filter.referenceId || e.referenceId === filter.referenceId) &&
    (!filter.types || filter.types.includes(e.type));

  const queue = new BoundedQueue(options);
  let replaying = filter.afterEventId != null;
  const held: PublishedEvent[] = [];
  const replayed = new Set<number>();
  const off = bus.onEvent((e) => {
    if (!wanted(e)) return;
    if (!replaying) {
      if (!replayed.has(e.id)) queue.offer(e);
    } else if (held.length < options.maxBacklog) {
      held.push(e);
    } else {
      queue.fail();
    }
  });
  queue.onEnd(() => {
    off();
    held.length = 0;
  });

  if (filter.afterEventId != null) {
    const after = filter.afterEventId;
    void (async () => {
      try {
        let cursor = after;
        for (;;) {
          const q = db.manager
            .createQueryBuilder(OrderEventEntity, 'e')
            .where('e.id > :cursor', { cursor })
            .orderBy('e.id', 'ASC')
            .limit(REPLAY_PAGE);
          if (businessId) q.andWhere('e.businessId = :businessId', { businessId });
          if (filter.referenceId) q.andWhere('e.referenceId = :referenceId', { referenceId: filter.referenceId });
          if (filter.types) q.andWhere('e.type IN (:...types)', { types: filter.types });
          const rows = await q.getMany();
          for (const row of rows) {
            if (queue.ended) return;
            replayed.add(Number(row.id));
            await queue.put(toPublished(row));
          }
          if (rows.length < REPLAY_PAGE) break;
          cursor = Number(rows[rows.length - 1].id);
        }
        replaying = false;
        for (const e of held.splice(0)) if (!replayed.has(e.id) && e.id > after) queue.offer(e);
      } catch (err) {
        queue.fail(err);
      }
    })();
  }
  return queue;
}

/**
 * A single consumer's queue: offer() never waits (past maxBacklog the queue fails with
 * SubscriberBehind), put() waits for room, next() waits for an event. return() (the client left)
 * ends it at once, even while next() is waiting.
 */
class BoundedQueue implements AsyncIterableIterator<PublishedEvent> {
  /** waiting events are items[head..]: taking one moves head instead of shifting the array */
  private items: PublishedEvent[] = [];
  private head = 0;
  private taker: { resolve: (r: IteratorResult<PublishedEvent>) => void; reject: (e: unknown) => void } | null = null;
  private readonly roomWaiters: Array<() => void> = [];
  private readonly endListeners: Array<() => void> = [];
  private failure: unknown = null;
  ended = false;

  constructor(private readonly options: EventStreamOptions) {}

  offer(e: PublishedEvent): void {
    if (this.ended) return;
    if (this.taker) return this.deliver(e);
    if (this.waiting >= this.options.maxBacklog) return this.fail();
    this.items.push(e);
  }

  async put(e: PublishedEvent): Promise<void> {
    while (!this.ended && !this.taker && this.waiting >= this.options.maxBacklog) {
      await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
    }
    this.offer(e);
  }

  /** Ends the stream with an error: SubscriberBehind unless another cause is given. */
  fail(cause?: unknown): void {
    if (this.ended) return;
    const error = cause ?? new SubscriberBehind(this.options.maxBacklog);
    this.failure = error;
    this.end();
    if (this.taker) {
      const { reject } = this.taker;
      this.taker = null;
      reject(error);
    }
    if (error instanceof SubscriberBehind) this.options.onBehind?.(error);
  }

  onEnd(listener: () => void): void {
    this.endListeners.push(listener);
  }

  private get waiting(): number {
    return this.items.length - this.head;
  }

  next(): Promise<IteratorResult<PublishedEvent>> {
    if (this.waiting > 0) {
      const e = this.items[this.head++];
      if (this.head === this.items.length || (this.head >= 1024 && this.head * 2 >= this.items.length)) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
      this.roomWaiters.shift()?.();
      return Promise.resolve({ value: e, done: false });
    }
    if (this.failure) {
      const failure = this.failure;
      this.failure = null;
      return Promise.reject(failure);
    }
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => (this.taker = { resolve, reject }));
  }

  return(): Promise<IteratorResult<PublishedEvent>> {
    this.failure = null;
    this.end();
    if (this.taker) {
      const { resolve } = this.taker;
      this.taker = null;
      resolve({ value: undefined, done: true });
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(err?: unknown): Promise<IteratorResult<PublishedEvent>> {
    void this.return();
    return Promise.reject(err);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<PublishedEvent> {
    return this;
  }

  private deliver(e: PublishedEvent): void {
    const { resolve } = this.taker!;
    this.taker = null;
    resolve({ value: e, done: false });
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.items = [];
    this.head = 0;
    for (const wake of this.roomWaiters.splice(0)) wake();
    for (const listener of this.endListeners.splice(0)) listener();
  }
}
