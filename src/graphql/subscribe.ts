import { MAX_EVENT_ID } from '../domain/limits';
import type { OrderEventType } from '../domain/types';
import { eventStream } from '../services/event-stream';
import type { PublishedEvent } from '../services/events';
import type { GraphQLContext } from './context';
import { badUserInput, forbidden, unauthenticated } from './errors';
import { fromGlobalId } from './global-id';
import { Loaders } from './loaders';
import { checkSubscriptionText } from './text-arguments';

const DEFAULT_MAX_BACKLOG = 10_000;

/**
 * The subscribe half of every subscription: checks the caller, then streams its events. Each
 * event gets fresh DataLoaders, so field resolvers read the data as it is after that event (a
 * loader kept for the whole connection would serve the first event's rows forever).
 */
export function subscribe(
  ctx: GraphQLContext,
  filter: { referenceId?: string | null; types?: OrderEventType[]; afterEventId?: string | null },
): AsyncIterableIterator<PublishedEvent> {
  // checks run before the stream exists, so a refusal is an error of the subscribe request itself
  const principal = ctx.principal;
  if (!principal) throw unauthenticated(ctx.authError ?? 'Send an API key in connectionParams.authorization: "Bearer <api key>".');
  if (principal.role === 'MOBILE' && !filter.referenceId) {
    throw forbidden('A MOBILE key subscribes to one order at a time: pass referenceId.');
  }
  checkSubscriptionText(filter);
  const afterEventId = filter.afterEventId != null ? parseEventId(filter.afterEventId) : null;
  const stream = eventStream(
    ctx.services.db,
    ctx.services.events,
    { principal, requestId: ctx.requestId },
    { referenceId: filter.referenceId, types: filter.types, afterEventId },
    ctx.stream ?? { maxBacklog: DEFAULT_MAX_BACKLOG },
  );
  return withFreshLoaders(ctx, stream);
}

/**
 * Gives each event fresh loaders. A plain iterator, not an async generator: a generator parked
 * awaiting the next event only sees return() once another event arrives, so a client that
 * disconnects from a quiet subscription would stay subscribed forever.
 */
function withFreshLoaders(ctx: GraphQLContext, stream: AsyncIterableIterator<PublishedEvent>): AsyncIterableIterator<PublishedEvent> {
  const iterator: AsyncIterableIterator<PublishedEvent> = {
    async next() {
      const result = await stream.next();
      if (!result.done) ctx.loaders = new Loaders(ctx.services);
      return result;
    },
    async return(value?: unknown) {
      await stream.return?.(value);
      return { done: true, value: undefined };
    },
    async throw(err?: unknown) {
      await stream.return?.();
      throw err;
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}

function parseEventId(id: string): number {
  const decoded = fromGlobalId(id);
  const raw = decoded?.type === 'OrderEvent' ? decoded.id : id;
  const n = Number(raw);
  if (!/^\d{1,10}$/.test(raw) || n > MAX_EVENT_ID) {
    throw badUserInput('afterEventId must be the id of an OrderEvent (as returned in events or subscriptions).', 'afterEventId');
  }
  return n;
}
