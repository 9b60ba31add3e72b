import DataLoader from 'dataloader';
import type {
  BusinessEntity,
  OrderEntity,
  OrderEventEntity,
  OrderItemEntity,
  OutboundMessageEntity,
  PaymentConfigurationEntity,
  PaymentEntity,
  PhoneNumberEntity,
  TransactionEntity,
} from '../db/entities';
import type { Services } from '../services';

/**
 * Request-scoped batch loaders: one query per relation per request, whatever the page size.
 * Made fresh for every request (and every subscription event), so they never serve stale rows.
 */
export class Loaders {
  readonly business: DataLoader<string, BusinessEntity | null>;
  readonly phoneNumbersOfBusiness: DataLoader<string, PhoneNumberEntity[]>;
  readonly paymentConfigurationsOfBusiness: DataLoader<string, PaymentConfigurationEntity[]>;
  readonly order: DataLoader<string, OrderEntity | null>;
  readonly itemsOfOrder: DataLoader<string, OrderItemEntity[]>;
  readonly paymentOfOrder: DataLoader<string, PaymentEntity | null>;
  readonly transactionsOfPayment: DataLoader<string, TransactionEntity[]>;
  readonly messagesOfOrder: DataLoader<string, OutboundMessageEntity[]>;
  readonly eventsOfOrder: DataLoader<string, OrderEventEntity[]>;

  constructor(services: Services) {
    const { tenancy, orderQueries: q } = services;
    this.business = new DataLoader(async (ids) => byKey(ids, await tenancy.businessesByIds(ids), (b) => b.id));
    this.phoneNumbersOfBusiness = new DataLoader(async (ids) =>
      groupByKey(ids, await tenancy.phoneNumbersByBusinessIds(ids), (p) => p.businessId),
    );
    this.paymentConfigurationsOfBusiness = new DataLoader(async (ids) =>
      groupByKey(ids, await tenancy.paymentConfigurationsByBusinessIds(ids), (p) => p.businessId),
    );
    this.order = new DataLoader(async (ids) => byKey(ids, await q.ordersByIds(ids), (o) => o.id));
    this.itemsOfOrder = new DataLoader(async (ids) => groupByKey(ids, await q.itemsByOrderIds(ids), (i) => i.orderId));
    this.paymentOfOrder = new DataLoader(async (ids) => byKey(ids, await q.paymentsByOrderIds(ids), (p) => p.orderId));
    this.transactionsOfPayment = new DataLoader(async (ids) =>
      groupByKey(ids, await q.transactionsByPaymentIds(ids), (t) => t.paymentId),
    );
    this.messagesOfOrder = new DataLoader(async (ids) => groupByKey(ids, await q.messagesByOrderIds(ids), (m) => m.orderId));
    this.eventsOfOrder = new DataLoader(async (ids) => groupByKey(ids, await q.eventsByOrderIds(ids), (e) => e.orderId));
  }
}

export function byKey<K, V>(keys: readonly K[], rows: V[], keyOf: (row: V) => K): (V | null)[] {
  const map = new Map<K, V>();
  for (const row of rows) map.set(keyOf(row), row);
  return keys.map((k) => map.get(k) ?? null);
}

export function groupByKey<K, V>(keys: readonly K[], rows: V[], keyOf: (row: V) => K): V[][] {
  const map = new Map<K, V[]>();
  for (const row of rows) {
    const k = keyOf(row);
    const list = map.get(k);
    if (list) list.push(row);
    else map.set(k, [row]);
  }
  return keys.map((k) => map.get(k) ?? []);
}
