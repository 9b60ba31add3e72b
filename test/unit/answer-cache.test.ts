import { AnswerCache, newAnswerReads, type AnswerReads } from '../../src/services/answer-cache';

const reads = (orders: string[], list = false): AnswerReads => ({ orders: new Set(orders), list });

describe('the answer cache', () => {
  let clock: number;
  let cache: AnswerCache;
  beforeEach(() => {
    clock = 1_000_000;
    cache = new AnswerCache({ maxBytes: 1000, maxAgeMs: 60_000, now: () => clock });
  });

  const keep = (key: string, business: string, r: AnswerReads, bytes = 10) => cache.store(cache.begin(business), key, { key }, r, () => bytes);

  it('serves a kept answer until an order it was read from changes; other orders leave it alone', () => {
    expect(keep('a', 'B1', reads(['o1']))).toBe(true);
    expect(cache.get('a')).toEqual({ key: 'a' });
    cache.invalidate({ businessId: 'B1', orderId: 'o2' });
    expect(cache.get('a')).toEqual({ key: 'a' });
    cache.invalidate({ businessId: 'B1', orderId: 'o1' });
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
    expect(cache.storedBytes).toBe(0);
  });

  it('drops a list of a business on any change of one of its orders, and nothing of another business', () => {
    keep('page', 'B1', reads(['o1', 'o2'], true));
    keep('other-page', 'B2', reads(['o9'], true));
    keep('one', 'B1', reads(['o1']));
    cache.invalidate({ businessId: 'B1', orderId: 'o3' }); // a new order of B1
    expect(cache.get('page')).toBeUndefined();
    expect(cache.get('one')).toEqual({ key: 'one' });
    expect(cache.get('other-page')).toEqual({ key: 'other-page' });
  });

  it('drops every answer of a business when the business itself changes', () => {
    keep('one', 'B1', reads(['o1']));
    keep('two', 'B1', reads(['o2']));
    keep('theirs', 'B2', reads(['o9']));
    cache.invalidate({ businessId: 'B1', orderId: null });
    expect([cache.get('one'), cache.get('two')]).toEqual([undefined, undefined]);
    expect(cache.get('theirs')).toEqual({ key: 'theirs' });
  });

  it('does not keep an answer computed while a change of its business committed (it may predate the change)', () => {
    const token = cache.begin('B1');
    cache.invalidate({ businessId: 'B1', orderId: 'o-unrelated' });
    expect(cache.store(token, 'late', { stale: true }, reads(['o1']), () => 10)).toBe(false);
    expect(cache.get('late')).toBeUndefined();
    // a change of another business does not matter
    const fresh = cache.begin('B1');
    cache.invalidate({ businessId: 'B2', orderId: 'o9' });
    expect(cache.store(fresh, 'fresh', { ok: true }, reads(['o1']), () => 10)).toBe(true);
  });

  it('asks for the size of an answer only when it can be kept', () => {
    const token = cache.begin('B1');
    cache.invalidate({ businessId: 'B1', orderId: 'o1' });
    const size = jest.fn(() => 10);
    expect(cache.store(token, 'late', {}, reads(['o1']), size)).toBe(false);
    expect(size).not.toHaveBeenCalled();
    expect(cache.store(cache.begin('B1'), 'fresh', {}, reads(['o1']), size)).toBe(true);
    expect(size).toHaveBeenCalledTimes(1);
    expect(cache.storedBytes).toBe(10);
  });

  it('keeps nothing begun before a clear (notices may have been lost), and clear empties it', () => {
    keep('a', 'B1', reads(['o1']));
    const token = cache.begin('B1');
    cache.clear();
    expect(cache.get('a')).toBeUndefined();
    expect(cache.store(token, 'b', {}, reads(['o1']), () => 10)).toBe(false);
    expect(cache.size).toBe(0);
  });

  it('keeps nothing that names no order: a change could never drop it', () => {
    expect(keep('nothing', 'B1', newAnswerReads())).toBe(false);
  });

  it('serves nothing older than its maximum age', () => {
    keep('a', 'B1', reads(['o1']));
    clock += 60_001;
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('stays within its bytes, letting the least recently used go first, and refuses an answer too large for it', () => {
    for (const k of ['a', 'b', 'c', 'd']) keep(k, 'B1', reads([`o-${k}`]), 240);
    expect(cache.get('a')).toBeDefined(); // a is now the most recently used
    keep('e', 'B1', reads(['o-e']), 240);
    expect(cache.get('b')).toBeUndefined();
    for (const k of ['a', 'c', 'd', 'e']) expect(cache.get(k)).toBeDefined();
    expect(cache.storedBytes).toBe(960);
    // one answer may take a quarter of the cache at most
    expect(keep('huge', 'B1', reads(['o-huge']), 251)).toBe(false);
    // an evicted answer no longer answers to its order's change either
    cache.invalidate({ businessId: 'B1', orderId: 'o-b' });
    expect(cache.size).toBe(4);
  });

  it('replaces an answer stored again under the same key', () => {
    keep('a', 'B1', reads(['o1']), 100);
    cache.store(cache.begin('B1'), 'a', { second: true }, reads(['o2']), () => 200);
    expect(cache.get('a')).toEqual({ second: true });
    expect(cache.storedBytes).toBe(200);
    cache.invalidate({ businessId: 'B1', orderId: 'o1' });
    expect(cache.get('a')).toEqual({ second: true });
    cache.invalidate({ businessId: 'B1', orderId: 'o2' });
    expect(cache.get('a')).toBeUndefined();
  });
});
