import { FixedBuffer, Repeater } from '@graphql-yoga/subscription';
import type { Database } from '../db/database';
import { OrderEventEntity } from '../db/entities';
import type { OrderEventType } from '../domain/types';
import type { ServiceContext } from './context';
import { EventBus, PublishedEvent, toPublished } from './events';

export interface EventStreamFilter {
  referenceId?: string | null;
  types?: OrderEventType[];
  /** replay stored events after this sequence number first */
  afterEventId?: number | null;
}

const REPLAY_PAGE = 500;
/** a subscriber this far behind is cut off (it reconnects with afterEventId) rather than buffered forever */
const MAX_BUFFERED = 10_000;

/**
 * The events one subscriber may see, as an async stream: scoped to its business (ADMIN: all),
 * optionally to one order and some types. With afterEventId the stored events after it come
 * first; live events are buffered from the start, so nothing falls in the seam, and an event
 * both replayed and live is delivered once.
 */
export function eventStream(db: Database, bus: EventBus, ctx: ServiceContext, filter: EventStreamFilter): AsyncIterableIterator<PublishedEvent> {
  const businessId = ctx.principal.role === 'ADMIN' ? null : ctx.principal.businessId;
  const wanted = (e: PublishedEvent) =>
    (businessId === null || e.businessId === businessId) &&
    (!filter.referenceId || e.referenceId === filter.referenceId) &&
    (!filter.types || filter.types.includes(e.type));

  return new Repeater<PublishedEvent>(async (push, stop) => {
    const pending: PublishedEvent[] = [];
    let replaying = filter.afterEventId != null;
    const replayed = new Set<number>();
    const off = bus.onEvent((e) => {
      if (!wanted(e)) return;
      if (replaying) pending.push(e);
      else if (!replayed.has(e.id)) void push(e);
    });
    try {
      if (filter.afterEventId != null) {
        let after = filter.afterEventId;
        for (;;) {
          const q = db.manager
            .createQueryBuilder(OrderEventEntity, 'e')
            .where('e.id > :after', { after })
            .orderBy('e.id', 'ASC')
            .limit(REPLAY_PAGE);
          if (businessId) q.andWhere('e.businessId = :businessId', { businessId });
          if (filter.referenceId) q.andWhere('e.referenceId = :referenceId', { referenceId: filter.referenceId });
          if (filter.types) q.andWhere('e.type IN (:...types)', { types: filter.types });
          const rows = await q.getMany();
          for (const row of rows) {
            replayed.add(Number(row.id));
            await push(toPublished(row));
          }
          if (rows.length < REPLAY_PAGE) break;
          after = Number(rows[rows.length - 1].id);
        }
        replaying = false;
        for (const e of pending.splice(0)) if (!replayed.has(e.id) && e.id > filter.afterEventId) await push(e);
      }
      await stop;
    } finally {
      off();
    }
  }, new FixedBuffer(MAX_BUFFERED));
}
