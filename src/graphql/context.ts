import type { ServiceContext, Principal } from '../services/context';
import type { Loaders } from './loaders';
import type { Services } from '../services';
import type { EventStreamOptions } from '../services/event-stream';
import type { CostReport } from './admission';

/** The GraphQL context: the service context plus what only the GraphQL layer needs. */
export interface GraphQLContext extends Omit<ServiceContext, 'principal'> {
  principal: Principal | null;
  /** why the request is unauthenticated, when it sent a key that did not work */
  authError: string | null;
  loaders: Loaders;
  services: Services;
  /** subscriptions (WebSocket only): the subscriber's backlog bound, and what to do past it */
  stream?: EventStreamOptions;
  /** what the admission gate charged for this operation (WebSocket answers report it) */
  cost?: CostReport;
}

/** The service context of an authenticated request (the auth checker guarantees a principal). */
export function serviceContext(ctx: GraphQLContext): ServiceContext {
  if (!ctx.principal) throw new Error('serviceContext called on an unauthenticated request');
  return { principal: ctx.principal, idempotencyKey: ctx.idempotencyKey, requestId: ctx.requestId, reads: ctx.reads };
}
