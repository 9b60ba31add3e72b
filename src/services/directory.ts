import type { Database } from '../db/database';
import { PaymentConfigurationEntity, PhoneNumberEntity } from '../db/entities';
import type { PaymentGateway } from '../domain/types';

/** What the hot paths need to know about a phone number: which business it belongs to. */
export interface KnownPhoneNumber {
  id: string;
  businessId: string;
  phoneNumberId: string;
}

export interface KnownConfiguration {
  id: string;
  businessId: string;
  name: string;
  gateway: PaymentGateway;
}

const TTL_MS = 60_000;
const MAX_ENTRIES = 10_000;

/**
 * Cached lookups of the rows every order and every webhook starts from: a phone number by
 * WhatsApp's id, a payment configuration by business and name. The parts cached here never
 * change once written (a phone number belongs to one business for good; a configuration's
 * name and gateway are fixed; neither can be deleted), so a hit is never wrong; the TTL only
 * bounds how long an entry is kept. Misses are not cached: a number or configuration added a
 * moment ago is found at once.
 */
export class Directory {
  private readonly phones = new Ttl<KnownPhoneNumber>();
  private readonly configurations = new Ttl<KnownConfiguration>();

  constructor(private readonly db: Database) {}

  async phoneNumber(phoneNumberId: string): Promise<KnownPhoneNumber | null> {
    const hit = this.phones.get(phoneNumberId);
    if (hit) return hit;
    const row = await this.db.manager.findOne(PhoneNumberEntity, {
      where: { phoneNumberId },
      select: { id: true, businessId: true, phoneNumberId: true },
    });
    if (!row) return null;
    const known = { id: row.id, businessId: row.businessId, phoneNumberId: row.phoneNumberId };
    this.phones.set(phoneNumberId, known);
    return known;
  }

  async configuration(businessId: string, name: string): Promise<KnownConfiguration | null> {
    const key = `${businessId}\n${name}`;
    const hit = this.configurations.get(key);
    if (hit) return hit;
    const row = await this.db.manager.findOne(PaymentConfigurationEntity, {
      where: { businessId, name },
      select: { id: true, businessId: true, name: true, gateway: true },
    });
    if (!row) return null;
    const known = { id: row.id, businessId: row.businessId, name: row.name, gateway: row.gateway };
    this.configurations.set(key, known);
    return known;
  }
}

class Ttl<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();

  get(key: string): V | null {
    const entry = this.entries.get(key);
    if (!entry) return null;
    if (entry.until > Date.now()) return entry.value;
    this.entries.delete(key);
    return null;
  }

  set(key: string, value: V): void {
    this.entries.delete(key);
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { value, until: Date.now() + TTL_MS });
  }
}
