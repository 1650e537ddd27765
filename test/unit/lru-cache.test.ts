import { describe, expect, it } from 'vitest';
import { LruCache } from '../../src/registry/lru-cache.js';

describe('LruCache', () => {
  it('forgets the least recently used entry when full', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1); // a is now the most recent
    cache.set('c', 3);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(1);
    expect(cache.get('c')).toBe(3);
  });

  it('keeps the order right when the newest entry is read again, deleted or the cache cleared', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('b')).toBe(2);
    expect(cache.get('b')).toBe(2);
    cache.set('c', 3); // a is the oldest
    expect(cache.get('a')).toBeUndefined();
    cache.delete('c');
    cache.set('d', 4);
    expect(cache.get('b')).toBe(2);
    cache.set('e', 5); // d is the oldest now
    expect(cache.get('d')).toBeUndefined();
    cache.clear();
    expect(cache.get('b')).toBeUndefined();
    cache.set('f', 6);
    expect(cache.get('f')).toBe(6);
  });
});
