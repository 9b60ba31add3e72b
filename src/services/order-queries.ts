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
import type { MessageStatus, OrderEventType, OrderStatus, PaymentStatus } from '../domain/types';
import { scopedBusinessId, ServiceContext } from './context';
import { decodeCursor, type KeysetPage, keysetPage } from './cursors';
import { InvalidQueryArgument } from './invalid-query-argument';

export { InvalidQueryArgument };

export const MAX_PAGE_SIZE = 100;

export interface OrderFilterRequest {
  status?: OrderStatus[] | null;
  paymentStatus?: PaymentStatus[] | null;
  to?: string | null;
  paymentConfiguration?: string | null;
  createdAfter?: Date | null;
  createdBefore?: Date | null;
  /** reference ids starting with this, case-insensitively */
  referenceIdPrefix?: string | null;
  /** orders with at least one event of these types */
  eventType?: OrderEventType[] | null;
  /** orders with at least one message in these delivery states ... */
  messageStatus?: MessageStatus[] | null;
  /** ... created before this time */
  messageCreatedBefore?: Date | null;
  /** orders whose payment waits for a payment lookup (true) or does not (false) */
  paymentVerificationDue?: boolean | null;
}

const REFERENCE_PREFIX = /^[A-Za-z0-9_.-]{1,35}$/;

export type OrderPage = KeysetPage<OrderEntity>;

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

  /**
   * A keyset page of orders, oldest first, or newest first (a dashboard's view) with the same
   * cursors read the other way.
   */
  async orders(
    ctx: ServiceContext,
    first: number,
    after: string | null | undefined,
    filter: OrderFilterRequest = {},
    newestFirst = false,
  ): Promise<OrderPage> {
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
    if (filter.referenceIdPrefix != null) {
      if (!REFERENCE_PREFIX.test(filter.referenceIdPrefix)) {
        throw new InvalidQueryArgument(
          'filter.referenceIdPrefix',
          'filter.referenceIdPrefix must be 1-35 characters of A-Z, a-z, 0-9, _ . - (the start of a reference id).',
        );
      }
      // `_` is a LIKE wildcard and may appear in reference ids, so it is escaped
      const pattern = filter.referenceIdPrefix.toLowerCase().replace(/[\\%_]/g, '\\$&') + '%';
      q.andWhere(`LOWER(o.referenceId) LIKE :referencePattern ESCAPE '\\'`, { referencePattern: pattern });
    }
    if (filter.paymentStatus?.length || filter.paymentVerificationDue != null) {
      q.innerJoin(PaymentEntity, 'p', 'p.orderId = o.id');
      if (filter.paymentStatus?.length) q.andWhere('p.status IN (:...paymentStatuses)', { paymentStatuses: filter.paymentStatus });
      // the verifier's due time is set while a webhook's claim waits for the lookup (or a failed lookup waits to retry)
      if (filter.paymentVerificationDue != null) q.andWhere(filter.paymentVerificationDue ? 'p.verifyAfter IS NOT NULL' : 'p.verifyAfter IS NULL');
    }
    if (filter.eventType?.length) {
      const events = q
        .subQuery()
        .select('1')
        .from(OrderEventEntity, 'e')
        .where('e.orderId = o.id')
        .andWhere('e.type IN (:...eventTypes)')
        .getQuery();
      q.andWhere(`EXISTS ${events}`, { eventTypes: filter.eventType });
    }
    if (filter.messageStatus?.length) {
      const messages = q.subQuery().select('1').from(OutboundMessageEntity, 'm').where('m.orderId = o.id').andWhere('m.status IN (:...messageStatuses)');
      if (filter.messageCreatedBefore) messages.andWhere('m.createdAt < :messageCreatedBefore');
      q.andWhere(`EXISTS ${messages.getQuery()}`, {
        messageStatuses: filter.messageStatus,
        ...(filter.messageCreatedBefore ? { messageCreatedBefore: this.db.param(filter.messageCreatedBefore) } : {}),
      });
    }
    if (after) {
      const { at, keys } = decodeCursor(after, ['uuid']);
      const cursor = { at, id: keys[0] as string };
      // a row-value comparison, not "createdAt > x OR (createdAt = x AND id > y)": both sqlite and
      // PostgreSQL seek the (businessId, createdAt, id) index to it, whereas the OR form made sqlite
      // walk the index from the first order, so a page cost more the deeper it was
      q.andWhere(`(o.createdAt, o.id) ${newestFirst ? '<' : '>'} (:cursorAt, :cursorId)`, {
        cursorAt: this.db.param(cursor.at),
        cursorId: cursor.id,
      });
    }
    const direction = newestFirst ? 'DESC' : 'ASC';
    const rows = await q.orderBy('o.createdAt', direction).addOrderBy('o.id', direction).limit(first + 1).getMany();
    return keysetPage(rows, first, after);
  }

  /** The id of the newest event the caller may see (null before the first): where a live view starts. */
  async lastEventId(ctx: ServiceContext): Promise<number | null> {
    const q = this.db.manager.createQueryBuilder(OrderEventEntity, 'e').select('MAX(e.id)', 'max');
    const scope = scopedBusinessId(ctx);
    if (scope) q.where('e.businessId = :scope', { scope });
    const row = await q.getRawOne<{ max: number | string | null }>();
    return row?.max == null ? null : Number(row.max);
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
    // in the order WhatsApp lists the attempts
    return this.read.transactions.byKeys(this.db.manager, 'paymentId', ids, '"paymentId", "position"');
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
