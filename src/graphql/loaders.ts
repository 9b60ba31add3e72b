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

  private _itemsOfOrder?: DataLoader<string, OrderItemEntity[]>;
  get itemsOfOrder(): DataLoader<string, OrderItemEntity[]> {
    const q = this.services.orderQueries;
    return (this._itemsOfOrder ??= new DataLoader(async (ids) => groupByKey(ids, await q.itemsByOrderIds(ids), (i) => i.orderId)));
  }

  private _paymentOfOrder?: DataLoader<string, PaymentEntity | null>;
  get paymentOfOrder(): DataLoader<string, PaymentEntity | null> {
    const q = this.services.orderQueries;
    return (this._paymentOfOrder ??= new DataLoader(async (ids) => byKey(ids, await q.paymentsByOrderIds(ids), (p) => p.orderId)));
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

  private _messagesOfOrder?: DataLoader<string, OutboundMessageEntity[]>;
  get messagesOfOrder(): DataLoader<string, OutboundMessageEntity[]> {
    const q = this.services.orderQueries;
    return (this._messagesOfOrder ??= new DataLoader(async (ids) => groupByKey(ids, await q.messagesByOrderIds(ids), (m) => m.orderId)));
  }

  private _eventsOfOrder?: DataLoader<string, OrderEventEntity[]>;
  get eventsOfOrder(): DataLoader<string, OrderEventEntity[]> {
    const q = this.services.orderQueries;
    return (this._eventsOfOrder ??= new DataLoader(async (ids) => groupByKey(ids, await q.eventsByOrderIds(ids), (e) => e.orderId)));
  }

  private _attemptsOfDelivery?: DataLoader<string, WebhookDeliveryAttemptEntity[]>;
  get attemptsOfDelivery(): DataLoader<string, WebhookDeliveryAttemptEntity[]> {
    const w = this.services.webhookEndpoints;
    return (this._attemptsOfDelivery ??= new DataLoader(async (ids) =>
      groupByKey(ids, await w.attemptsByDeliveryIds(ids), (a) => a.deliveryId),
    ));
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
