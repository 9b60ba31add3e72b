import type { DataSource, EntityManager } from 'typeorm';
import type { Database } from '../db/database';

/**
 * Something a read of an order could show changed: an order (its row, items, payment, transactions,
 * refunds, messages or events) or, with orderId null, its business (name, phone numbers, payment
 * configurations). Copies of answers (the answer cache) are dropped on it, on every instance.
 */
export interface OrderChange {
  businessId: string;
  orderId: string | null;
}

export type OrderChangedHook = (m: EntityManager, change: OrderChange) => void;
const hooks = new WeakMap<DataSource, OrderChangedHook>();

/** Runs `hook` for every change marked in a transaction of `dataSource` from now on. */
export function whenOrderChanged(dataSource: DataSource, hook: OrderChangedHook): void {
  hooks.set(dataSource, hook);
}

/**
 * Marks, inside the transaction `m` that writes it, that an order changed. Every write to an order's
 * rows calls this (storing an event does it for the event's order); the notice goes out when the
 * transaction commits.
 */
export function orderChanged(m: EntityManager, businessId: string, orderId: string): void {
  hooks.get(m.connection)?.(m, { businessId, orderId });
}

/** Marks that a business's own data (what an order's `business` field shows) changed. */
export function businessChanged(m: EntityManager, businessId: string): void {
  hooks.get(m.connection)?.(m, { businessId, orderId: null });
}

/** Where committed changes go: the event bus (EventBus.publishOrderChanges). */
export interface OrderChangeSink {
  publishOrderChanges(changes: OrderChange[]): void;
}

/**
 * Sends the changes marked in each transaction of `db` to `sink` once it commits, one notice per
 * transaction (nothing when it rolls back). A change marked outside a transaction goes at once.
 */
export function announceOrderChanges(db: Database, sink: OrderChangeSink): void {
  const pending = new WeakMap<EntityManager, OrderChange[]>();
  whenOrderChanged(db.dataSource, (m, change) => {
    const marked = pending.get(m);
    if (marked) {
      if (!marked.some((c) => c.businessId === change.businessId && c.orderId === change.orderId)) marked.push(change);
      return;
    }
    const changes = [change];
    pending.set(m, changes);
    const send = () => {
      pending.delete(m);
      sink.publishOrderChanges(changes);
    };
    if (!db.afterCommit(m, send)) send();
  });
}
