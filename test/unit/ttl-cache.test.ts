import { TtlCache } from '../../src/services/ttl-cache';

describe('TtlCache', () => {
  afterEach(() => jest.restoreAllMocks());

  it('forgets an entry once its time is up', () => {
    const now = Date.now();
    const clock = jest.spyOn(Date, 'now').mockReturnValue(now);
    const cache = new TtlCache<string>(1000, 10);
    cache.set('a', 'A');
    clock.mockReturnValue(now + 999);
    expect(cache.get('a')).toBe('A');
    clock.mockReturnValue(now + 1000);
    expect(cache.get('a')).toBeNull();
  });

  it('drops the oldest entry when full, and setting a key again makes it the newest', () => {
    const cache = new TtlCache<number>(60_000, 2);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('a', 3);
    cache.set('c', 4);
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([3, null, 4]);
  });

  it('deletes every entry whose value matches', () => {
    const cache = new TtlCache<{ id: string }>(60_000, 10);
    cache.set('h1', { id: 'k1' });
    cache.set('h2', { id: 'k1' });
    cache.set('h3', { id: 'k2' });
    cache.deleteWhere((v) => v.id === 'k1');
    expect([cache.get('h1'), cache.get('h2'), cache.get('h3')]).toEqual([null, null, { id: 'k2' }]);
  });
});
