import { BatchReader } from '../db/batch-reads';
import type { Database } from '../db/database';
import {
  OrderEntity,
  OrderEventEntity,
  OrderItemEntity,
  OutboundMessageEntity,
  PaymentEntity,
  TransactionEntity,
} from '../db/entities';
import type { OrderStatus, PaymentStatus } from '../domain/types';
import { scopedBusinessId, ServiceContext } from './context';

export const MAX_PAGE_SIZE = 100;

export interface OrderFilterRequest {
  status?: OrderStatus[] | null;
  paymentStatus?: PaymentStatus[] | null;
  to?: string | null;
  paymentConfiguration?: string | null;
  createdAfter?: Date | null;
  createdBefore?: Date | null;
}

/** A keyset page: its rows with their cursors, and where it is in the list. */
export interface KeysetPage<T> {
  edges: Array<{ cursor: string; node: T }>;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

export type OrderPage = KeysetPage<OrderEntity>;

/** A request the caller must fix (bad cursor, page size): a top-level error naming the argument. */
export class InvalidQueryArgument extends Error {
  constructor(
    readonly argument: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Reads of orders and their relations. Pages are keyset pages over (createdAt, id): the cost of a
 * page does not grow with its depth, and rows inserted meanwhile never shift a page.
 */
export class OrderQueries {
  constructor(private readonly db: Database) {}

  async order(ctx: ServiceContext, referenceId: string, businessId?: string | null): Promise<OrderEntity | null> {
    const scope = scopedBusinessId(ctx, businessId);
    if (scope) return this.db.manager.findOneBy(OrderEntity, { businessId: scope, referenceId });
    // ADMIN without a business: only an unambiguous referenceId answers
    const found = await this.db.manager.find(OrderEntity, { where: { referenceId }, take: 2 });
    return found.length === 1 ? found[0] : null;
  }

  async payment(ctx: ServiceContext, referenceId: string, businessId?: string | null): Promise<PaymentEntity | null> {
    const order = await this.order(ctx, referenceId, businessId);
    return order ? this.db.manager.findOneBy(PaymentEntity, { orderId: order.id }) : null;
  }

  async orders(ctx: ServiceContext, first: number, after: string | null | undefined, filter: OrderFilterRequest = {}): Promise<OrderPage> {
    if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
      throw new InvalidQueryArgument('first', `first must be from 1 to ${MAX_PAGE_SIZE}; page through more with the endCursor.`);
    }
    const q = this.db.manager.createQueryBuilder(OrderEntity, 'o');
    const scope = scopedBusinessId(ctx);
    if (scope) q.andWhere('o.businessId = :scope', { scope });
    if (filter.status?.length) q.andWhere('o.status IN (:...statuses)', { statuses: filter.status });
    if (filter.to) q.andWhere('o.to = :to', { to: filter.to });
    if (filter.paymentConfiguration) q.andWhere('o.paymentConfiguration = :pc', { pc: filter.paymentConfiguration });
    if (filter.createdAfter) q.andWhere('o.createdAt > :createdAfter', { createdAfter: this.db.param(filter.createdAfter) });
    if (filter.createdBefore) q.andWhere('o.createdAt < :createdBefore', { createdBefore: this.db.param(filter.createdBefore) });
    if (filter.paymentStatus?.length) {
      q.innerJoin(PaymentEntity, 'p', 'p.orderId = o.id').andWhere('p.status IN (:...paymentStatuses)', {
        paymentStatuses: filter.paymentStatus,
      });
    }
    if (after) {
      const cursor = decodeCursor(after);
      // a row-value comparison, not "createdAt > x OR (createdAt = x AND id > y)": both sqlite and
      // PostgreSQL seek the (businessId, createdAt, id) index to it, whereas the OR form made sqlite
      // walk the index from the first order, so a page cost more the deeper it was
      q.andWhere('(o.createdAt, o.id) > (:cursorAt, :cursorId)', { cursorAt: this.db.param(cursor.at), cursorId: cursor.id });
    }
    const rows = await q.orderBy('o.createdAt', 'ASC').addOrderBy('o.id', 'ASC').limit(first + 1).getMany();
    return keysetPage(rows, first, after);
  }

  // batch reads behind the request-scoped DataLoaders: one statement per relation per request
  private readers: ReturnType<typeof createReaders> | null = null;
  private get read(): ReturnType<typeof createReaders> {
    return (this.readers ??= createReaders(this.db));
  }
  ordersByIds(ids: readonly string[]): Promise<OrderEntity[]> {
    return this.read.orders.byKeys(this.db.manager, 'id', ids, '"id"');
  }
  itemsByOrderIds(ids: readonly string[]): Promise<OrderItemEntity[]> {
    return this.read.items.byKeys(this.db.manager, 'orderId', ids, '"position"');
  }
  paymentsByOrderIds(ids: readonly string[]): Promise<PaymentEntity[]> {
    return this.read.payments.byKeys(this.db.manager, 'orderId', ids, '"id"');
  }
  transactionsByPaymentIds(ids: readonly string[]): Promise<TransactionEntity[]> {
    return this.read.transactions.byKeys(this.db.manager, 'paymentId', ids, '"createdAt", "id"');
  }
  /** Without the wire payload (a kilobyte or so each): the API never shows it. */
  messagesByOrderIds(ids: readonly string[]): Promise<OutboundMessageEntity[]> {
    return this.read.messages.byKeys(this.db.manager, 'orderId', ids, '"createdAt", "id"');
  }
  eventsByOrderIds(ids: readonly string[]): Promise<OrderEventEntity[]> {
    return this.read.events.byKeys(this.db.manager, 'orderId', ids, '"id"');
  }
}

function createReaders(db: Database) {
  const ds = db.dataSource;
  return {
    orders: new BatchReader(ds, OrderEntity),
    items: new BatchReader(ds, OrderItemEntity),
    payments: new BatchReader(ds, PaymentEntity),
    transactions: new BatchReader(ds, TransactionEntity),
    messages: new BatchReader(ds, OutboundMessageEntity, { skip: ['payload'] }),
    events: new BatchReader(ds, OrderEventEntity),
  };
}

/** The page of `first` rows out of `rows` (read with one more, to know whether a next page exists). */
export function keysetPage<T extends { createdAt: Date; id: string }>(rows: T[], first: number, after: string | null | undefined): KeysetPage<T> {
  const edges = rows.slice(0, first).map((node) => ({ cursor: encodeCursor(node), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > first,
      hasPreviousPage: !!after,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
  };
}

/** A keyset cursor over (createdAt, id): opaque to clients (orders, webhook deliveries). */
export function encodeCursor(row: { createdAt: Date; id: string }): string {
  return Buffer.from(JSON.stringify([row.createdAt.getTime(), row.id])).toString('base64url');
}

export function decodeCursor(cursor: string): { at: Date; id: string } {
  try {
    const [ms, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof ms === 'number' && Number.isSafeInteger(ms) && typeof id === 'string' && id.length <= 36) {
      return { at: new Date(ms), id };
    }
  } catch {
    // fall through to the error below
  }
  throw new InvalidQueryArgument('after', 'after is not a cursor from this API; pass an endCursor exactly as returned.');
}
