import DataLoader from 'dataloader';
import type { BusinessEntity, PaymentConfigurationEntity, PhoneNumberEntity } from '../db/entities';
import type { Services } from '../services';

/**
 * Request-scoped batch loaders: one query per relation per request, whatever the page size.
 * Made fresh for every request (and every subscription event), so they never serve stale rows.
 */
export class Loaders {
  readonly business: DataLoader<string, BusinessEntity | null>;
  readonly phoneNumbersOfBusiness: DataLoader<string, PhoneNumberEntity[]>;
  readonly paymentConfigurationsOfBusiness: DataLoader<string, PaymentConfigurationEntity[]>;

  constructor(services: Services) {
    const { tenancy } = services;
    this.business = new DataLoader(async (ids) => byKey(ids, await tenancy.businessesByIds(ids), (b) => b.id));
    this.phoneNumbersOfBusiness = new DataLoader(async (ids) =>
      groupByKey(ids, await tenancy.phoneNumbersByBusinessIds(ids), (p) => p.businessId),
    );
    this.paymentConfigurationsOfBusiness = new DataLoader(async (ids) =>
      groupByKey(ids, await tenancy.paymentConfigurationsByBusinessIds(ids), (p) => p.businessId),
    );
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
