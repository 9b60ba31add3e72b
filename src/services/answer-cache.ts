import type { OrderReads } from './context';
import type { OrderChange } from './order-changes';

export type AnswerReads = OrderReads;

export function newAnswerReads(): AnswerReads {
  return { orders: new Set(), list: false };
}

/** Taken before an answer is computed; the answer is stored only if nothing of its business changed meanwhile. */
export interface AnswerToken {
  businessId: string;
  generation: number;
  cleared: number;
}

interface Entry {
  key: string;
  businessId: string;
  data: Record<string, unknown>;
  bytes: number;
  orders: string[];
  list: boolean;
  storedAt: number;
}

export interface AnswerCacheOptions {
  maxBytes: number;
  /** a backstop: no answer is served older than this, even if no change reached this instance */
  maxAgeMs: number;
  now?: () => number;
}

/**
 * Answers of `order` / `orders` queries, per business and role, dropped when an order they were read
 * from changes (OrderChange, from every instance through the event bus) and never stored when a
 * change of their business committed while they were being computed: an answer served from here is
 * one the database would give now, apart from the bus's delay for a change made on another instance.
 *
 * Bounded by the size of the answers' JSON (least recently used go first) and by age.
 */
export class AnswerCache {
  private readonly entries = new Map<string, Entry>();
  private readonly byOrder = new Map<string, Set<Entry>>();
  private readonly byBusiness = new Map<string, Set<Entry>>();
  private readonly listsOf = new Map<string, Set<Entry>>();
  private readonly generations = new Map<string, number>();
  private cleared = 0;
  private bytes = 0;
  private readonly now: () => number;
  readonly stats = { hits: 0, misses: 0, stored: 0, dropped: 0 };

  constructor(private readonly options: AnswerCacheOptions) {
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  get storedBytes(): number {
    return this.bytes;
  }

  begin(businessId: string): AnswerToken {
    return { businessId, generation: this.generations.get(businessId) ?? 0, cleared: this.cleared };
  }

  get(key: string): Record<string, unknown> | undefined {
    const entry = this.entries.get(key);
    if (!entry) {
      this.stats.misses++;
      return undefined;
    }
    if (this.now() - entry.storedAt > this.options.maxAgeMs) {
      this.remove(entry);
      this.stats.misses++;
      return undefined;
    }
    // most recently used last: eviction takes from the front
    this.entries.delete(key);
    this.entries.set(key, entry);
    this.stats.hits++;
    return entry.data;
  }

  /**
   * Keeps `data` unless its business changed since `token` was taken, or it alone exceeds a quarter
   * of the bound. `size` (its JSON's length) is asked only for an answer that can be kept.
   */
  store(token: AnswerToken, key: string, data: Record<string, unknown>, reads: AnswerReads, size: () => number): boolean {
    if (token.cleared !== this.cleared || (this.generations.get(token.businessId) ?? 0) !== token.generation) return false;
    if (!reads.list && reads.orders.size === 0) return false; // nothing that a change would name
    const bytes = size();
    if (bytes > this.options.maxBytes / 4) return false;
    const previous = this.entries.get(key);
    if (previous) this.remove(previous);
    const entry: Entry = {
      key,
      businessId: token.businessId,
      data,
      bytes,
      orders: [...reads.orders],
      list: reads.list,
      storedAt: this.now(),
    };
    this.entries.set(key, entry);
    this.bytes += bytes;
    for (const orderId of entry.orders) addTo(this.byOrder, orderId, entry);
    addTo(this.byBusiness, entry.businessId, entry);
    if (entry.list) addTo(this.listsOf, entry.businessId, entry);
    while (this.bytes > this.options.maxBytes) {
      const oldest = this.entries.values().next().value as Entry;
      this.remove(oldest);
    }
    this.stats.stored++;
    return true;
  }

  /**
   * An order (or, with orderId null, the business itself: its name, numbers, configurations)
   * changed: drops the answers read from it and every list of the business's orders, and keeps
   * answers being computed now from being stored.
   */
  invalidate(change: OrderChange): void {
    this.generations.set(change.businessId, (this.generations.get(change.businessId) ?? 0) + 1);
    const dropped =
      change.orderId === null
        ? [...(this.byBusiness.get(change.businessId) ?? [])]
        : [...(this.byOrder.get(change.orderId) ?? []), ...(this.listsOf.get(change.businessId) ?? [])];
    for (const entry of dropped) this.remove(entry);
  }

  /** Forgets everything: changes may have been missed (the bus's transport reconnected). */
  clear(): void {
    this.cleared++;
    this.generations.clear();
    this.stats.dropped += this.entries.size;
    this.entries.clear();
    this.byOrder.clear();
    this.byBusiness.clear();
    this.listsOf.clear();
    this.bytes = 0;
  }

  private remove(entry: Entry): void {
    if (this.entries.get(entry.key) !== entry) return;
    this.entries.delete(entry.key);
    this.bytes -= entry.bytes;
    for (const orderId of entry.orders) removeFrom(this.byOrder, orderId, entry);
    removeFrom(this.byBusiness, entry.businessId, entry);
    if (entry.list) removeFrom(this.listsOf, entry.businessId, entry);
    this.stats.dropped++;
  }
}

function addTo<K>(map: Map<K, Set<Entry>>, key: K, entry: Entry): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(entry);
}

function removeFrom<K>(map: Map<K, Set<Entry>>, key: K, entry: Entry): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(entry);
  if (set.size === 0) map.delete(key);
}
