import type { Database } from '../db/database';
import { PaymentConfigurationEntity, PhoneNumberEntity } from '../db/entities';
import type { PaymentGateway } from '../domain/types';
import { TtlCache } from './ttl-cache';

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
  private readonly phones = new TtlCache<KnownPhoneNumber>(TTL_MS, MAX_ENTRIES);
  private readonly configurations = new TtlCache<KnownConfiguration>(TTL_MS, MAX_ENTRIES);

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
