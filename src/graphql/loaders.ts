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
  RefundEntity,
  TransactionEntity,
  WebhookDeliveryAttemptEntity,
} from '../db/entities';
import type { Services } from '../services';
import type { OrderDocument, OrderPart } from '../services/order-queries';

/** What the resolvers use of a loader. */
export interface Loader<K, V> {
  load(key: K): Promise<V>;
}

interface PartKey {
  orderId: string;
  part: OrderPart;
}

/**
 * Request-scoped batch loaders: one query per relation per request, whatever the page size.
 * Made fresh for every request (and every subscription event), so they never serve stale rows.
 * Each loader is created on first use: a subscription makes a set per event per subscriber, and
 * most events touch one loader or none.
 */
export class Loaders {
  constructor(private readonly services: Services) {}

  private _business?: DataLoader<string, BusinessEntity | null>;
  get business(): DataLoader<string, BusinessEntity | null> {
    const { tenancy } = this.services;
    return (this._business ??= new DataLoader(async (ids) => byKey(ids, await tenancy.businessesByIds(ids), (b) => b.id)));
  }

  private _phoneNumbersOfBusiness?: DataLoader<string, PhoneNumberEntity[]>;
  get phoneNumbersOfBusiness(): DataLoader<string, PhoneNumberEntity[]> {
    const { tenancy } = this.services;
    return (this._phoneNumbersOfBusiness ??= new DataLoader(async (ids) =>
      groupByKey(ids, await tenancy.phoneNumbersByBusinessIds(ids), (p) => p.businessId),
    ));
  }

  private _paymentConfigurationsOfBusiness?: DataLoader<string, PaymentConfigurationEntity[]>;
  get paymentConfigurationsOfBusiness(): DataLoader<string, PaymentConfigurationEntity[]> {
    const { tenancy } = this.services;
    return (this._paymentConfigurationsOfBusiness ??= new DataLoader(async (ids) =>
      groupByKey(ids, await tenancy.paymentConfigurationsByBusinessIds(ids), (p) => p.businessId),
    ));
  }

  private _order?: DataLoader<string, OrderEntity | null>;
  get order(): DataLoader<string, OrderEntity | null> {
    const q = this.services.orderQueries;
    return (this._order ??= new DataLoader(async (ids) => byKey(ids, await q.ordersByIds(ids), (o) => o.id)));
  }

  /**
   * An order's relations (items, payment with its transactions and refunds, messages, events) are
   * read as documents: whatever relations the resolvers of one tick ask for, of whatever orders,
   * come in one statement, one JSON value per relation and order (OrderQueries.orderDocuments).
   * `paymentDetailsOfOrder` brings the payment's transactions (and on PostgreSQL its refunds)
   * with it, primed into their own loaders, so Payment's fields need no statement of their own.
   */
  private _orderParts?: DataLoader<PartKey, unknown, string>;
  private orderPart<T>(part: OrderPart, orderId: string): Promise<T> {
    const q = this.services.orderQueries;
    this._orderParts ??= new DataLoader<PartKey, unknown, string>(
      async (keys) => {
        const parts = new Set(keys.map((k) => k.part));
        const documents = await q.orderDocuments([...new Set(keys.map((k) => k.orderId))], parts);
        for (const d of documents.values()) {
          if (!d.payment || !d.transactions) continue;
          this.transactionsOfPayment.prime(d.payment.id, d.transactions);
          if (d.refunds) this.refundsOfPayment.prime(d.payment.id, d.refunds);
        }
        return keys.map((k) => partOf(documents.get(k.orderId), k.part));
      },
      { cacheKeyFn: (k) => `${k.part}:${k.orderId}` },
    );
    return this._orderParts.load({ orderId, part }) as Promise<T>;
  }

  get itemsOfOrder(): Loader<string, OrderItemEntity[]> {
    return { load: (id) => this.orderPart('items', id) };
  }
  get paymentOfOrder(): Loader<string, PaymentEntity | null> {
    return { load: (id) => this.orderPart('payment', id) };
  }
  /** The payment, with its transactions and refunds read in the same statement (for Order.payment). */
  get paymentDetailsOfOrder(): Loader<string, PaymentEntity | null> {
    return { load: (id) => this.orderPart('paymentDetails', id) };
  }
  get messagesOfOrder(): Loader<string, OutboundMessageEntity[]> {
    return { load: (id) => this.orderPart('messages', id) };
  }
  get eventsOfOrder(): Loader<string, OrderEventEntity[]> {
    return { load: (id) => this.orderPart('events', id) };
  }

  private _transactionsOfPayment?: DataLoader<string, TransactionEntity[]>;
  get transactionsOfPayment(): DataLoader<string, TransactionEntity[]> {
    const q = this.services.orderQueries;
    return (this._transactionsOfPayment ??= new DataLoader(async (ids) =>
      groupByKey(ids, await q.transactionsByPaymentIds(ids), (t) => t.paymentId),
    ));
  }

  private _refundsOfPayment?: DataLoader<string, RefundEntity[]>;
  get refundsOfPayment(): DataLoader<string, RefundEntity[]> {
    const r = this.services.refunds;
    return (this._refundsOfPayment ??= new DataLoader(async (ids) => groupByKey(ids, await r.refundsByPaymentIds(ids), (x) => x.paymentId)));
  }

  private _refund?: DataLoader<string, RefundEntity | null>;
  get refund(): DataLoader<string, RefundEntity | null> {
    const r = this.services.refunds;
    return (this._refund ??= new DataLoader(async (ids) => byKey(ids, await r.refundsByIds(ids), (x) => x.id)));
  }

  private _attemptsOfDelivery?: DataLoader<string, WebhookDeliveryAttemptEntity[]>;
  get attemptsOfDelivery(): DataLoader<string, WebhookDeliveryAttemptEntity[]> {
    const w = this.services.webhookEndpoints;
    return (this._attemptsOfDelivery ??= new DataLoader(async (ids) =>
      groupByKey(ids, await w.attemptsByDeliveryIds(ids), (a) => a.deliveryId),
    ));
  }
}

/** An order that is not there has no relations (as the batch reads found none). */
function partOf(d: OrderDocument | undefined, part: OrderPart): unknown {
  switch (part) {
    case 'payment':
    case 'paymentDetails':
      return d?.payment ?? null;
    default:
      return d?.[part] ?? [];
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
